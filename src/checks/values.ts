import type { Node, Property } from '../dt/model.js';

/**
 * Byte-level reads with the meaning dtc's C code gives them. Where dtc reads
 * past the end of a short value (it trusts an earlier check), missing bytes
 * read as zero instead of garbage.
 */

/** Big-endian cell `i` of a value (0 past the end). */
export function cellAt(value: Uint8Array, i: number): number {
  const o = i * 4;
  let v = 0;
  for (let k = 0; k < 4; k++) v = v * 256 + (o + k < value.length ? value[o + k] : 0);
  return v;
}

/** dtc's propval_cell: the first cell. */
export function propCell(p: Property): number {
  return cellAt(p.value, 0);
}

const decoder = new TextDecoder('utf-8', { fatal: false });

/** The value read as a C string: bytes up to the first NUL (or the end). */
export function cString(value: Uint8Array, start = 0): string {
  let end = value.indexOf(0, start);
  if (end < 0) end = value.length;
  return decoder.decode(value.subarray(start, end));
}

/** `printf("%s", prop->val.val)`: glibc prints "(null)" for an empty value (no buffer). */
export function cStringOrNull(value: Uint8Array): string {
  return value.length === 0 ? '(null)' : cString(value);
}

/** dtc's data_is_one_string: non-empty, NUL-terminated, no NUL before the end. */
export function isOneString(value: Uint8Array): boolean {
  const len = value.length;
  if (len === 0) return false;
  for (let i = 0; i < len - 1; i++) if (value[i] === 0) return false;
  return value[len - 1] === 0;
}

/** dtc's streq(prop->val.val, s) on a value (empty value never equals). */
export function valueIsCString(value: Uint8Array, s: string): boolean {
  if (value.length === 0) return false;
  if (isAsciiText(s)) {
    let end = value.indexOf(0);
    if (end < 0) end = value.length;
    return bytesEqualAscii(value, 0, end, s);
  }
  return cString(value) === s;
}

/** A character set for `spanOf` (ASCII only, like dtc's). */
export type CharSet = Uint8Array;

export function charSet(chars: string): CharSet {
  const t = new Uint8Array(128);
  for (let i = 0; i < chars.length; i++) t[chars.charCodeAt(i)] = 1;
  return t;
}

/** dtc's strspn: length of the prefix made of characters in `set`. */
export function spanOf(s: string, set: CharSet): number {
  let n = 0;
  while (n < s.length) {
    const c = s.charCodeAt(n);
    if (c >= 128 || set[c] === 0) break;
    n++;
  }
  return n;
}

/** `n.basename === base` for a base without '@', without cutting the name. */
export function baseNameIs(n: Node, base: string): boolean {
  const name = n.name;
  return name.startsWith(base) && (name.length === base.length || name.charCodeAt(base.length) === 0x40);
}

/** dtc's get_unitname: the text after the first '@', or "". */
export function unitName(n: Node): string {
  return n.unitAddress ?? '';
}

/** dtc's node_is_compatible: any NUL-separated entry of `compatible` equals `compat`. */
export function nodeIsCompatible(n: Node, compat: string): boolean {
  const p = n.getProperty('compatible');
  if (!p) return false;
  const v = p.value;
  const ascii = isAsciiText(compat);
  let start = 0;
  while (start < v.length) {
    let end = v.indexOf(0, start);
    if (end < 0) end = v.length;
    // An ASCII name equals the decoded entry exactly when the bytes are the
    // name's bytes (any other byte decodes to a different character).
    if (ascii ? bytesEqualAscii(v, start, end, compat) : decoder.decode(v.subarray(start, end)) === compat)
      return true;
    start = end + 1;
  }
  return false;
}

function isAsciiText(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 0x80) return false;
  return true;
}

function bytesEqualAscii(v: Uint8Array, start: number, end: number, s: string): boolean {
  if (end - start !== s.length) return false;
  for (let i = 0; i < s.length; i++) if (v[start + i] !== s.charCodeAt(i)) return false;
  return true;
}

/** printf("%x") of an unsigned 32-bit value. */
export function hex32(v: number): string {
  return (v >>> 0).toString(16);
}

/** C `int` conversion of a cell (values >= 2^31 become negative). */
export function asInt32(v: number): number {
  return v | 0;
}
