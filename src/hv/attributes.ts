/**
 * Stage-2 attribute words (`vl,attributes = <UPPER LOWER>`), shared by the
 * hypervisor model and the platform checker.
 *
 * semantics.md §1 [decision]: the words are the real ARMv8-A stage-2
 * block/page descriptor fields. LOWER is descriptor bits 11:0, UPPER is
 * descriptor bits 63:32. Field positions (Arm ARM DDI 0487, "Translation
 * table descriptor formats" / "Stage 2 memory region attributes", D5.3 in
 * issue G.a, D8.3 in K.a; the same bits as Linux's PTE_S2_* in
 * arch/arm64/include/asm/pgtable-hwdef.h):
 *   bits 5:2   MemAttr[3:0] (stage-2 memory type, used when HCR_EL2.FWB == 0)
 *   bits 7:6   S2AP[1:0]    (00 none, 01 read-only, 10 write-only, 11 read/write)
 *   bits 9:8   SH[1:0]      (00 non-shareable, 10 outer, 11 inner shareable)
 *   bit  10    AF           (access flag; 0 would fault on first access)
 *   bit  54    XN[1]        (execute-never; upper word bit 22). XN[0] (bit 53)
 *                           is only meaningful with FEAT_XNX; we never set it.
 */

// ---- lower word (descriptor bits 11:0) ----
export const S2_MEMATTR_SHIFT = 2;
export const S2_MEMATTR_MASK = 0xf << S2_MEMATTR_SHIFT;
export const S2AP_SHIFT = 6;
export const S2AP_MASK = 0x3 << S2AP_SHIFT;
export const S2AP_NONE = 0b00;
export const S2AP_RO = 0b01;
export const S2AP_WO = 0b10;
export const S2AP_RW = 0b11;
export const S2_SH_SHIFT = 8;
export const S2_SH_MASK = 0x3 << S2_SH_SHIFT;
export const S2_SH_NON = 0b00;
export const S2_SH_OUTER = 0b10;
export const S2_SH_INNER = 0b11;
export const S2_AF = 1 << 10;
/** MemAttr values: Device-nGnRnE/nGnRE/nGRE/GRE are 0b00xx; Normal is outer[3:2] inner[1:0]. */
export const S2_MEMATTR_DEVICE_nGnRnE = 0b0000;
export const S2_MEMATTR_DEVICE_nGnRE = 0b0001;
export const S2_MEMATTR_NORMAL_NC = 0b0101; // outer non-cacheable, inner non-cacheable
export const S2_MEMATTR_NORMAL_WT = 0b1010; // outer write-through, inner write-through
export const S2_MEMATTR_NORMAL_WB = 0b1111; // outer write-back, inner write-back

// ---- upper word (descriptor bits 63:32) ----
/** XN[1] is descriptor bit 54 = bit 22 of the upper word. */
export const S2_UPPER_XN = 1 << 22;
/** XN[0] (bit 53, FEAT_XNX) = bit 21 of the upper word. */
export const S2_UPPER_XN0 = 1 << 21;
/** Contiguous hint, descriptor bit 52 = upper bit 20. */
export const S2_UPPER_CONTIGUOUS = 1 << 20;
/** Bits 58:55 reserved for software = upper bits 26:23. */
export const S2_UPPER_SW_MASK = 0xf << 23;

/**
 * The attribute bits an attribute word may carry. Lower bits 1:0 are the
 * descriptor type (the hypervisor sets them) and bit 11 is RES0 at stage 2;
 * upper bits 15:0 are output-address bits 47:32 (never attributes), bits
 * 19:16 are OA[51:48]/RES0 in the 48-bit format.
 */
export const LOWER_ATTR_ALLOWED = S2_MEMATTR_MASK | S2AP_MASK | S2_SH_MASK | S2_AF;
export const UPPER_ATTR_ALLOWED = S2_UPPER_CONTIGUOUS | S2_UPPER_XN0 | S2_UPPER_XN | S2_UPPER_SW_MASK;

function lower(memAttr: number, s2ap: number, sh: number): number {
  return (memAttr << S2_MEMATTR_SHIFT) | (s2ap << S2AP_SHIFT) | (sh << S2_SH_SHIFT) | S2_AF;
}

/** Upper word of ordinary (executable) memory: no upper attribute set. */
export const VDT_S2PTE_UPPER_MEM = 0x00000000;
/** Upper word for device windows: execute-never (speculative instruction fetch from devices is forbidden). */
export const VDT_S2PTE_UPPER_DEV = S2_UPPER_XN;
/** Upper word of non-executable memory; same bits as UPPER_DEV, named for intent. */
export const VDT_S2PTE_UPPER_MEM_XN = S2_UPPER_XN;
/** Normal write-back cacheable, read/write, inner shareable, AF: 0x7fc. */
export const VDT_S2PTE_LOWER_MEM = lower(S2_MEMATTR_NORMAL_WB, S2AP_RW, S2_SH_INNER);
/** As LOWER_MEM but read-only: 0x77c. */
export const VDT_S2PTE_LOWER_MEM_RO = lower(S2_MEMATTR_NORMAL_WB, S2AP_RO, S2_SH_INNER);
/** Normal non-cacheable, read/write, inner shareable, AF: 0x7d4. */
export const VDT_S2PTE_LOWER_NC_MEM = lower(S2_MEMATTR_NORMAL_NC, S2AP_RW, S2_SH_INNER);
/** Device-nGnRE, read/write, non-shareable (device memory is always treated as outer shareable), AF: 0x4c4. */
export const VDT_S2PTE_LOWER_DEV_MEM = lower(S2_MEMATTR_DEVICE_nGnRE, S2AP_RW, S2_SH_NON);
/** Device-nGnRE, read-only, AF: 0x444. */
export const VDT_S2PTE_LOWER_DEV_MEM_RO = lower(S2_MEMATTR_DEVICE_nGnRE, S2AP_RO, S2_SH_NON);

/** Every named constant, for the checker's header and for explaining values. */
export const VDT_S2PTE_CONSTANTS: Readonly<Record<string, number>> = {
  VDT_S2PTE_UPPER_MEM,
  VDT_S2PTE_UPPER_DEV,
  VDT_S2PTE_UPPER_MEM_XN,
  VDT_S2PTE_LOWER_MEM,
  VDT_S2PTE_LOWER_MEM_RO,
  VDT_S2PTE_LOWER_NC_MEM,
  VDT_S2PTE_LOWER_DEV_MEM,
  VDT_S2PTE_LOWER_DEV_MEM_RO,
};

export type MemoryKind = 'device' | 'normal';

/** A decoded attribute pair. */
export interface S2Attributes {
  readonly memAttr: number;
  readonly kind: MemoryKind;
  /** For device memory: 'nGnRnE' | 'nGnRE' | 'nGRE' | 'GRE'; for normal memory: e.g. 'write-back'. */
  readonly type: string;
  /** Normal memory only: the inner and outer cacheability, or 'unpredictable' for the reserved encodings. */
  readonly inner?: Cacheability;
  readonly outer?: Cacheability;
  readonly s2ap: number;
  readonly read: boolean;
  readonly write: boolean;
  readonly sh: number;
  readonly shareability: 'non-shareable' | 'reserved' | 'outer shareable' | 'inner shareable';
  readonly af: boolean;
  readonly xn: boolean;
  /** Bits set outside the attribute fields (type bits, OA bits, RES0): explained as errors by the checker. */
  readonly strayLower: number;
  readonly strayUpper: number;
}

export type Cacheability = 'non-cacheable' | 'write-through' | 'write-back' | 'unpredictable';

const DEVICE_TYPES = ['nGnRnE', 'nGnRE', 'nGRE', 'GRE'] as const;
const CACHE: readonly Cacheability[] = ['unpredictable', 'non-cacheable', 'write-through', 'write-back'];
const SHARE = ['non-shareable', 'reserved', 'outer shareable', 'inner shareable'] as const;

export function decodeS2Attributes(upper: number, lowerWord: number): S2Attributes {
  const memAttr = (lowerWord >>> S2_MEMATTR_SHIFT) & 0xf;
  const s2ap = (lowerWord >>> S2AP_SHIFT) & 3;
  const sh = (lowerWord >>> S2_SH_SHIFT) & 3;
  const isDevice = memAttr >>> 2 === 0;
  const base = {
    memAttr,
    s2ap,
    read: (s2ap & S2AP_RO) !== 0,
    write: (s2ap & S2AP_WO) !== 0,
    sh,
    shareability: SHARE[sh],
    af: (lowerWord & S2_AF) !== 0,
    xn: (upper & S2_UPPER_XN) !== 0,
    strayLower: (lowerWord & ~LOWER_ATTR_ALLOWED) >>> 0,
    strayUpper: (upper & ~UPPER_ATTR_ALLOWED) >>> 0,
  };
  if (isDevice) return { ...base, kind: 'device', type: DEVICE_TYPES[memAttr & 3] };
  const outer = CACHE[memAttr >>> 2];
  // MemAttr[1:0] == 0b00 with a normal outer type is UNPREDICTABLE (Arm ARM stage-2 MemAttr table).
  const inner = CACHE[memAttr & 3];
  const type = inner === outer ? inner : `outer ${outer}, inner ${inner}`;
  return { ...base, kind: 'normal', type, inner, outer };
}

const S2AP_TEXT = ['no access', 'read-only', 'write-only', 'read/write'];

/** "normal memory, write-back cacheable, inner shareable, read/write" and so on. */
export function describeS2Attributes(upper: number, lowerWord: number): string {
  const a = decodeS2Attributes(upper, lowerWord);
  const parts: string[] = [];
  if (a.kind === 'device') {
    parts.push(`device memory (Device-${a.type})`);
  } else {
    const cache =
      a.inner === a.outer
        ? a.inner === 'non-cacheable'
          ? 'non-cacheable'
          : `${a.inner} cacheable`
        : `outer ${a.outer}, inner ${a.inner}`;
    parts.push('normal memory', cache);
    parts.push(a.shareability);
  }
  parts.push(S2AP_TEXT[a.s2ap]);
  if (a.xn) parts.push('execute-never');
  if (!a.af) parts.push('access flag clear (faults on first access)');
  if (a.strayLower !== 0) parts.push(`stray lower bits 0x${a.strayLower.toString(16)}`);
  if (a.strayUpper !== 0) parts.push(`stray upper bits 0x${a.strayUpper.toString(16)}`);
  return parts.join(', ');
}

/** Replaces the S2AP field of a lower word. */
export function withS2ap(lowerWord: number, s2ap: number): number {
  return (lowerWord & ~S2AP_MASK) | ((s2ap & 3) << S2AP_SHIFT);
}
