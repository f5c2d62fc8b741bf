import { describeS2Attributes, VDT_S2PTE_CONSTANTS, type S2Attributes } from '../hv/attributes.js';

/**
 * Attribute words for messages: the raw pair, the nkvdt.h names that produce
 * it, and hv/attributes' plain-language decoding. (The decoder itself lives in
 * hv/, shared with the runtime; this only phrases.)
 */
const UPPER_NAMES = new Map<number, string[]>();
const LOWER_NAMES = new Map<number, string[]>();
for (const [name, value] of Object.entries(VDT_S2PTE_CONSTANTS)) {
  const m = name.startsWith('VDT_S2PTE_UPPER') ? UPPER_NAMES : LOWER_NAMES;
  m.set(value, [...(m.get(value) ?? []), name]);
}

/** `<0x0 0x4c4>` */
export function attrWords(upper: number, lower: number): string {
  return `<0x${upper.toString(16)} 0x${lower.toString(16)}>`;
}

/** `VDT_S2PTE_UPPER_MEM VDT_S2PTE_LOWER_DEV_MEM`, or undefined when a word has no name. */
export function attrNames(upper: number, lower: number): string | undefined {
  const u = UPPER_NAMES.get(upper);
  const l = LOWER_NAMES.get(lower);
  if (!u || !l) return undefined;
  return `${u.join('|')} ${l.join('|')}`;
}

/** `<0x0 0x4c4> (VDT_S2PTE_UPPER_MEM VDT_S2PTE_LOWER_DEV_MEM: device memory (Device-nGnRE), read/write)` */
export function explainAttributes(upper: number, lower: number): string {
  const names = attrNames(upper, lower);
  return `${attrWords(upper, lower)} (${names ? names + ': ' : ''}${describeS2Attributes(upper, lower)})`;
}

/** The memory type as sharers must agree on it: device type, or normal with its cacheability. */
export function memoryTypeKey(a: S2Attributes): string {
  return a.kind === 'device' ? `device ${a.type}` : `normal ${a.type}`;
}

/** `read/write`, `read-only`, ... */
export function accessText(a: S2Attributes): string {
  return a.read && a.write ? 'read/write' : a.read ? 'read-only' : a.write ? 'write-only' : 'no access';
}
