/**
 * VMSAv8-64 stage-2 descriptors, 4 KiB granule, 48-bit output addresses.
 * Arm ARM DDI 0487, "Translation table descriptor formats" (D5.3 in G.a,
 * D8.3 in K.a):
 *   bits 1:0  0b00/0b10 invalid; 0b01 block (levels 1 and 2 with 4 KiB
 *             granule); 0b11 table (levels 0-2) or page (level 3; 0b01 at
 *             level 3 is reserved and faults as invalid)
 *   table:    bits 47:12 next-level table address; stage-2 table
 *             descriptors have no hierarchical attributes (bits 63:59 RES0)
 *   block:    OA bits 47:30 (level 1) or 47:21 (level 2)
 *   page:     OA bits 47:12
 *   leaf attributes: lower bits 11:2, upper bits 63:50 (attributes.ts)
 * Descriptors are handled as two 32-bit halves (lo = bits 31:0, hi = bits
 * 63:32) so the hot paths never touch BigInt.
 */
export const DESC_VALID = 0b01;
export const DESC_TYPE_TABLE = 0b11;
export const DESC_TYPE_PAGE = 0b11;
export const DESC_TYPE_BLOCK = 0b01;
export const LOWER_ATTR_FIELD = 0xffc;
export const UPPER_ATTR_FIELD = 0xffff0000;

/** Pages covered by one entry at each level (index = level). */
export const ENTRY_PAGES = [2 ** 27, 2 ** 18, 2 ** 9, 1] as const;
/** log2 of ENTRY_PAGES. */
export const ENTRY_SHIFT = [27, 18, 9, 0] as const;

const TWO20 = 1048576;

/** Low word of a block (level 1, 2) or page (level 3) descriptor. */
export function leafLo(oaPage: number, lower: number, level: number): number {
  return (
    ((oaPage % TWO20) * 4096 +
      (lower & LOWER_ATTR_FIELD) +
      (level === 3 ? DESC_TYPE_PAGE : DESC_TYPE_BLOCK)) >>>
    0
  );
}

export function leafHi(oaPage: number, upper: number): number {
  return (Math.floor(oaPage / TWO20) + ((upper & UPPER_ATTR_FIELD) >>> 0)) >>> 0;
}

export function tableLo(tablePaPage: number): number {
  return ((tablePaPage % TWO20) * 4096 + DESC_TYPE_TABLE) >>> 0;
}

export function tableHi(tablePaPage: number): number {
  return Math.floor(tablePaPage / TWO20) >>> 0;
}

/** Address field (bits 47:12) as a page number. For blocks the caller masks the low bits. */
export function oaPageOf(lo: number, hi: number): number {
  return (lo >>> 12) + (hi & 0xffff) * TWO20;
}

export function toBigInt(lo: number, hi: number): bigint {
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}

export function fromBigInt(d: bigint): { lo: number; hi: number } {
  return { lo: Number(d & 0xffffffffn), hi: Number((d >> 32n) & 0xffffffffn) };
}

export type DescriptorKind = 'invalid' | 'table' | 'block' | 'page' | 'reserved';

export function descriptorKind(lo: number, level: number): DescriptorKind {
  if ((lo & DESC_VALID) === 0) return 'invalid';
  if ((lo & 2) === 0) return level === 3 || level === 0 ? 'reserved' : 'block';
  return level === 3 ? 'page' : 'table';
}
