/**
 * The hypervisor model: boots from a HvConfig (hv/config.ts), owns physical
 * memory, the table pool, every VM's stage 2 and SMMU context, the grant
 * table and the trace, and serves the page-granting hypercalls.
 *
 * It also owns the event loop (`sched`, a virtual clock), the vlink state
 * words, the cross-interrupt controller, the pmem pool and the lifecycle
 * (stop/restart with the vlink-gated revocation of semantics.md §6), and
 * serves the guests' vlink, xirq and pmem calls (each -ESRCH unless the
 * caller is RUNNING).
 *
 * Every grant/deny is check (hypercall-rules.ts) → commit: the check reads
 * state only and decides the result; the commit updates the records and
 * re-derives the importer's mappings of the pages whose effective access
 * changed, then invalidates TLBs before returning.
 */
import type { VmId } from './addr.js';
import { PAGE_SIZE } from './addr.js';
import { VDT_S2PTE_LOWER_MEM, VDT_S2PTE_UPPER_MEM } from './attributes.js';
import type { ConfigError, HvConfig, HvLimits, VmConfig } from './config.js';
import { DEFAULT_TABLE_POOL, effectiveLimits, validateConfig, vmLimits } from './config.js';
import { ENTRY_PAGES } from './descriptor.js';
import { DEFAULT_PERSISTENT_XIRQS, DEFAULT_REVOCATION_TIMEOUT_MS } from './config.js';
import { Lifecycle } from './lifecycle.js';
import { PmemPool } from './pmem.js';
import { Scheduler } from './scheduler.js';
import { VLINK_OFF, VlinkTable } from './vlink.js';
import type { VlinkWord } from './vlink.js';
import { XIRQ_SYSCONF, XirqController } from './xirq.js';
import type { XirqHandler } from './xirq.js';
import { GrantStore } from './grants.js';
import type { MemMap, MemOp, RulesState } from './hypercall-rules.js';
import {
  EFFECT_OF_MASK,
  EINVAL,
  EPERM,
  ESRCH,
  GRANTED_UPPER,
  ParsedRegions,
  checkMemCall,
  grantedLower,
} from './hypercall-rules.js';
import { MemoryPort } from './memory-port.js';
import { PhysicalMemory } from './phys-mem.js';
import { ptdump } from './ptdump.js';
import { Stage2 } from './stage2.js';
import type { LeafRun } from './stage2.js';
import { TablePool } from './table-pool.js';
import { Trace } from './trace.js';
import type { TableContext } from './trace.js';
import { InvariantError } from '../util/assert.js';

export type VmState = 'OFF' | 'BOOTING' | 'RUNNING' | 'STOPPING';

interface PageRange {
  start: number;
  end: number;
}

class Vm {
  state: VmState = 'OFF';
  everRan = false;
  readonly ramIdentity: boolean;
  /** The VM's RAM as merged, sorted PA page ranges. */
  readonly ramPages: PageRange[];
  readonly windows: Set<VmId>;
  /** pmem page ranges this VM mapped in its stage 2 (IPA == PA), by first page. */
  readonly pmemMaps = new Map<number, number>();

  constructor(
    readonly config: VmConfig,
    readonly limits: HvLimits,
    readonly s2: Stage2,
    readonly smmu: Stage2,
    readonly cpu: MemoryPort,
    readonly dma: MemoryPort,
  ) {
    this.ramIdentity = config.ram.every((r) => (r.ipa as number) === (r.pa as number));
    const pages = config.ram
      .map((r) => ({ start: r.pa / PAGE_SIZE, end: (r.pa + r.sizeBytes) / PAGE_SIZE }))
      .sort((a, b) => a.start - b.start);
    const merged: PageRange[] = [];
    for (const p of pages) {
      const last = merged[merged.length - 1];
      if (last && last.end === p.start) last.end = p.end;
      else merged.push({ ...p });
    }
    this.ramPages = merged;
    this.windows = new Set(config.vmMemory.map((w) => w.exporterId));
  }

  get id(): VmId {
    return this.config.id;
  }
}

/** Accumulates consecutive pages whose new access on one path is equal, and applies them as one map/unmap. */
class RunBuilder {
  vm: Vm | undefined;
  ctx: TableContext = 'cpu';
  start = -1;
  count = 0;
  rw = 0;
  revoke = false;

  constructor(private readonly hv: Hypervisor) {}

  begin(vm: Vm, ctx: TableContext): void {
    this.vm = vm;
    this.ctx = ctx;
    this.count = 0;
  }

  add(page: number, rw: number, oldRw: number, reason: string): void {
    const revoke = (oldRw & ~rw) !== 0;
    if (this.count > 0 && page === this.start + this.count && rw === this.rw) {
      this.count++;
      this.revoke ||= revoke;
      return;
    }
    this.flush(reason);
    this.start = page;
    this.count = 1;
    this.rw = rw;
    this.revoke = revoke;
  }

  flush(reason: string): void {
    if (this.count === 0 || !this.vm) return;
    this.hv._applyGranted(this.vm, this.ctx, this.start, this.count, this.rw, this.revoke, reason);
    this.count = 0;
  }
}

export type BootResult =
  | { readonly ok: true; readonly hv: Hypervisor }
  | { readonly ok: false; readonly errors: readonly ConfigError[] };

export interface BootOptions {
  readonly trace?: Trace;
  /** The event loop (virtual clock) the model runs on; a fresh one by default. */
  readonly scheduler?: Scheduler;
  /** Start every VM after building it (semantics.md §3); default true. */
  readonly autoStart?: boolean;
}

export interface HvSnapshot {
  readonly states: Readonly<Record<number, VmState>>;
  readonly records: ReturnType<GrantStore['list']>;
  readonly cpu: Readonly<Record<number, LeafRun[]>>;
  readonly smmu: Readonly<Record<number, LeafRun[]>>;
  readonly tablePagesInUse: number;
}

export class Hypervisor {
  readonly limits: HvLimits;
  readonly phys: PhysicalMemory;
  readonly pool: TablePool;
  readonly trace: Trace;
  readonly grants = new GrantStore();
  /** Table pages reserved at boot for the vm-memory windows (grants never run out of table memory). */
  readonly windowReservePages: number;
  readonly #vms: (Vm | undefined)[] = [];
  readonly #scratch: ParsedRegions;
  readonly #cpuRun = new RunBuilder(this);
  readonly #dmaRun = new RunBuilder(this);
  readonly #rules: RulesState;
  /** The event loop: cross-interrupt deliveries, guest tasks, revocation timeouts (virtual milliseconds). */
  readonly sched: Scheduler;
  readonly vlinks: VlinkTable;
  readonly xirqs: XirqController;
  readonly pmem: PmemPool;
  /** VM stop/start with the vlink-gated revocation of semantics.md §6. */
  readonly lifecycle: Lifecycle;
  readonly #runningListeners = new Set<(vm: VmId) => void>();

  /** Builds every VM's stage 2 and SMMU context from the configuration; refuses a configuration it cannot honour. */
  static boot(config: HvConfig, options: BootOptions = {}): BootResult {
    const errors = validateConfig(config);
    if (errors.length > 0) return { ok: false, errors };
    const hv = new Hypervisor(config, options.trace ?? new Trace(), options.scheduler ?? new Scheduler());
    const capacity = hv.pool.capacityPages;
    hv.pool.overcommit = false;
    if (hv.pool.inUse + hv.windowReservePages > capacity)
      return {
        ok: false,
        errors: [
          {
            code: 'hv/table-pool-too-small',
            message: `stage-2/SMMU tables need ${hv.pool.inUse} pages at boot plus ${hv.windowReservePages} reserved for vm-memory windows, the table pool holds ${capacity}`,
          },
        ],
      };
    if (options.autoStart ?? true) for (const vm of hv.#vms) if (vm) hv.startVm(vm.id);
    return { ok: true, hv };
  }

  private constructor(config: HvConfig, trace: Trace, sched: Scheduler) {
    this.limits = effectiveLimits(config);
    this.trace = trace;
    this.sched = sched;
    this.vlinks = new VlinkTable(config.vlinks ?? []);
    this.xirqs = new XirqController(
      config.persistentXirqs ?? DEFAULT_PERSISTENT_XIRQS,
      sched,
      trace,
      (id) => this.#vms[id]?.state === 'RUNNING',
    );
    this.pmem = new PmemPool(config.pmem);
    this.lifecycle = new Lifecycle(this, config.revocationTimeoutMs ?? DEFAULT_REVOCATION_TIMEOUT_MS);
    this.phys = new PhysicalMemory(config.ramBanks, config.invalidRegions, config.pmem);
    const poolCfg = config.tablePool ?? DEFAULT_TABLE_POOL;
    this.pool = new TablePool(poolCfg.pa / PAGE_SIZE, poolCfg.sizeBytes / PAGE_SIZE);
    this.pool.overcommit = true; // boot() checks the total against the capacity once the static tables are built
    this.#scratch = new ParsedRegions(
      Math.max(this.limits.regionsPerCall, ...config.vms.map((v) => vmLimits(config, v).regionsPerCall)),
    );
    let reserve = 0;
    for (const vc of config.vms) {
      const limits = vmLimits(config, vc);
      const s2 = new Stage2(this.pool, limits.ipaBits);
      const smmu = new Stage2(this.pool, limits.ipaBits);
      for (const t of [s2, smmu]) {
        for (const r of vc.ram)
          t.map(
            r.ipa / PAGE_SIZE,
            r.pa / PAGE_SIZE,
            r.sizeBytes / PAGE_SIZE,
            VDT_S2PTE_LOWER_MEM,
            VDT_S2PTE_UPPER_MEM,
          );
        for (const m of vc.io)
          t.map(m.ipa / PAGE_SIZE, m.pa / PAGE_SIZE, m.sizeBytes / PAGE_SIZE, m.attrLower, m.attrUpper);
      }
      const vm = new Vm(
        vc,
        limits,
        s2,
        smmu,
        new MemoryPort(vc.id, 'cpu', s2, this.phys, trace),
        new MemoryPort(vc.id, 'dma', smmu, this.phys, trace),
      );
      vm.cpu.running = false;
      vm.dma.running = false;
      this.#vms[vc.id] = vm;
    }
    // Provision the windows: the worst case of level-2 and level-3 tables a window can need, in both contexts.
    for (const vc of config.vms)
      for (const w of vc.vmMemory) {
        const exp = config.vms.find((v) => v.id === w.exporterId);
        if (!exp) continue;
        for (const r of exp.ram) {
          const s = r.pa / PAGE_SIZE;
          const e = s + r.sizeBytes / PAGE_SIZE;
          const l2 = Math.ceil(e / ENTRY_PAGES[1]) - Math.floor(s / ENTRY_PAGES[1]);
          const l3 = Math.ceil(e / ENTRY_PAGES[2]) - Math.floor(s / ENTRY_PAGES[2]);
          reserve += 2 * (l2 + l3);
        }
      }
    this.windowReservePages = reserve;
    this.#rules = this.#makeRules();
  }

  #makeRules(): RulesState {
    const grants = this.grants;
    return {
      vmConfigured: (id) => this.#vms[id] !== undefined,
      vmRunning: (id) => this.#vms[id]?.state === 'RUNNING',
      hasWindow: (importer, exporter) => this.#vms[importer]?.windows.has(exporter) ?? false,
      ramIdentity: (id) => this.#vms[id]?.ramIdentity ?? false,
      isRam: (exporter, page, pageCount) => {
        const vm = this.#vms[exporter];
        if (!vm) return false;
        for (const r of vm.ramPages) if (r.start <= page && page + pageCount <= r.end) return true;
        return false;
      },
      recordCount: (e, i, p, f) => grants.count(e, i, p, f),
      anyRecord: (e, i, p) => grants.mask(e, i, p) !== 0,
      recordsInUse: (e) => grants.recordsInUse(e),
      regionLimit: (caller) => this.#vms[caller]?.limits.regionsPerCall ?? 0,
      recordCapacity: (e) => this.#vms[e]?.limits.grantRecordsPerExporter ?? 0,
    };
  }

  #vm(id: VmId): Vm {
    const vm = this.#vms[id];
    if (!vm) throw new RangeError(`VM ${id} is not configured`);
    return vm;
  }

  // ------------------------------------------------------------- inspection

  vmIds(): VmId[] {
    const out: VmId[] = [];
    this.#vms.forEach((v, id) => v && out.push(id));
    return out;
  }

  vmConfig(id: VmId): VmConfig {
    return this.#vm(id).config;
  }

  /** The limits in force for one VM (platform limits with its own overrides). */
  limitsOf(id: VmId): HvLimits {
    return this.#vm(id).limits;
  }

  state(id: VmId): VmState | undefined {
    return this.#vms[id]?.state;
  }

  /** The VM's CPU memory port (through its stage 2). */
  cpu(id: VmId): MemoryPort {
    return this.#vm(id).cpu;
  }

  /** The VM's DMA port (through its SMMU context). */
  dma(id: VmId): MemoryPort {
    return this.#vm(id).dma;
  }

  stage2(id: VmId): Stage2 {
    return this.#vm(id).s2;
  }

  smmu(id: VmId): Stage2 {
    return this.#vm(id).smmu;
  }

  ramIdentity(id: VmId): boolean {
    return this.#vm(id).ramIdentity;
  }

  ptdump(id: VmId, ctx: TableContext = 'cpu'): string {
    const vm = this.#vm(id);
    return ptdump(
      `VM ${id} (${vm.config.name}) ${ctx === 'cpu' ? 'stage 2' : 'SMMU context'}`,
      ctx === 'cpu' ? vm.s2 : vm.smmu,
    );
  }

  /** Everything that a failed hypercall must leave unchanged, as plain data. */
  snapshot(): HvSnapshot {
    const states: Record<number, VmState> = {};
    const cpu: Record<number, LeafRun[]> = {};
    const smmu: Record<number, LeafRun[]> = {};
    for (const id of this.vmIds()) {
      const vm = this.#vm(id);
      states[id] = vm.state;
      cpu[id] = vm.s2.leaves(false);
      smmu[id] = vm.smmu.leaves(false);
    }
    return { states, records: this.grants.list(), cpu, smmu, tablePagesInUse: this.pool.inUse };
  }

  // ------------------------------------------------------------- hypercalls

  /** hyp_call_vm_mem_grant: `caller` (exporter) grants `rgns` to `vmid` (importer). */
  memGrant(caller: VmId, vmid: VmId, flags: number, count: number, rgns: readonly MemMap[]): number {
    return this.#memCall('grant', caller, vmid, flags, count, rgns);
  }

  /** hyp_call_vm_mem_deny: takes back what a grant with the same flags gave. */
  memDeny(caller: VmId, vmid: VmId, flags: number, count: number, rgns: readonly MemMap[]): number {
    return this.#memCall('deny', caller, vmid, flags, count, rgns);
  }

  /** hyp_call_vm_mem_verify: `caller` (importer) checks that `vmid` (exporter) granted it every region. */
  memVerify(caller: VmId, vmid: VmId, count: number, rgns: readonly MemMap[]): number {
    return this.#memCall('verify', caller, vmid, 0, count, rgns);
  }

  #memCall(
    op: MemOp,
    caller: VmId,
    vmid: VmId,
    flags: number,
    count: number,
    rgns: readonly MemMap[],
  ): number {
    const parsed = this.#scratch;
    const rc = checkMemCall(op, caller, vmid, flags, count, rgns, this.#rules, parsed);
    if (rc === 0 && op !== 'verify') this.#commit(op, caller, vmid, flags, parsed);
    if (this.trace.enabled) {
      const n = Math.max(
        0,
        Math.min(Number.isInteger(count) ? count : 0, rgns.length, this.#scratch.startPage.length),
      );
      const copy = [];
      for (let i = 0; i < n; i++) copy.push({ addr: rgns[i].addr, size: rgns[i].size });
      this.trace.emit(
        op === 'verify'
          ? { kind: 'hypercall', caller, op, vmid, count, rgns: copy, result: rc }
          : { kind: 'hypercall', caller, op, vmid, flags, count, rgns: copy, result: rc },
      );
    } else this.trace.clock++;
    return rc;
  }

  /** Cannot fail: the check established every precondition. */
  #commit(op: 'grant' | 'deny', exporter: VmId, importer: VmId, flags: number, parsed: ParsedRegions): void {
    const imp = this.#vm(importer);
    const cpuRun = this.#cpuRun;
    const dmaRun = this.#dmaRun;
    cpuRun.begin(imp, 'cpu');
    dmaRun.begin(imp, 'smmu');
    const grants = this.grants;
    for (let i = 0; i < parsed.count; i++) {
      const end = parsed.startPage[i] + parsed.pageCount[i];
      for (let p = parsed.startPage[i]; p < end; p++) {
        const m =
          op === 'grant'
            ? grants.add(exporter, importer, p, flags)
            : grants.remove(exporter, importer, p, flags);
        const before = m & 0xffff;
        const after = m >>> 16;
        if (before === after) continue;
        const eb = EFFECT_OF_MASK[before];
        const ea = EFFECT_OF_MASK[after];
        if ((eb & 3) !== (ea & 3)) cpuRun.add(p, ea & 3, eb & 3, op);
        if (eb >> 2 !== ea >> 2) dmaRun.add(p, ea >> 2, eb >> 2, op);
      }
    }
    cpuRun.flush(op);
    dmaRun.flush(op);
  }

  /** Re-derives the mapping of `count` window pages from `start` on one path: `rw` 0 unmaps. Then TLBI. */
  _applyGranted(
    vm: Vm,
    ctx: TableContext,
    start: number,
    count: number,
    rw: number,
    revoke: boolean,
    reason: string,
  ): void {
    const tables = ctx === 'cpu' ? vm.s2 : vm.smmu;
    const port = ctx === 'cpu' ? vm.cpu : vm.dma;
    const tr = this.trace;
    if (rw === 0) {
      tables.unmap(start, count);
      if (tr.enabled)
        tr.emit({
          kind: 'unmap',
          vm: vm.id,
          ctx,
          ipa: start * PAGE_SIZE,
          sizeBytes: count * PAGE_SIZE,
          reason,
        });
    } else {
      const lower = grantedLower(rw);
      tables.map(start, start, count, lower, GRANTED_UPPER);
      if (tr.enabled)
        tr.emit({
          kind: 'map',
          vm: vm.id,
          ctx,
          ipa: start * PAGE_SIZE,
          pa: start * PAGE_SIZE,
          sizeBytes: count * PAGE_SIZE,
          lower,
          upper: GRANTED_UPPER,
          reason,
        });
    }
    port.invalidate(start, count, revoke);
    if (tr.enabled)
      tr.emit({
        kind: 'tlbi',
        vm: vm.id,
        ctx,
        scope: 'ipa',
        ipa: start * PAGE_SIZE,
        sizeBytes: count * PAGE_SIZE,
      });
    else tr.clock += 2;
  }

  // --------------------------------------------------------------- lifecycle

  #setState(vm: Vm, to: VmState): void {
    const from = vm.state;
    vm.state = to;
    this.trace.emit({ kind: 'vm-state', vm: vm.id, from, to });
  }

  /**
   * OFF → BOOTING → RUNNING. A VM that ran before has its own RAM zeroed
   * first (semantics.md §6 [decision]); its tables hold exactly the static
   * configuration again, since stopping dropped every grant to and from it.
   * Returns 0, -ESRCH (unknown VM) or -EINVAL (not OFF).
   */
  startVm(id: VmId): number {
    const vm = this.#vms[id];
    if (!vm) return ESRCH;
    if (vm.state !== 'OFF') return EINVAL;
    this.#setState(vm, 'BOOTING');
    if (vm.everRan && this.trace.enabled)
      this.trace.emit({
        kind: 'lifecycle',
        now: this.sched.now,
        vm: id,
        step: 'scrub',
        detail: 'own RAM zeroed before restart',
      });
    if (vm.everRan)
      for (const r of vm.config.ram) {
        const first = r.pa / PAGE_SIZE;
        const end = first + r.sizeBytes / PAGE_SIZE;
        for (let p = first; p < end;) {
          const seg = this.phys.segmentOfPage(p);
          if (!seg) throw new InvariantError(`VM ${id} RAM page ${p} has no backing`);
          const n = Math.min(end, seg.endPage) - p;
          seg.zeroPages(p, n);
          p += n;
        }
      }
    vm.everRan = true;
    vm.cpu.running = true;
    vm.dma.running = true;
    this.#setState(vm, 'RUNNING');
    // Its vlink ends are OFF (set at its stop, zero at boot); every other running VM hears of the start.
    this.#sysconfOthers(id, 'start');
    for (const l of this.#runningListeners) this.sched.post(() => l(id), 0, id);
    return 0;
  }

  /**
   * RUNNING → STOPPING → OFF. The VM stops executing at once (its ports
   * fault 'not-running'); every grant it holds as importer and every grant
   * it made as exporter is revoked (records dropped, importers' pages
   * unmapped, TLBs invalidated). The vlink-gated wait before an exporter's
   * revocation (semantics.md §6) belongs to the lifecycle layer, which calls
   * `beginStop`, waits, then `finishStop`.
   */
  stopVm(id: VmId): number {
    const rc = this.beginStop(id);
    if (rc !== 0) return rc;
    return this.finishStop(id);
  }

  /** RUNNING/BOOTING → STOPPING: the VM executes nothing; grants to it are dropped at once. */
  beginStop(id: VmId): number {
    const vm = this.#vms[id];
    if (!vm) return ESRCH;
    if (vm.state !== 'RUNNING' && vm.state !== 'BOOTING') return EINVAL;
    this.#setState(vm, 'STOPPING');
    vm.cpu.running = false;
    vm.dma.running = false;
    vm.cpu.invalidateAll(true);
    vm.dma.invalidateAll(true);
    this.trace.emit({ kind: 'tlbi', vm: id, ctx: 'cpu', scope: 'vm' });
    this.trace.emit({ kind: 'tlbi', vm: id, ctx: 'smmu', scope: 'vm' });
    this.revokeGrants((_e, i) => i === id, 'importer-stop');
    // It executes nothing and receives nothing: queued tasks, handlers and pending xirqs go.
    this.sched.dropOwner(id);
    this.xirqs.dropVm(id);
    this.#unmapAllPmem(vm);
    // Its ends of every vlink go OFF (SYSCONF to each peer), then every running VM hears of the stop.
    for (const h of this.vlinks.of(id)) this.#writeWord(id, h, VLINK_OFF, 'hypervisor');
    this.#sysconfOthers(id, 'stop');
    return 0;
  }

  /** STOPPING → OFF: the exporter's grants are revoked and the VM is off. */
  finishStop(id: VmId): number {
    const vm = this.#vms[id];
    if (!vm) return ESRCH;
    if (vm.state !== 'STOPPING') return EINVAL;
    this.revokeGrants((e) => e === id, 'exporter-stop');
    this.#setState(vm, 'OFF');
    return 0;
  }

  #sysconfOthers(id: VmId, why: 'start' | 'stop'): void {
    if (this.trace.enabled)
      this.trace.emit({
        kind: 'lifecycle',
        now: this.sched.now,
        vm: id,
        step: 'sysconf',
        detail: `VM ${id} ${why}: SYSCONF to every other running VM`,
      });
    for (const other of this.#vms)
      if (other && other.id !== id && other.state === 'RUNNING')
        this.xirqs.trigger(0, XIRQ_SYSCONF, other.id);
  }

  /** Calls `listener(vm)` (as a task of that VM) every time a VM becomes RUNNING: where guest software boots. */
  onRunning(listener: (vm: VmId) => void): () => void {
    this.#runningListeners.add(listener);
    return () => this.#runningListeners.delete(listener);
  }

  /** Ids of the RUNNING VMs (the DDI's running-VM set). */
  runningVms(): VmId[] {
    const out: VmId[] = [];
    for (const v of this.#vms) if (v && v.state === 'RUNNING') out.push(v.id);
    return out;
  }

  // ----------------------------------------------------- vlinks (semantics.md §5)

  #running(id: VmId): boolean {
    return this.#vms[id]?.state === 'RUNNING';
  }

  #ddi(vm: VmId, op: string, result: number, detail?: string): number {
    if (this.trace.enabled)
      this.trace.emit(
        detail === undefined
          ? { kind: 'ddi', now: this.sched.now, vm, op, result }
          : { kind: 'ddi', now: this.sched.now, vm, op, result, detail },
      );
    return result;
  }

  /**
   * `caller` writes its own end of vlink `handle`. 0, -ESRCH (caller not
   * running), -EPERM (not an end of that vlink), -EINVAL (not OFF/RESET/ON
   * or no such vlink). A change sends SYSCONF to the peer.
   */
  vlinkWrite(caller: VmId, handle: number, word: number): number {
    if (!this.#running(caller)) return this.#ddi(caller, 'vlink-write', ESRCH, `vlink ${handle}`);
    if (!this.vlinks.get(handle) || !(word === 0 || word === 1 || word === 2))
      return this.#ddi(caller, 'vlink-write', EINVAL, `vlink ${handle} word ${word}`);
    if (this.vlinks.sideOf(handle, caller) === undefined)
      return this.#ddi(caller, 'vlink-write', EPERM, `vlink ${handle}`);
    this.#writeWord(caller, handle, word as VlinkWord, 'guest');
    return 0;
  }

  #writeWord(vm: VmId, handle: number, word: VlinkWord, by: 'guest' | 'hypervisor'): void {
    const l = this.vlinks.get(handle);
    const side = this.vlinks.sideOf(handle, vm);
    if (!l || !side) throw new InvariantError(`VM ${vm} is no end of vlink ${handle}`);
    const from = this.vlinks.set(handle, side, word);
    if (from === word) return;
    if (this.trace.enabled)
      this.trace.emit({
        kind: 'vlink',
        now: this.sched.now,
        vm,
        vlink: handle,
        name: l.name,
        link: l.link,
        side,
        from,
        to: word,
        by,
        result: 0,
      });
    const peer = side === 'server' ? l.clientId : l.serverId;
    this.xirqs.trigger(by === 'guest' ? vm : 0, XIRQ_SYSCONF, peer);
    this.lifecycle._vlinkChanged();
  }

  // ------------------------------------------------------- cross-interrupts

  /** Persistent xirqs labelled ⟨vlink, id⟩: the first of `count` numbers, 0 when exhausted, -ESRCH/-EINVAL. */
  pxirqAlloc(caller: VmId, vlink: number, id: number, count = 1): number {
    if (!this.#running(caller)) return this.#ddi(caller, 'pxirq-alloc', ESRCH);
    if (!this.vlinks.get(vlink) || !Number.isInteger(id) || id < 0)
      return this.#ddi(caller, 'pxirq-alloc', EINVAL);
    const r = this.xirqs.alloc(vlink, id, count);
    if (this.trace.enabled)
      this.trace.emit({
        kind: 'xirq',
        now: this.sched.now,
        op: 'alloc',
        vm: caller,
        xirq: r.base,
        result: r.base,
        detail: `label <${vlink}, ${id}> x${count}${r.found ? ' (found)' : ''}`,
      });
    return r.base;
  }

  /** Attaches a handler for `xirq` in `caller`: a handler id > 0, or -ESRCH/-EINVAL. */
  xirqAttach(caller: VmId, xirq: number, fn: XirqHandler): number {
    if (!this.#running(caller)) return this.#ddi(caller, 'xirq-attach', ESRCH);
    if (!this.xirqs.valid(xirq)) return this.#ddi(caller, 'xirq-attach', EINVAL, `xirq ${xirq}`);
    const hid = this.xirqs.attach(caller, xirq, fn);
    if (this.trace.enabled)
      this.trace.emit({ kind: 'xirq', now: this.sched.now, op: 'attach', vm: caller, xirq, result: hid });
    return hid;
  }

  xirqDetach(caller: VmId, handlerId: number): number {
    if (!this.#running(caller)) return this.#ddi(caller, 'xirq-detach', ESRCH);
    return this.xirqs.detach(caller, handlerId) ? 0 : this.#ddi(caller, 'xirq-detach', EINVAL);
  }

  xirqMask(caller: VmId, xirq: number): number {
    if (!this.#running(caller)) return this.#ddi(caller, 'xirq-mask', ESRCH);
    if (!this.xirqs.valid(xirq)) return this.#ddi(caller, 'xirq-mask', EINVAL);
    this.xirqs.mask(caller, xirq);
    return 0;
  }

  xirqUnmask(caller: VmId, xirq: number): number {
    if (!this.#running(caller)) return this.#ddi(caller, 'xirq-unmask', ESRCH);
    if (!this.xirqs.valid(xirq)) return this.#ddi(caller, 'xirq-unmask', EINVAL);
    this.xirqs.unmask(caller, xirq);
    return 0;
  }

  /** Sends `xirq` to `target`: 0 (also when the target is not running: the delivery is dropped), -ESRCH, -EINVAL. */
  xirqTrigger(caller: VmId, xirq: number, target: VmId): number {
    if (!this.#running(caller)) return this.#ddi(caller, 'xirq-trigger', ESRCH);
    if (!this.xirqs.valid(xirq) || !this.#vms[target]) return this.#ddi(caller, 'xirq-trigger', EINVAL);
    this.xirqs.trigger(caller, xirq, target);
    return 0;
  }

  // ------------------------------------------------------------------ pmem

  /** The pmem block labelled ⟨vlink, id⟩ (page-rounded): its PA, 0 when the pool is exhausted, -ESRCH/-EINVAL. */
  pmemAlloc(caller: VmId, vlink: number, id: number, sizeBytes: number): number {
    if (!this.#running(caller)) return this.#ddi(caller, 'pmem-alloc', ESRCH);
    if (!this.vlinks.get(vlink) || !Number.isInteger(id) || id < 0)
      return this.#ddi(caller, 'pmem-alloc', EINVAL);
    const r = this.pmem.alloc(vlink, id, sizeBytes);
    if (this.trace.enabled)
      this.trace.emit({
        kind: 'pmem',
        now: this.sched.now,
        op: 'alloc',
        vm: caller,
        pa: r.pa,
        sizeBytes: r.sizeBytes,
        vlink,
        id,
        result: r.pa,
        found: r.found,
      });
    return r.pa;
  }

  /** Maps [pa, pa + size) of one allocated pmem block into `caller`'s stage 2 at IPA == PA: 0, -ESRCH, -EINVAL, -EPERM. */
  pmemMap(caller: VmId, paddr: number, sizeBytes: number): number {
    const vm = this.#vms[caller];
    const fail = (rc: number): number => {
      if (this.trace.enabled)
        this.trace.emit({
          kind: 'pmem',
          now: this.sched.now,
          op: 'map',
          vm: caller,
          pa: paddr,
          sizeBytes,
          result: rc,
        });
      return rc;
    };
    if (!vm || vm.state !== 'RUNNING') return fail(ESRCH);
    if (
      !Number.isSafeInteger(paddr) ||
      !Number.isSafeInteger(sizeBytes) ||
      sizeBytes <= 0 ||
      paddr % PAGE_SIZE !== 0 ||
      sizeBytes % PAGE_SIZE !== 0
    )
      return fail(EINVAL);
    if (!this.pmem.blockOf(paddr, sizeBytes)) return fail(EPERM);
    const page = paddr / PAGE_SIZE;
    const count = sizeBytes / PAGE_SIZE;
    vm.s2.map(page, page, count, VDT_S2PTE_LOWER_MEM, GRANTED_UPPER);
    vm.pmemMaps.set(page, Math.max(count, vm.pmemMaps.get(page) ?? 0));
    vm.cpu.invalidate(page, count, false);
    if (this.trace.enabled) {
      this.trace.emit({
        kind: 'map',
        vm: caller,
        ctx: 'cpu',
        ipa: paddr,
        pa: paddr,
        sizeBytes,
        lower: VDT_S2PTE_LOWER_MEM,
        upper: GRANTED_UPPER,
        reason: 'pmem',
      });
      this.trace.emit({
        kind: 'pmem',
        now: this.sched.now,
        op: 'map',
        vm: caller,
        pa: paddr,
        sizeBytes,
        result: 0,
      });
    }
    return 0;
  }

  /** Unmaps a range `caller` mapped with pmemMap (same start): 0, -ESRCH, -EINVAL. */
  pmemUnmap(caller: VmId, paddr: number, sizeBytes: number): number {
    const vm = this.#vms[caller];
    if (!vm || vm.state !== 'RUNNING') return this.#ddi(caller, 'pmem-unmap', ESRCH);
    const page = paddr / PAGE_SIZE;
    const count = vm.pmemMaps.get(page);
    if (count === undefined || sizeBytes / PAGE_SIZE !== count)
      return this.#ddi(caller, 'pmem-unmap', EINVAL);
    this.#unmapPmem(vm, page, count, 'pmem-unmap');
    return 0;
  }

  #unmapPmem(vm: Vm, page: number, count: number, reason: string): void {
    vm.pmemMaps.delete(page);
    vm.s2.unmap(page, count);
    vm.cpu.invalidate(page, count, true);
    if (this.trace.enabled) {
      this.trace.emit({
        kind: 'unmap',
        vm: vm.id,
        ctx: 'cpu',
        ipa: page * PAGE_SIZE,
        sizeBytes: count * PAGE_SIZE,
        reason,
      });
      this.trace.emit({
        kind: 'pmem',
        now: this.sched.now,
        op: 'unmap',
        vm: vm.id,
        pa: page * PAGE_SIZE,
        sizeBytes: count * PAGE_SIZE,
        result: 0,
      });
    }
  }

  #unmapAllPmem(vm: Vm): void {
    for (const [page, count] of [...vm.pmemMaps]) this.#unmapPmem(vm, page, count, 'vm-stop');
  }

  /** Drops every record matching `pred` (exporter, importer) and unmaps what they gave (one sweep, Hafnium style). */
  revokeGrants(pred: (exporter: VmId, importer: VmId) => boolean, reason: string): void {
    const pairs = this.grants.drainPairs(pred);
    // An importer's pages from several exporters (disjoint: each page is one exporter's RAM) are merged into one sorted run list.
    pairs.sort((a, b) => a.importer - b.importer);
    for (let i = 0; i < pairs.length;) {
      const importer = pairs[i].importer;
      let j = i;
      while (j < pairs.length && pairs[j].importer === importer) j++;
      let keys = pairs[i].keys;
      if (j - i > 1) {
        let total = 0;
        for (let k = i; k < j; k++) total += pairs[k].keys.length;
        keys = new Float64Array(total);
        let off = 0;
        for (let k = i; k < j; k++) {
          keys.set(pairs[k].keys, off);
          off += pairs[k].keys.length;
        }
        keys.sort();
      }
      const vm = this.#vm(importer);
      this.#cpuRun.begin(vm, 'cpu');
      this.#dmaRun.begin(vm, 'smmu');
      for (let k = 0; k < keys.length; k++) {
        const page = Math.floor(keys[k] / 65536);
        const before = keys[k] % 65536;
        const eb = EFFECT_OF_MASK[before];
        if (eb & 3) this.#cpuRun.add(page, 0, eb & 3, reason);
        if (eb >> 2) this.#dmaRun.add(page, 0, eb >> 2, reason);
      }
      this.#cpuRun.flush(reason);
      this.#dmaRun.flush(reason);
      i = j;
    }
  }
}
