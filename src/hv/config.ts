/**
 * The device-tree-free boot description the hypervisor consumes. A later
 * stage converts the checked platform into this; tests build it in code.
 * All addresses are numbers under the policy of addr.ts (PA < 2^48,
 * IPA < 2^ipaBits); `validateConfig` reports every value that breaks it.
 */
import type { Ipa, Pa, VmId } from './addr.js';
import { MAX_VM_ID, PA_LIMIT, PAGE_SIZE } from './addr.js';
import { LOWER_ATTR_ALLOWED, UPPER_ATTR_ALLOWED } from './attributes.js';

export interface PhysRange {
  readonly pa: Pa;
  readonly sizeBytes: number;
}

/** A VM RAM range: PA from `reg`, IPA from `ipa-base` or identical. */
export interface RamRange {
  readonly pa: Pa;
  readonly ipa: Ipa;
  readonly sizeBytes: number;
}

/** A `vl,io-memory` mapping. */
export interface IoMapping {
  readonly pa: Pa;
  readonly ipa: Ipa;
  readonly sizeBytes: number;
  /** `vl,attributes` upper word (descriptor bits 63:32). */
  readonly attrUpper: number;
  /** `vl,attributes` lower word (descriptor bits 11:0). */
  readonly attrLower: number;
  /** `vl,allow-sharing`. */
  readonly allowSharing: boolean;
  readonly name?: string;
}

/** A `vm-memory` node: this VM imports memory granted by `exporterId`. */
export interface VmMemoryWindow {
  readonly exporterId: VmId;
}

export interface VmConfig {
  readonly id: VmId;
  readonly name: string;
  readonly ram: readonly RamRange[];
  readonly io: readonly IoMapping[];
  readonly vmMemory: readonly VmMemoryWindow[];
  /** Overrides of the platform limits for this VM: its IPA size, the regions it may pass per call, the records it may hold as exporter. */
  readonly limits?: Partial<HvLimits>;
}

/**
 * A vlink (semantics.md §5): a named, numbered link between a server and a
 * client VM with one state word per side. `critical` links gate the
 * revocation of an exporter's grants (§6).
 */
export interface VlinkConfig {
  /** `vl,name`, at most 15 characters. */
  readonly name: string;
  /** `vl,link`. */
  readonly link: number;
  readonly serverId: VmId;
  readonly clientId: VmId;
  readonly serverInfo: string;
  readonly clientInfo: string;
  readonly critical: boolean;
}

export const VLINK_NAME_MAX = 15;
/** Default wait for critical vlinks before an exporter's grants are revoked by force (semantics.md §6). */
export const DEFAULT_REVOCATION_TIMEOUT_MS = 100;
/** Default number of persistent cross-interrupts (the platform manifest's default). */
export const DEFAULT_PERSISTENT_XIRQS = 1024;

export interface HvLimits {
  /** Grant records per exporter (semantics.md §4 step 9). */
  readonly grantRecordsPerExporter: number;
  /** Regions per grant/deny/verify call (§4 step 2). */
  readonly regionsPerCall: number;
  /** IPA size of every VM's stage 2 (VTCR_EL2.T0SZ = 64 - ipaBits). */
  readonly ipaBits: number;
}

export const DEFAULT_LIMITS: HvLimits = {
  grantRecordsPerExporter: 65_536,
  regionsPerCall: 64,
  ipaBits: 40,
};

/** Default home of the hypervisor's translation-table pool (hypervisor memory, outside guest RAM). */
export const DEFAULT_TABLE_POOL: PhysRange = { pa: 0xf000_0000_0000 as Pa, sizeBytes: 256 * 1024 * 1024 };

export interface HvConfig {
  readonly ramBanks: readonly PhysRange[];
  readonly invalidRegions: readonly PhysRange[];
  readonly pmem?: PhysRange;
  /** Hypervisor memory holding stage-2 and SMMU tables; default DEFAULT_TABLE_POOL. */
  readonly tablePool?: PhysRange;
  readonly vms: readonly VmConfig[];
  readonly limits?: Partial<HvLimits>;
  /** The vlinks of the hypervisor DT (semantics.md §5); none by default. */
  readonly vlinks?: readonly VlinkConfig[];
  /** Persistent cross-interrupts the pool holds; default DEFAULT_PERSISTENT_XIRQS. */
  readonly persistentXirqs?: number;
  /** How long an exporter's stop waits for its importers' critical vlinks to go OFF; default 100 ms (virtual). */
  readonly revocationTimeoutMs?: number;
}

export interface ConfigError {
  readonly code: string;
  readonly message: string;
  readonly vm?: VmId;
}

export function effectiveLimits(config: HvConfig): HvLimits {
  return { ...DEFAULT_LIMITS, ...config.limits };
}

/** The limits that apply to one VM: defaults, then the platform's, then the VM's own. */
export function vmLimits(config: HvConfig, vm: VmConfig): HvLimits {
  return { ...DEFAULT_LIMITS, ...config.limits, ...vm.limits };
}

interface Interval {
  start: number;
  end: number;
  what: string;
}

function overlaps(a: Interval, b: Interval): boolean {
  return a.start < b.end && b.start < a.end;
}

function h(v: number): string {
  return '0x' + v.toString(16);
}

/** Sorted-sweep overlap report: linear after the sort. */
function findOverlaps(items: Interval[], report: (a: Interval, b: Interval) => void): void {
  const sorted = [...items].sort((x, y) => x.start - y.start);
  let open: Interval | undefined;
  for (const it of sorted) {
    if (open && it.start < open.end) report(open, it);
    if (!open || it.end > open.end) open = it;
  }
}

function inside(inner: Interval, outers: readonly Interval[]): boolean {
  return outers.some((o) => o.start <= inner.start && inner.end <= o.end);
}

/**
 * Boot-time validation of what the hypervisor itself cannot work with. The
 * platform checker reports the full rule set with source positions; this
 * guards the model against configurations built in code.
 */
export function validateConfig(config: HvConfig): ConfigError[] {
  const errors: ConfigError[] = [];
  const limits = effectiveLimits(config);
  const err = (code: string, message: string, vm?: VmId): void => {
    errors.push(vm === undefined ? { code, message } : { code, message, vm });
  };
  const checkLimits = (l: HvLimits, where: string, vm?: VmId): void => {
    if (!Number.isInteger(l.ipaBits) || l.ipaBits < 32 || l.ipaBits > 43)
      err(
        'hv/limits',
        `${where}ipaBits ${l.ipaBits} is outside 32..43 (start level 1, at most 16 concatenated tables)`,
        vm,
      );
    if (!Number.isInteger(l.regionsPerCall) || l.regionsPerCall < 1)
      err('hv/limits', `${where}regionsPerCall ${l.regionsPerCall} must be a positive integer`, vm);
    if (!Number.isInteger(l.grantRecordsPerExporter) || l.grantRecordsPerExporter < 0)
      err(
        'hv/limits',
        `${where}grantRecordsPerExporter ${l.grantRecordsPerExporter} must be a non-negative integer`,
        vm,
      );
  };
  checkLimits(limits, '');
  for (const vm of config.vms) if (vm.limits) checkLimits(vmLimits(config, vm), `VM ${vm.id}: `, vm.id);

  const range = (
    where: string,
    base: number,
    size: number,
    limit: number,
    vm?: VmId,
  ): Interval | undefined => {
    if (!Number.isSafeInteger(base) || !Number.isSafeInteger(size) || base < 0 || size <= 0) {
      err(
        'hv/bad-range',
        `${where}: base ${base} size ${size} is not a non-empty range of safe integers`,
        vm,
      );
      return undefined;
    }
    if (base % PAGE_SIZE !== 0 || size % PAGE_SIZE !== 0) {
      err('hv/misaligned', `${where}: ${h(base)}+${h(size)} is not 4 KiB aligned`, vm);
      return undefined;
    }
    if (base + size > limit) {
      err('hv/out-of-range', `${where}: ${h(base)}+${h(size)} ends past ${h(limit)}`, vm);
      return undefined;
    }
    return { start: base, end: base + size, what: where };
  };

  const banks: Interval[] = [];
  config.ramBanks.forEach((b, i) => {
    const r = range(`RAM bank ${i}`, b.pa, b.sizeBytes, PA_LIMIT);
    if (r) banks.push(r);
  });
  findOverlaps(banks, (a, b) => err('hv/bank-overlap', `${a.what} overlaps ${b.what}`));
  const invalid: Interval[] = [];
  config.invalidRegions.forEach((b, i) => {
    const r = range(`invalid region ${i}`, b.pa, b.sizeBytes, PA_LIMIT);
    if (!r) return;
    invalid.push(r);
    if (!inside(r, banks))
      err('hv/invalid-not-ram', `${r.what} ${h(r.start)}-${h(r.end)} is not inside a RAM bank`);
  });
  findOverlaps(invalid, (a, b) => err('hv/invalid-overlap', `${a.what} overlaps ${b.what}`));
  const special: Interval[] = [...invalid];
  if (config.pmem) {
    const r = range('pmem pool', config.pmem.pa, config.pmem.sizeBytes, PA_LIMIT);
    if (r) {
      special.push(r);
      for (const inv of invalid)
        if (overlaps(r, inv)) err('hv/pmem-overlap', `pmem pool overlaps ${inv.what}`);
    }
  }
  const poolCfg = config.tablePool ?? DEFAULT_TABLE_POOL;
  const pool = range('table pool', poolCfg.pa, poolCfg.sizeBytes, PA_LIMIT);
  if (pool) {
    for (const b of [...banks, ...special])
      if (overlaps(pool, b)) err('hv/pool-overlap', `table pool overlaps ${b.what}`);
  }

  const ids = new Set<VmId>();
  for (const vm of config.vms) {
    if (!Number.isInteger(vm.id) || vm.id < 1 || vm.id > MAX_VM_ID)
      err('hv/bad-vm-id', `VM id ${vm.id} is outside 1..${MAX_VM_ID}`);
    else if (ids.has(vm.id)) err('hv/duplicate-vm-id', `VM id ${vm.id} is configured twice`, vm.id);
    ids.add(vm.id);
  }

  const allRam: Interval[] = [];
  const allIo: { iv: Interval; share: boolean; vm: VmId }[] = [];
  for (const vm of config.vms) {
    const ipaSpace: Interval[] = [];
    const ipaBits = vmLimits(config, vm).ipaBits;
    const ipaLimit = 2 ** ipaBits;
    vm.ram.forEach((r, i) => {
      const where = `VM ${vm.id} RAM ${i}`;
      const p = range(where + ' (PA)', r.pa, r.sizeBytes, PA_LIMIT, vm.id);
      const q = range(where + ' (IPA)', r.ipa, r.sizeBytes, ipaLimit, vm.id);
      if (p) {
        allRam.push({ ...p, what: where });
        if (!inside(p, banks))
          err('hv/ram-not-ram', `${where} ${h(p.start)}-${h(p.end)} is not inside a RAM bank`, vm.id);
        for (const s of special)
          if (overlaps(p, s)) err('hv/ram-overlaps-reserved', `${where} overlaps ${s.what}`, vm.id);
      }
      if (q) ipaSpace.push({ ...q, what: where });
    });
    // pmem blocks are mapped at IPA == PA when a VM maps them (pmem.ts): the pool must fit every VM's IPA space.
    if (config.pmem) {
      const end = config.pmem.pa + config.pmem.sizeBytes;
      if (end > ipaLimit)
        err(
          'hv/pmem-out-of-range',
          `pmem pool ${h(config.pmem.pa)}-${h(end)} lies above VM ${vm.id}'s ${ipaBits}-bit IPA space (pmem is mapped at IPA == PA)`,
          vm.id,
        );
      else ipaSpace.push({ start: config.pmem.pa, end, what: 'the pmem pool (IPA == PA)' });
    }
    vm.io.forEach((m, i) => {
      const where = `VM ${vm.id} io-memory ${m.name ?? i}`;
      const p = range(where + ' (PA)', m.pa, m.sizeBytes, PA_LIMIT, vm.id);
      const q = range(where + ' (IPA)', m.ipa, m.sizeBytes, ipaLimit, vm.id);
      if (p) {
        allIo.push({ iv: { ...p, what: where }, share: m.allowSharing, vm: vm.id });
        const inBank = banks.some((b) => overlaps(b, p));
        if (inBank && !inside(p, invalid) && !(config.pmem && inside(p, special)))
          err(
            'hv/io-is-ram',
            `${where} ${h(p.start)}-${h(p.end)} is RAM outside every invalid region`,
            vm.id,
          );
      }
      if (q) ipaSpace.push({ ...q, what: where });
      if (!Number.isInteger(m.attrLower) || (m.attrLower & ~LOWER_ATTR_ALLOWED) !== 0 || m.attrLower < 0)
        err(
          'hv/bad-attributes',
          `${where}: lower attribute word ${h(m.attrLower)} has bits outside MemAttr/S2AP/SH/AF`,
          vm.id,
        );
      if (!Number.isInteger(m.attrUpper) || (m.attrUpper & ~UPPER_ATTR_ALLOWED) !== 0 || m.attrUpper < 0)
        err(
          'hv/bad-attributes',
          `${where}: upper attribute word ${h(m.attrUpper >>> 0)} has bits outside the upper attributes`,
          vm.id,
        );
    });
    for (const w of vm.vmMemory) {
      const exp = config.vms.find((v) => v.id === w.exporterId);
      if (!exp || w.exporterId === vm.id) {
        err(
          'hv/bad-window',
          `VM ${vm.id} vm-memory names VM ${w.exporterId}, which is ${exp ? 'itself' : 'not configured'}`,
          vm.id,
        );
        continue;
      }
      // The window is the exporter's RAM at IPA == PA (granted pages are mapped identically).
      for (const r of exp.ram) {
        if (r.pa + r.sizeBytes > ipaLimit) {
          err(
            'hv/window-out-of-range',
            `VM ${vm.id} window for VM ${exp.id}: RAM ${h(r.pa)}+${h(r.sizeBytes)} lies above the ${ipaBits}-bit IPA space`,
            vm.id,
          );
          continue;
        }
        ipaSpace.push({
          start: r.pa,
          end: r.pa + r.sizeBytes,
          what: `VM ${vm.id} vm-memory window for VM ${exp.id}`,
        });
      }
    }
    findOverlaps(ipaSpace, (a, b) =>
      err('hv/ipa-overlap', `in VM ${vm.id}'s IPA space, ${a.what} overlaps ${b.what}`, vm.id),
    );
  }
  findOverlaps(allRam, (a, b) => err('hv/ram-overlap', `${a.what} overlaps ${b.what}`));
  validateVlinks(config, ids, err);
  if (
    config.persistentXirqs !== undefined &&
    (!Number.isInteger(config.persistentXirqs) ||
      config.persistentXirqs < 0 ||
      config.persistentXirqs > 1 << 20)
  )
    err('hv/limits', `persistentXirqs ${config.persistentXirqs} must be an integer in 0..${1 << 20}`);
  if (
    config.revocationTimeoutMs !== undefined &&
    (!Number.isFinite(config.revocationTimeoutMs) || config.revocationTimeoutMs < 0)
  )
    err('hv/limits', `revocationTimeoutMs ${config.revocationTimeoutMs} must be a non-negative number`);
  // The hypervisor refuses IO sharing unless every sharer says vl,allow-sharing (semantics.md §2 rule 4).
  for (let i = 0; i < allIo.length; i++)
    for (let j = i + 1; j < allIo.length; j++) {
      const a = allIo[i];
      const b = allIo[j];
      if (overlaps(a.iv, b.iv) && !(a.share && b.share))
        err(
          'hv/io-sharing-not-allowed',
          `${a.iv.what} and ${b.iv.what} share PA without vl,allow-sharing on both`,
        );
    }
  for (const io of allIo)
    for (const r of allRam)
      if (overlaps(io.iv, r)) err('hv/io-overlaps-ram', `${io.iv.what} overlaps ${r.what}`, io.vm);
  return errors;
}

function validateVlinks(
  config: HvConfig,
  ids: ReadonlySet<VmId>,
  err: (code: string, message: string, vm?: VmId) => void,
): void {
  const seen = new Set<string>();
  (config.vlinks ?? []).forEach((l, i) => {
    const where = `vlink ${i} ("${l.name}", link ${l.link})`;
    if (l.name.length === 0 || l.name.length > VLINK_NAME_MAX)
      err('hv/vlink-name', `${where}: name of ${l.name.length} characters (1..${VLINK_NAME_MAX})`);
    if (!Number.isInteger(l.link) || l.link < 0) err('hv/vlink-link', `${where}: link number ${l.link}`);
    for (const [side, id] of [
      ['server', l.serverId],
      ['client', l.clientId],
    ] as const)
      if (!ids.has(id)) err('hv/vlink-vm', `${where}: ${side} VM ${id} is not configured`);
    if (l.serverId === l.clientId)
      err('hv/vlink-self', `${where}: server and client are both VM ${l.serverId}`);
    const key = `${l.name}/${l.link}/${l.serverId}/${l.clientId}`;
    if (seen.has(key)) err('hv/vlink-duplicate', `${where}: the same (name, link, server, client) twice`);
    seen.add(key);
  });
}
