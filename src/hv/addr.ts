/**
 * Address types of the hypervisor model.
 *
 * Policy (rust-vmm vm-memory style: one type per address space, never mixed):
 * - `Pa` (physical address) and `Ipa` (intermediate physical address, what a
 *   VM sees as physical) are branded JavaScript numbers. Every address the
 *   model maps fits below 2^53 exactly: IPAs are below 2^ipaBits (at most
 *   2^43, see stage2.ts) and output addresses below 2^48 (the 48-bit PA size
 *   of the VMSAv8-64 descriptor's OA field, bits 47:12). Numbers keep the
 *   access fast path free of BigInt.
 * - Page numbers (`address / 4096`) are plain numbers; an IPA page is below
 *   2^31 and a PA page below 2^36, so `ipaPage` fits a 32-bit integer.
 * - Values a guest passes to a hypercall are full 64-bit quantities
 *   (`GuestU64 = number | bigint`): the hypercall layer checks alignment and
 *   wrap-around exactly before converting to page numbers (< 2^52, exact).
 * - Naming: `end` is exclusive, `last` is inclusive; units are in names
 *   (`sizeBytes`, `pageCount`).
 */
export type Pa = number & { readonly __brand: 'Pa' };
export type Ipa = number & { readonly __brand: 'Ipa' };
/** A VM id (NkOsId): 0 is the hypervisor, guests are 1..31. */
export type VmId = number;
/** A 64-bit value as a guest passes it: exact when a bigint, a safe non-negative integer when a number. */
export type GuestU64 = number | bigint;

export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 4096;
export const PAGE_MASK = PAGE_SIZE - 1;
/** Output address size of the descriptors we build (OA bits 47:12). */
export const PA_BITS = 48;
export const PA_LIMIT = 2 ** PA_BITS;
export const MAX_VM_ID = 31;

function checkAddress(v: number, what: string): void {
  if (!Number.isSafeInteger(v) || v < 0)
    throw new RangeError(`${what} ${v} is not a non-negative safe integer`);
}

/** Brands a number as a physical address (throws RangeError on a non-integer: a programming error). */
export function pa(v: number): Pa {
  checkAddress(v, 'PA');
  return v as Pa;
}

/** Brands a number as an intermediate physical address. */
export function ipa(v: number): Ipa {
  checkAddress(v, 'IPA');
  return v as Ipa;
}

export function isPageAligned(v: number): boolean {
  return v % PAGE_SIZE === 0;
}

export function hex64(v: number | bigint): string {
  return '0x' + v.toString(16).padStart(16, '0');
}

/** Human size like Linux's ptdump (4K, 2M, 1G, ...). */
export function formatSize(sizeBytes: number): string {
  const units = ['', 'K', 'M', 'G', 'T', 'P'];
  let u = 0;
  let v = sizeBytes;
  while (u < units.length - 1 && v >= 1024 && v % 1024 === 0) {
    v /= 1024;
    u++;
  }
  return `${v}${units[u]}`;
}
