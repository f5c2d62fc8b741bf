import type { Node, Property } from '../dt/model.js';

/**
 * Reading the binding's properties out of the merged tree. Values are bytes
 * (big-endian cells, NUL-terminated strings) exactly as a DTB carries them,
 * so DTS and DTB input read the same.
 */

/** Devicetree Specification 2.3.5: the defaults when a parent omits them (dtc uses the same). */
export const DEFAULT_ADDRESS_CELLS = 2;
export const DEFAULT_SIZE_CELLS = 1;

export function u32At(value: Uint8Array, cell: number): number {
  const o = cell * 4;
  return ((value[o] << 24) | (value[o + 1] << 16) | (value[o + 2] << 8) | value[o + 3]) >>> 0;
}

/** `cells` consecutive cells from `cell` on as one big-endian number. */
export function cellsAt(value: Uint8Array, cell: number, cells: number): bigint {
  let v = 0n;
  for (let i = 0; i < cells; i++) v = (v << 32n) | BigInt(u32At(value, cell + i));
  return v;
}

/** A one-cell property's value, or undefined when absent or not exactly one cell. */
export function propU32(node: Node, name: string): number | undefined {
  const p = node.getProperty(name);
  return p && p.value.length === 4 ? u32At(p.value, 0) : undefined;
}

/** `#address-cells` / `#size-cells` of a node (for its children), with the spec's defaults. */
export function addressCellsOf(node: Node | undefined): number {
  return (node && propU32(node, '#address-cells')) ?? DEFAULT_ADDRESS_CELLS;
}

export function sizeCellsOf(node: Node | undefined): number {
  return (node && propU32(node, '#size-cells')) ?? DEFAULT_SIZE_CELLS;
}

const latin1 = new TextDecoder('latin1');

/** The strings of a string-list value (`compatible`); a trailing NUL ends the last. */
export function stringList(p: Property | undefined): string[] {
  if (!p || p.value.length === 0) return [];
  const v = p.value[p.value.length - 1] === 0 ? p.value.subarray(0, p.value.length - 1) : p.value;
  return utf8OrLatin1(v).split('\0');
}

/** A single-string value without its NUL, or undefined when absent; `ok` false when not one NUL-terminated string. */
export function propString(node: Node, name: string): { value: string; ok: boolean } | undefined {
  const p = node.getProperty(name);
  if (!p) return undefined;
  const v = p.value;
  const ok = v.length > 0 && v[v.length - 1] === 0 && v.indexOf(0) === v.length - 1;
  const text = utf8OrLatin1(v.indexOf(0) >= 0 ? v.subarray(0, v.indexOf(0)) : v);
  return { value: text, ok };
}

function utf8OrLatin1(b: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(b);
  } catch {
    return latin1.decode(b);
  }
}

const encodedCompat = new Map<string, Uint8Array>();

/**
 * True when `compat` is one of the node's compatible strings. Compares bytes
 * in place (no decoding): it runs on every node of every tree, several times.
 */
export function isCompatible(node: Node, compat: string): boolean {
  const p = node.getProperty('compatible');
  if (!p) return false;
  let want = encodedCompat.get(compat);
  if (!want) {
    want = new TextEncoder().encode(compat);
    encodedCompat.set(compat, want);
  }
  const v = p.value;
  let start = 0;
  while (start < v.length) {
    let end = v.indexOf(0, start);
    if (end < 0) end = v.length;
    if (end - start === want.length) {
      let same = true;
      for (let i = 0; i < want.length; i++)
        if (v[start + i] !== want[i]) {
          same = false;
          break;
        }
      if (same) return true;
    }
    start = end + 1;
  }
  return false;
}

export function deviceTypeIs(node: Node, type: string): boolean {
  const p = propString(node, 'device_type');
  return p !== undefined && p.value === type;
}

/** The value's words, for messages: `<0x0 0xd0000000 0x4000000>`. */
export function cellsText(value: Uint8Array): string {
  if (value.length % 4 !== 0)
    return `[${Array.from(value, (b) => b.toString(16).padStart(2, '0')).join(' ')}]`;
  const words: string[] = [];
  for (let i = 0; i < value.length / 4; i++) words.push('0x' + u32At(value, i).toString(16));
  return `<${words.join(' ')}>`;
}
