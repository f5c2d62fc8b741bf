/**
 * The page-granting contract of semantics.md §4 in one place: flags, error
 * codes, the order of the checks, and how the live grant records of a page
 * decide the importer's mappings. `hypervisor.ts` asks `checkMemCall`
 * whether a call may proceed (check + prepare: everything that can fail)
 * and then commits, which cannot fail (Hafnium's check → prepare → commit).
 */
import type { GuestU64, VmId } from './addr.js';
import { PAGE_SIZE } from './addr.js';
import { VDT_S2PTE_LOWER_MEM, VDT_S2PTE_UPPER_MEM_XN, withS2ap } from './attributes.js';

// ---- flags [decision] ----
export const VM_MEM_READ = 0x1;
export const VM_MEM_WRITE = 0x2;
export const VM_MEM_CPU = 0x4;
export const VM_MEM_DMA = 0x8;
export const VM_MEM_KNOWN_FLAGS = 0xf;

// ---- errno values (Linux numbering, returned negated) ----
export const EPERM = -1;
export const ENOENT = -2;
export const ESRCH = -3;
export const E2BIG = -7;
export const ENOMEM = -12;
export const EINVAL = -22;
export const EOPNOTSUPP = -95;

export const ERRNO_NAMES: Readonly<Record<number, string>> = {
  0: 'OK',
  [EPERM]: 'EPERM',
  [ENOENT]: 'ENOENT',
  [ESRCH]: 'ESRCH',
  [E2BIG]: 'E2BIG',
  [ENOMEM]: 'ENOMEM',
  [EINVAL]: 'EINVAL',
  [EOPNOTSUPP]: 'EOPNOTSUPP',
};

/** `NkMemMap`: one region of a call, exporter IPA (== PA) and size, as 64-bit guest values. */
export interface MemMap {
  readonly addr: GuestU64;
  readonly size: GuestU64;
}

export type MemOp = 'grant' | 'deny' | 'verify';

/** What the rules need to know about the hypervisor's current state (answered by hypervisor.ts). */
export interface RulesState {
  vmConfigured(id: VmId): boolean;
  vmRunning(id: VmId): boolean;
  hasWindow(importer: VmId, exporter: VmId): boolean;
  ramIdentity(id: VmId): boolean;
  /** True when PA pages [page, page+pageCount) are all RAM of `exporter`. */
  isRam(exporter: VmId, page: number, pageCount: number): boolean;
  /** Reference count of record (exporter, importer, page, flags). */
  recordCount(exporter: VmId, importer: VmId, page: number, flags: number): number;
  /** True when any record (exporter, importer, page, *) is live. */
  anyRecord(exporter: VmId, importer: VmId, page: number): boolean;
  recordsInUse(exporter: VmId): number;
  /** Regions the caller may pass in one call (its limits). */
  regionLimit(caller: VmId): number;
  /** Grant records the exporter may hold. */
  recordCapacity(exporter: VmId): number;
}

/** Regions of a call after step 6, as page numbers (exact: a 64-bit address has < 2^52 pages). */
export class ParsedRegions {
  readonly startPage: Float64Array;
  readonly pageCount: Float64Array;
  count = 0;
  constructor(capacity: number) {
    this.startPage = new Float64Array(capacity);
    this.pageCount = new Float64Array(capacity);
  }
}

const TWO64 = 1n << 64n;

/** Step 6 for one region: 0 and the pages stored at `i`, or EINVAL. */
function parseRegion(r: MemMap | undefined, out: ParsedRegions, i: number): number {
  if (r === undefined) return EINVAL; // fewer regions than `count`: the model's unreadable argument buffer
  const a = r.addr;
  const s = r.size;
  if (typeof a === 'number' && typeof s === 'number') {
    // Safe non-negative integers: a + s < 2^54 can never wrap past 2^64.
    if (!Number.isSafeInteger(a) || a < 0 || !Number.isSafeInteger(s) || s < 0) return EINVAL;
    if (a % PAGE_SIZE !== 0 || s % PAGE_SIZE !== 0 || s === 0) return EINVAL;
    out.startPage[i] = a / PAGE_SIZE;
    out.pageCount[i] = s / PAGE_SIZE;
    return 0;
  }
  let A: bigint;
  let S: bigint;
  try {
    A = BigInt(a);
    S = BigInt(s);
  } catch {
    return EINVAL; // a non-integer number is no 64-bit value
  }
  if (A < 0n || A >= TWO64 || S < 0n || S >= TWO64) return EINVAL;
  if ((A & 0xfffn) !== 0n || (S & 0xfffn) !== 0n || S === 0n) return EINVAL;
  if (A + S > TWO64) return EINVAL; // ending exactly at 2^64 is not a wrap
  out.startPage[i] = Number(A >> 12n);
  out.pageCount[i] = Number(S >> 12n);
  return 0;
}

/** Steps 1 (flags part) for grant/deny. */
export function flagsValid(flags: number): boolean {
  return (
    Number.isInteger(flags) &&
    flags >= 0 &&
    (flags & ~VM_MEM_KNOWN_FLAGS) === 0 &&
    flags <= VM_MEM_KNOWN_FLAGS &&
    (flags & (VM_MEM_READ | VM_MEM_WRITE)) !== 0 &&
    (flags & (VM_MEM_CPU | VM_MEM_DMA)) !== 0
  );
}

/**
 * Runs every check of semantics.md §4, in order, over the whole call.
 * Returns 0 (the call may commit; `out` holds the parsed regions) or the
 * negative errno of the first failing check. Never changes state.
 * grant/deny: caller = exporter, vmid = importer; verify: caller = importer, vmid = exporter.
 */
export function checkMemCall(
  op: MemOp,
  caller: VmId,
  vmid: VmId,
  flags: number,
  count: number,
  rgns: readonly MemMap[],
  st: RulesState,
  out: ParsedRegions,
): number {
  // A VM that is not RUNNING executes nothing: its hypercall fails with -ESRCH before anything is read.
  if (!st.vmConfigured(caller) || !st.vmRunning(caller)) return ESRCH;
  // 1. the call
  if (op !== 'verify' && !flagsValid(flags)) return EINVAL;
  if (!Number.isInteger(count) || count <= 0) return EINVAL;
  // 2.
  if (count > st.regionLimit(caller)) return E2BIG;
  // 3. the pair
  if (!Number.isInteger(vmid) || vmid === caller || !st.vmConfigured(vmid) || !st.vmRunning(vmid))
    return ESRCH;
  const exporter = op === 'verify' ? vmid : caller;
  const importer = op === 'verify' ? caller : vmid;
  // 4.
  if (!st.hasWindow(importer, exporter)) return EPERM;
  // 5.
  if (!st.ramIdentity(exporter) || !st.ramIdentity(importer)) return EOPNOTSUPP;
  // 6. the regions
  out.count = count;
  for (let i = 0; i < count; i++) {
    const rc = parseRegion(rgns[i], out, i);
    if (rc !== 0) return rc;
  }
  for (let i = 0; i < count; i++)
    for (let j = i + 1; j < count; j++) {
      const a = out.startPage[i];
      const b = out.startPage[j];
      if (a < b + out.pageCount[j] && b < a + out.pageCount[i]) return EINVAL;
    }
  // 7.
  for (let i = 0; i < count; i++) if (!st.isRam(exporter, out.startPage[i], out.pageCount[i])) return EPERM;
  // 8. / 9. the state
  if (op === 'deny') {
    for (let i = 0; i < count; i++) {
      const end = out.startPage[i] + out.pageCount[i];
      for (let p = out.startPage[i]; p < end; p++)
        if (st.recordCount(exporter, importer, p, flags) === 0) return ENOENT;
    }
  } else if (op === 'verify') {
    for (let i = 0; i < count; i++) {
      const end = out.startPage[i] + out.pageCount[i];
      for (let p = out.startPage[i]; p < end; p++) if (!st.anyRecord(exporter, importer, p)) return ENOENT;
    }
  } else {
    // A repeat of a live record takes no new slot, so it succeeds even with the table full.
    let fresh = 0;
    for (let i = 0; i < count; i++) {
      const end = out.startPage[i] + out.pageCount[i];
      for (let p = out.startPage[i]; p < end; p++)
        if (st.recordCount(exporter, importer, p, flags) === 0) fresh++;
    }
    if (st.recordsInUse(exporter) + fresh > st.recordCapacity(exporter)) return ENOMEM;
  }
  return 0;
}

// ---- the effect of live records on the importer's mappings ----

/**
 * For a set of live flag values (bit f of `mask` set when a record with
 * flags f is live for this importer and page), the access each path gets:
 * bits 1:0 = READ/WRITE for the CPU (stage 2), bits 3:2 = READ/WRITE for DMA
 * (SMMU). CPU and DMA are independent: a record only contributes its
 * READ/WRITE to the paths it names.
 */
export const EFFECT_OF_MASK: Uint8Array = (() => {
  const t = new Uint8Array(1 << 16);
  for (let mask = 1; mask < 1 << 16; mask++) {
    let cpu = 0;
    let dma = 0;
    for (let f = 0; f < 16; f++) {
      if ((mask & (1 << f)) === 0) continue;
      if (f & VM_MEM_CPU) cpu |= f & 3;
      if (f & VM_MEM_DMA) dma |= f & 3;
    }
    t[mask] = cpu | (dma << 2);
  }
  return t;
})();

/**
 * Stage-2 attribute words of a granted page with READ/WRITE bits `rw`.
 * READ/WRITE map one-to-one onto S2AP (01 read-only, 10 write-only, 11 RW).
 * Granted memory is ordinary memory to the importer: Normal write-back,
 * inner shareable. [decision] It is execute-never: page granting shares
 * data (buffers for drivers), never code.
 */
export function grantedLower(rw: number): number {
  return withS2ap(VDT_S2PTE_LOWER_MEM, rw);
}
export const GRANTED_UPPER = VDT_S2PTE_UPPER_MEM_XN;
