/**
 * The guest interface, a TypeScript mirror of the real DDI (nkddi): what a
 * guest OS sees of the hypervisor. One `Ddi` per VM life: the object handed
 * to the guest software at boot stops working (every call -ESRCH) once that
 * VM stops, even if the VM has since been started again — a new life gets a
 * new Ddi.
 *
 * Real DDI names in brackets: own id [nk_id_get], running VMs
 * [nk_running_ids_get], vlink lookup by name [nk_vlink_lookup, an
 * iterator], peer id and info strings [vlink->s_id/c_id, s_info/c_info],
 * pmem [nk_pmem_alloc], persistent xirqs [nk_pxirq_alloc], memory mapping
 * [nk_mem_map/nk_mem_unmap], xirq attach/detach/mask/unmask/trigger
 * [nk_xirq_attach, nk_xirq_mask, ..., nk_xirq_trigger] and the page
 * granting hypercalls [hyp_call_vm_mem_grant/deny/verify].
 */
import type { Ipa, VmId } from '../hv/addr.js';
import { PAGE_SIZE } from '../hv/addr.js';
import type { HvFault } from '../hv/fault.js';
import type { MemMap } from '../hv/hypercall-rules.js';
import { EINVAL, ESRCH } from '../hv/hypercall-rules.js';
import type { Hypervisor } from '../hv/hypervisor.js';
import type { VlinkDesc, VlinkSide, VlinkWord } from '../hv/vlink.js';
import type { XirqHandler } from '../hv/xirq.js';

/** What a guest reads of a vlink descriptor: the hypervisor's descriptor, read-only. */
export type VlinkRef = VlinkDesc;

/**
 * A guest mapping of physical memory [nk_mem_map]: every access goes through
 * the VM's stage 2, so an access after the hypervisor took the pages away
 * faults (an `HvFault`, never a silent read).
 */
export class Mapping {
  #live = true;
  constructor(
    private readonly hv: Hypervisor,
    readonly vm: VmId,
    readonly pa: number,
    readonly sizeBytes: number,
    readonly kind: 'pmem' | 'memory',
  ) {}

  get live(): boolean {
    return this.#live;
  }

  _kill(): void {
    this.#live = false;
  }

  #at(off: number, n: number): Ipa {
    if (!this.#live) throw new RangeError(`mapping of 0x${this.pa.toString(16)} used after unmap`);
    if (!(off >= 0 && off + n <= this.sizeBytes))
      throw new RangeError(`offset ${off}+${n} outside the ${this.sizeBytes}-byte mapping`);
    return (this.pa + off) as Ipa; // IPA == PA for granted pages and pmem
  }

  load32(off: number): number | HvFault {
    return this.hv.cpu(this.vm).load32(this.#at(off, 4));
  }

  store32(off: number, v: number): HvFault | undefined {
    return this.hv.cpu(this.vm).store32(this.#at(off, 4), v);
  }

  read(off: number, dst: Uint8Array): HvFault | undefined {
    return this.hv.cpu(this.vm).read(this.#at(off, dst.length), dst);
  }

  write(off: number, src: Uint8Array): HvFault | undefined {
    return this.hv.cpu(this.vm).write(this.#at(off, src.length), src);
  }
}

export class Ddi {
  readonly #epoch: number;
  readonly #mappings = new Set<Mapping>();

  constructor(
    private readonly hv: Hypervisor,
    readonly vm: VmId,
  ) {
    this.#epoch = hv.sched.epoch(vm);
  }

  /** True while the VM life this Ddi was made for is running. */
  get alive(): boolean {
    return this.hv.state(this.vm) === 'RUNNING' && this.hv.sched.epoch(this.vm) === this.#epoch;
  }

  /** [nk_id_get] */
  id(): VmId {
    return this.vm;
  }

  /** Virtual time in milliseconds. */
  now(): number {
    return this.hv.sched.now;
  }

  /** [nk_running_ids_get] the running VMs. */
  runningVms(): VmId[] {
    return this.alive ? this.hv.runningVms() : [];
  }

  /** The VM's own RAM (what its guest DT's memory nodes say). */
  ram(): readonly { pa: number; sizeBytes: number }[] {
    return this.hv.vmConfig(this.vm).ram.map((r) => ({ pa: r.pa as number, sizeBytes: r.sizeBytes }));
  }

  /** [nk_vlink_lookup] every vlink named `name` this VM is an end of, in configuration order. */
  *vlinks(name: string): Generator<VlinkRef> {
    for (const h of this.hv.vlinks.of(this.vm)) {
      const l = this.hv.vlinks.get(h) as VlinkDesc;
      if (l.name === name) yield l;
    }
  }

  side(vl: VlinkRef): VlinkSide {
    return vl.serverId === this.vm ? 'server' : 'client';
  }

  peerId(vl: VlinkRef): VmId {
    return vl.serverId === this.vm ? vl.clientId : vl.serverId;
  }

  ownInfo(vl: VlinkRef): string {
    return vl.serverId === this.vm ? vl.serverInfo : vl.clientInfo;
  }

  peerInfo(vl: VlinkRef): string {
    return vl.serverId === this.vm ? vl.clientInfo : vl.serverInfo;
  }

  ownState(vl: VlinkRef): VlinkWord {
    return this.hv.vlinks.word(vl.handle, this.side(vl));
  }

  peerState(vl: VlinkRef): VlinkWord {
    return this.hv.vlinks.word(vl.handle, this.side(vl) === 'server' ? 'client' : 'server');
  }

  /** Writes this side's state word (SYSCONF goes to the peer). */
  setState(vl: VlinkRef, w: VlinkWord): number {
    if (!this.alive) return ESRCH;
    return this.hv.vlinkWrite(this.vm, vl.handle, w);
  }

  /** [nk_pmem_alloc] the PA of the block labelled ⟨vlink, id⟩, 0 when the pool is exhausted. */
  pmemAlloc(vl: VlinkRef, id: number, sizeBytes: number): number {
    if (!this.alive) return ESRCH;
    return this.hv.pmemAlloc(this.vm, vl.handle, id, sizeBytes);
  }

  /** [nk_pxirq_alloc] `count` persistent xirqs labelled ⟨vlink, id⟩: the first, 0 when exhausted. */
  pxirqAlloc(vl: VlinkRef, id: number, count = 1): number {
    if (!this.alive) return ESRCH;
    return this.hv.pxirqAlloc(this.vm, vl.handle, id, count);
  }

  /**
   * [nk_mem_map] maps physical memory for this guest: a pmem block (the
   * hypervisor maps it into the stage 2) or pages granted to this VM (already
   * mapped by the grant; the guest only gets an accessor). -ESRCH, -EINVAL.
   */
  memMap(paddr: number, sizeBytes: number): Mapping | number {
    if (!this.alive) return ESRCH;
    if (this.hv.pmem.blockOf(paddr, sizeBytes)) {
      const rc = this.hv.pmemMap(this.vm, paddr, sizeBytes);
      if (rc !== 0) return rc;
      const m = new Mapping(this.hv, this.vm, paddr, sizeBytes, 'pmem');
      this.#mappings.add(m);
      return m;
    }
    if (
      !Number.isSafeInteger(paddr) ||
      !Number.isSafeInteger(sizeBytes) ||
      sizeBytes <= 0 ||
      paddr % PAGE_SIZE !== 0
    )
      return EINVAL;
    const m = new Mapping(this.hv, this.vm, paddr, sizeBytes, 'memory');
    this.#mappings.add(m);
    return m;
  }

  /** [nk_mem_unmap] */
  memUnmap(m: Mapping): number {
    if (!this.alive) return ESRCH;
    if (!this.#mappings.delete(m)) return EINVAL;
    m._kill();
    if (m.kind === 'pmem') {
      // Keep the stage-2 mapping while another live mapping of this VM life uses the same block start.
      const shared = [...this.#mappings].some((o) => o.kind === 'pmem' && o.pa === m.pa);
      if (!shared) return this.hv.pmemUnmap(this.vm, m.pa, m.sizeBytes);
    }
    return 0;
  }

  get mappings(): number {
    return this.#mappings.size;
  }

  xirqAttach(xirq: number, fn: XirqHandler): number {
    if (!this.alive) return ESRCH;
    return this.hv.xirqAttach(this.vm, xirq, fn);
  }

  xirqDetach(handlerId: number): number {
    if (!this.alive) return ESRCH;
    return this.hv.xirqDetach(this.vm, handlerId);
  }

  xirqMask(xirq: number): number {
    if (!this.alive) return ESRCH;
    return this.hv.xirqMask(this.vm, xirq);
  }

  xirqUnmask(xirq: number): number {
    if (!this.alive) return ESRCH;
    return this.hv.xirqUnmask(this.vm, xirq);
  }

  xirqTrigger(xirq: number, target: VmId): number {
    if (!this.alive) return ESRCH;
    return this.hv.xirqTrigger(this.vm, xirq, target);
  }

  /** [hyp_call_vm_mem_grant] this VM (exporter) grants `rgns` to `importer`. */
  grant(importer: VmId, flags: number, rgns: readonly MemMap[]): number {
    if (!this.alive) return ESRCH;
    return this.hv.memGrant(this.vm, importer, flags, rgns.length, rgns);
  }

  /** [hyp_call_vm_mem_deny] */
  deny(importer: VmId, flags: number, rgns: readonly MemMap[]): number {
    if (!this.alive) return ESRCH;
    return this.hv.memDeny(this.vm, importer, flags, rgns.length, rgns);
  }

  /** [hyp_call_vm_mem_verify] this VM (importer) checks that `exporter` granted it every region. */
  verify(exporter: VmId, rgns: readonly MemMap[]): number {
    if (!this.alive) return ESRCH;
    return this.hv.memVerify(this.vm, exporter, rgns.length, rgns);
  }

  /** Runs `fn` in this VM after `delayMs` virtual milliseconds (a guest timer; dropped if the VM stops). */
  timer(delayMs: number, fn: () => void): void {
    if (this.alive) this.hv.sched.post(fn, delayMs, this.vm);
  }

  /** A line in the trace from the guest (its console). */
  log(msg: string): void {
    if (this.hv.trace.enabled)
      this.hv.trace.emit({ kind: 'guest', now: this.hv.sched.now, vm: this.vm, msg });
  }

  /** Asks the hypervisor to stop (and optionally restart) this VM: a stop the guest asked for. */
  shutdown(restart = false): number {
    if (!this.alive) return ESRCH;
    return this.hv.lifecycle.stop(this.vm, { restart });
  }
}
