import type { DeviceTree, Marker, MarkerKind, Node, Property } from '../dt/model.js';

/**
 * dtc 1.6.1's `-O dts` (treesource.c dt_to_source), character for character:
 * - values are printed chunk by chunk following the property's markers in
 *   list order: type markers open `<`, `/bits/ 16 <`, `/bits/ 64 <`, `[` or a
 *   string, value labels print as ` lbl:`, and every reference marker not at
 *   offset 0 prints one extra space (`< 0x01>`, `],  "/node"`), because
 *   1.6.1 prints references as their resolved values;
 * - a property without any type marker (read from a DTB, or generated) gets
 *   its type guessed once for the whole value: string, cells or bytes;
 * - string bytes that are not printable are written with `\x%02x` of a
 *   *signed* char, so 0xff comes out as `\xffffffff`.
 * No `/plugin/;` line is printed (1.6.1 never does).
 */
export function printDts(tree: DeviceTree): string {
  const out = new TextOut();
  out.ascii('/dts-v1/;\n\n');
  for (const re of tree.memreserves) {
    for (const l of re.labels) if (!l.deleted) out.text(l.name).ascii(': ');
    out.ascii('/memreserve/\t').ascii(hex016(re.address)).ascii(' ').ascii(hex016(re.size)).ascii(';\n');
  }
  writeNodes(out, tree.root);
  return out.toString();
}

function hex016(v: bigint): string {
  return '0x' + BigInt.asUintN(64, v).toString(16).padStart(16, '0');
}

const utf8 = new TextEncoder();
const decoder = new TextDecoder();

/**
 * The output as UTF-8 bytes in one growing buffer, turned into a string once
 * at the end: a 40 MB tree prints to ~100 MB of text, and building that from
 * millions of small JS strings costs far more than writing digits as bytes.
 */
class TextOut {
  private buf = new Uint8Array(1 << 16);
  private len = 0;

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    if (this.len + n > MAX_TEXT)
      // A JS string cannot hold it (dtc would write it; deep trees need depth² tabs).
      throw new RangeError(`-O dts output exceeds ${MAX_TEXT} bytes, more than a JavaScript string can hold`);
    let cap = this.buf.length * 2;
    while (cap < this.len + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  /** A string known to be ASCII. */
  ascii(s: string): this {
    this.reserve(s.length);
    const buf = this.buf;
    let p = this.len;
    for (let i = 0; i < s.length; i++) buf[p++] = s.charCodeAt(i);
    this.len = p;
    return this;
  }

  /** Any string (names may in principle be non-ASCII). */
  text(s: string): this {
    for (let i = 0; i < s.length; i++) {
      if (s.charCodeAt(i) >= 0x80) {
        const b = utf8.encode(s);
        this.reserve(b.length);
        this.buf.set(b, this.len);
        this.len += b.length;
        return this;
      }
    }
    return this.ascii(s);
  }

  byte(c: number): this {
    this.reserve(1);
    this.buf[this.len++] = c;
    return this;
  }

  tabs(n: number): this {
    this.reserve(n);
    this.buf.fill(0x09, this.len, this.len + n);
    this.len += n;
    return this;
  }

  /** Lower-case hex of a 32-bit value, at least two digits (`%02x`). */
  hex(v: number): this {
    this.reserve(8);
    const buf = this.buf;
    let digits = 2;
    while (digits < 8 && v >>> (digits * 4) !== 0) digits++;
    let p = this.len + digits;
    this.len = p;
    for (let i = 0; i < digits; i++) {
      buf[--p] = HEX_DIGITS[v & 0xf];
      v >>>= 4;
    }
    return this;
  }

  /** Raw bytes copied as they are (printable ASCII runs of a string). */
  raw(val: Uint8Array, from: number, to: number): this {
    this.reserve(to - from);
    if (to - from > 64) {
      this.buf.set(val.subarray(from, to), this.len);
      this.len += to - from;
    } else {
      const buf = this.buf;
      let p = this.len;
      for (let i = from; i < to; i++) buf[p++] = val[i];
      this.len = p;
    }
    return this;
  }

  toString(): string {
    return decoder.decode(this.buf.subarray(0, this.len));
  }
}

/** V8's maximum string length on 64-bit hosts (2^29 - 24 characters). */
const MAX_TEXT = (1 << 29) - 24;

const HEX_DIGITS = new Uint8Array([...'0123456789abcdef'].map((c) => c.charCodeAt(0)));

/** Pre-order with an explicit stack: blobs can nest deeper than the JS call stack. */
function writeNodes(out: TextOut, root: Node): void {
  type Item = { node: Node; level: number; next: number };
  const stack: Item[] = [];
  const open = (node: Node, level: number): void => {
    out.tabs(level);
    for (const l of node.labels) if (!l.deleted) out.text(l.name).ascii(': ');
    if (node.name) out.text(node.name).ascii(' {\n');
    else out.ascii('/ {\n');
    for (const p of node.properties) {
      if (p.deleted) continue;
      out.tabs(level + 1);
      for (const l of p.labels) if (!l.deleted) out.text(l.name).ascii(': ');
      out.text(p.name);
      writePropValue(out, p);
    }
    stack.push({ node, level, next: 0 });
  };
  open(root, 0);
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    const children = top.node.children;
    while (top.next < children.length && children[top.next].deleted) top.next++;
    if (top.next < children.length) {
      out.byte(0x0a);
      open(children[top.next++], top.level + 1);
    } else {
      out.tabs(top.level).ascii('};\n');
      stack.pop();
    }
  }
}

type TypeKind = 'type-u8' | 'type-u16' | 'type-u32' | 'type-u64' | 'type-string';

function isTypeMarker(k: MarkerKind): k is TypeKind {
  return k === 'type-u8' || k === 'type-u16' || k === 'type-u32' || k === 'type-u64' || k === 'type-string';
}

const DELIM_START: Record<TypeKind, string> = {
  'type-u8': '[',
  'type-u16': '/bits/ 16 <',
  'type-u32': '<',
  'type-u64': '/bits/ 64 <',
  'type-string': '',
};
const DELIM_END: Record<TypeKind, string> = {
  'type-u8': ']',
  'type-u16': '>',
  'type-u32': '>',
  'type-u64': '>',
  'type-string': '',
};

/** dtc keeps markers in offset order; sort (stably) only if a producer did not. */
function orderedMarkers(markers: readonly Marker[]): readonly Marker[] {
  for (let i = 1; i < markers.length; i++) {
    if (markers[i].offset < markers[i - 1].offset) return [...markers].sort((a, b) => a.offset - b.offset);
  }
  return markers;
}

function writePropValue(out: TextOut, prop: Property): void {
  const val = prop.value;
  const len = val.length;
  if (len === 0) {
    out.ascii(';\n');
    return;
  }
  const given = prop.markers;
  // The common shapes (a blob's bare value, or one typed component) print as
  // a single chunk: ` = <delim>values<end>;`.
  if (given.length === 0 || (given.length === 1 && given[0].offset === 0 && isTypeMarker(given[0].kind))) {
    const kind = given.length === 0 ? guessValueType(val, given) : (given[0].kind as TypeKind);
    out.ascii(' = ').ascii(DELIM_START[kind]);
    writeChunk(out, kind, val, 0, len);
    out.ascii(DELIM_END[kind]).ascii(';\n');
    return;
  }
  let markers = orderedMarkers(given);
  if (!markers.some((m) => isTypeMarker(m.kind))) {
    // No type information: one guessed type for the whole value, as a dummy
    // marker at offset 0 in front of the existing (label/reference) markers.
    markers = [{ offset: 0, kind: guessValueType(val, markers) }, ...markers];
  }
  // Offset of the next type marker after index i (or undefined), precomputed right to left.
  const nextTypeOffset: (number | undefined)[] = new Array(markers.length);
  let nextType: number | undefined;
  for (let i = markers.length - 1; i >= 0; i--) {
    nextTypeOffset[i] = nextType;
    if (isTypeMarker(markers[i].kind)) nextType = markers[i].offset;
  }

  out.ascii(' =');
  let emit: TypeKind | undefined;
  for (let i = 0; i < markers.length; i++) {
    const m = markers[i];
    const chunkLen = (i + 1 < markers.length ? markers[i + 1].offset : len) - m.offset;
    // type_marker_length: distance to the next type marker, where 0 (none, or
    // one at the same offset) falls back to "up to the end of the value".
    const toNext = nextTypeOffset[i] === undefined ? 0 : nextTypeOffset[i]! - m.offset;
    const dataLen = toNext !== 0 ? toNext : len - m.offset;
    if (isTypeMarker(m.kind)) {
      emit = m.kind;
      out.byte(0x20).ascii(DELIM_START[emit]);
    } else if (m.kind === 'label') {
      out
        .byte(0x20)
        .text(m.ref ?? '')
        .byte(0x3a);
    } else if (m.offset !== 0) {
      out.byte(0x20);
    }
    if (emit === undefined) continue;
    writeChunk(out, emit, val, m.offset, chunkLen);
    if (chunkLen === dataLen) {
      const pos = m.offset + chunkLen;
      out.ascii(DELIM_END[emit]);
      if (pos !== len) out.byte(0x2c);
      emit = undefined;
    }
  }
  out.ascii(';\n');
}

function writeChunk(out: TextOut, kind: TypeKind, val: Uint8Array, start: number, len: number): void {
  switch (kind) {
    case 'type-u16':
      return ints(out, val, start, len, 2);
    case 'type-u32':
      return ints(out, val, start, len, 4);
    case 'type-u64':
      return ints(out, val, start, len, 8);
    case 'type-string':
      return quoted(out, val, start, len);
    case 'type-u8':
      return ints(out, val, start, len, 1);
  }
}

/** write_propval_int: elements separated by one space, bytes as `%02x`, others `0x%02x`. */
function ints(out: TextOut, val: Uint8Array, start: number, len: number, width: number): void {
  const end = start + len;
  for (let p = start; p + width <= end; p += width) {
    if (p !== start) out.byte(0x20);
    switch (width) {
      case 1:
        out.byte(HEX_DIGITS[val[p] >> 4]).byte(HEX_DIGITS[val[p] & 0xf]);
        break;
      case 2:
        out.ascii('0x').hex((val[p] << 8) | val[p + 1]);
        break;
      case 4:
        out.ascii('0x').hex(((val[p] << 24) | (val[p + 1] << 16) | (val[p + 2] << 8) | val[p + 3]) >>> 0);
        break;
      default: {
        const hi = ((val[p] << 24) | (val[p + 1] << 16) | (val[p + 2] << 8) | val[p + 3]) >>> 0;
        const lo = ((val[p + 4] << 24) | (val[p + 5] << 16) | (val[p + 6] << 8) | val[p + 7]) >>> 0;
        if (hi === 0) out.ascii('0x').hex(lo);
        else out.ascii('0x').ascii(hi.toString(16)).ascii(lo.toString(16).padStart(8, '0'));
      }
    }
  }
}

const ESCAPES: Record<number, string> = {
  0x07: '\\a',
  0x08: '\\b',
  0x09: '\\t',
  0x0a: '\\n',
  0x0b: '\\v',
  0x0c: '\\f',
  0x0d: '\\r',
  0x5c: '\\\\',
  0x22: '\\"',
  0x00: '\\0',
};

/** write_propval_string: the chunk minus its final byte (dtc asserts it is the NUL). */
function quoted(out: TextOut, val: Uint8Array, start: number, len: number): void {
  if (len === 0) return;
  const end = start + len - 1;
  out.byte(0x22);
  let run = start;
  for (let i = start; i < end; i++) {
    const c = val[i];
    if (c >= 0x20 && c < 0x7f && c !== 0x5c && c !== 0x22) continue;
    if (run < i) out.raw(val, run, i);
    const esc = ESCAPES[c];
    // A char is signed in dtc, so bytes >= 0x80 print sign-extended: \xffffff80.
    if (esc !== undefined) out.ascii(esc);
    else out.ascii('\\x').hex(c >= 0x80 ? (0xffffff00 | c) >>> 0 : c);
    run = i + 1;
  }
  if (run < end) out.raw(val, run, end);
  out.byte(0x22);
}

/** isstring(): printable ASCII, NUL, or one of \a \b \t \n \v \f \r. */
function isStringByte(c: number): boolean {
  return (c >= 0x20 && c < 0x7f) || c === 0 || (c >= 0x07 && c <= 0x0d);
}

/** guess_value_type: a string, else cells when the length allows, else bytes. */
function guessValueType(val: Uint8Array, markers: readonly Marker[]): TypeKind {
  const len = val.length;
  let notString = 0;
  let nul = 0;
  for (let i = 0; i < len; i++) {
    const c = val[i];
    if (!isStringByte(c)) notString++;
    if (c === 0) nul++;
  }
  let notStringLabel = 0;
  let notCellLabel = 0;
  for (const m of markers) {
    if (m.kind !== 'label') continue;
    if (m.offset > 0 && val[m.offset - 1] !== 0) notStringLabel++;
    if (m.offset % 4 !== 0) notCellLabel++;
  }
  if (val[len - 1] === 0 && notString === 0 && nul <= len - nul && notStringLabel === 0) return 'type-string';
  if (len % 4 === 0 && notCellLabel === 0) return 'type-u32';
  return 'type-u8';
}
