import type { DeviceTree, Node } from '../dt/model.js';
import type { Diagnostic } from '../diag/diagnostic.js';
import { utf8Encode } from '../util/bytes.js';
import { InvariantError } from '../util/assert.js';
import {
  alignUp,
  FDT_BEGIN_NODE,
  FDT_END,
  FDT_END_NODE,
  FDT_MAGIC,
  FDT_PROP,
  FDT_RESERVE_ENTRY_SIZE,
  FTF_BOOTCPUID,
  FTF_FULLPATH,
  FTF_NAMEPROPS,
  FTF_STRTABSIZE,
  FTF_STRUCTSIZE,
  FTF_VARALIGN,
  HDR_BOOT_CPUID_PHYS,
  HDR_LAST_COMP_VERSION,
  HDR_MAGIC,
  HDR_OFF_DT_STRINGS,
  HDR_OFF_DT_STRUCT,
  HDR_OFF_MEM_RSVMAP,
  HDR_SIZE_DT_STRINGS,
  HDR_SIZE_DT_STRUCT,
  HDR_TOTALSIZE,
  HDR_VERSION,
  versionInfo,
  type VersionInfo,
} from './format.js';
import { StringsTable } from './strings-table.js';

export interface DtbWriteOptions {
  /** Blob version: 17 (default), 16, 3, 2 or 1 (`-V`). */
  version?: number;
  /** Extra all-zero memory reservation entries before the terminator (`-R`). */
  reserveExtra?: number;
  /** Zero bytes appended after the strings block (`-p`); wins over `minSize`. */
  padBytes?: number;
  /** Minimum total size; the blob is padded up to it (`-S`). */
  minSize?: number;
  /** Total size rounded up to a multiple of this power of two, after -p/-S (`-a`). */
  align?: number;
  /**
   * Receives dtc's `Warning: blob size N >= minimum size M` (code
   * `dtb/min-size`) when `minSize` is below the unpadded size.
   */
  diagnostics?: Diagnostic[];
}

/**
 * dtc 1.6.1's dt_to_blob: the tree flattened into an FDT blob, byte for byte
 * what `dtc -O dtb` writes for the same tree (flattree.c). Deleted nodes and
 * properties produce nothing.
 */
export function writeDtb(tree: DeviceTree, opts: DtbWriteOptions = {}): Uint8Array {
  const version = opts.version ?? 17;
  const vi = versionInfo(version);
  // The CLI rejects other versions with dtc's message before getting here.
  if (!vi) throw new InvariantError(`Unknown device tree blob version ${version}`);

  // Pass 1 lays the structure block out and fills the strings table (in dtc's
  // order of first use); pass 2 writes into one buffer of the final size. No
  // growing buffers: on trees with millions of values every reallocation of
  // tens of megabytes costs a full garbage collection.
  const strings = new StringsTable();
  const sizeStruct = flattenTree(tree.root, vi, strings, undefined);

  const reserveCount = tree.memreserves.length + Math.max(0, opts.reserveExtra ?? 0);
  // Reserve entries plus the all-zero terminator.
  const reserveSize = (reserveCount + 1) * FDT_RESERVE_ENTRY_SIZE;
  const reserveOff = alignUp(vi.hdrSize, 8);
  const offStruct = reserveOff + reserveSize;
  const offStrings = offStruct + sizeStruct;
  const unpadded = offStrings + strings.length;
  let totalsize = unpadded;

  // Padding, in dtc's order: -S, then -p overrides it, then -a rounds the result.
  let padlen = 0;
  const minSize = opts.minSize ?? 0;
  if (minSize > 0) {
    padlen = minSize - totalsize;
    if (padlen < 0) {
      padlen = 0;
      opts.diagnostics?.push({
        severity: 'warning',
        code: 'dtb/min-size',
        message: `blob size ${totalsize} >= minimum size ${minSize}`,
      });
    }
  }
  const padBytes = opts.padBytes ?? 0;
  if (padBytes > 0) padlen = padBytes;
  const align = opts.align ?? 0;
  if (align > 0) padlen = alignUp(totalsize + padlen, align) - totalsize;
  if (padlen > 0) totalsize += padlen;

  const out = new Uint8Array(unpadded + Math.max(0, padlen));
  const view = new DataView(out.buffer);
  writeHeader(view, vi, {
    totalsize,
    offStruct,
    offStrings,
    reserveOff,
    bootCpuidPhys: tree.bootCpuidPhys,
    sizeStrings: strings.length,
    sizeStruct,
  });
  let pos = reserveOff;
  for (const r of tree.memreserves) {
    view.setBigUint64(pos, BigInt.asUintN(64, r.address));
    view.setBigUint64(pos + 8, BigInt.asUintN(64, r.size));
    pos += FDT_RESERVE_ENTRY_SIZE;
  }
  // -R entries and the terminator are zeros already.
  const written = flattenTree(tree.root, vi, strings, new StructWriter(out, offStruct));
  if (written !== sizeStruct)
    throw new InvariantError(`structure block: laid out ${sizeStruct} bytes, wrote ${written}`);
  out.set(strings.toBytes(), offStrings);
  return out;
}

/**
 * Writes structure tokens into the output at a running position. Alignment is
 * relative to the block start, as dtc aligns its separate structure buffer;
 * the padding bytes are already zero.
 */
class StructWriter {
  private readonly view: DataView;
  pos: number;
  constructor(
    private readonly out: Uint8Array,
    private readonly start: number,
  ) {
    this.view = new DataView(out.buffer, out.byteOffset, out.length);
    this.pos = start;
  }
  u32(v: number): void {
    this.view.setUint32(this.pos, v >>> 0);
    this.pos += 4;
  }
  bytes(b: Uint8Array): void {
    const n = b.length;
    if (n <= 32) {
      // Most values are a few cells: a loop beats set()'s per-call overhead.
      const out = this.out;
      const p = this.pos;
      for (let i = 0; i < n; i++) out[p + i] = b[i];
    } else this.out.set(b, this.pos);
    this.pos += n;
  }
  /** UTF-8 plus NUL; ASCII (nearly every name) without any temporary array. */
  cstring(s: string): void {
    const out = this.out;
    let p = this.pos;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) {
        const b = utf8Encode(s);
        out.set(b, this.pos);
        p = this.pos + b.length;
        break;
      }
      out[p++] = c;
    }
    out[p++] = 0;
    this.pos = p;
  }
  align(a: number): void {
    this.pos = this.start + alignUp(this.pos - this.start, a);
  }
}

/** UTF-8 byte length without encoding (ASCII fast path). */
function utf8Length(s: string): number {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 0x80) return utf8Encode(s).length;
  return s.length;
}

interface HeaderFields {
  totalsize: number;
  offStruct: number;
  offStrings: number;
  reserveOff: number;
  bootCpuidPhys: number;
  sizeStrings: number;
  sizeStruct: number;
}

/** make_fdt_header: only the fields the version's header holds are written. */
function writeHeader(view: DataView, vi: VersionInfo, h: HeaderFields): void {
  view.setUint32(HDR_MAGIC, FDT_MAGIC);
  view.setUint32(HDR_TOTALSIZE, h.totalsize >>> 0);
  view.setUint32(HDR_OFF_DT_STRUCT, h.offStruct);
  view.setUint32(HDR_OFF_DT_STRINGS, h.offStrings);
  view.setUint32(HDR_OFF_MEM_RSVMAP, h.reserveOff);
  view.setUint32(HDR_VERSION, vi.version);
  view.setUint32(HDR_LAST_COMP_VERSION, vi.lastCompVersion);
  if (vi.flags & FTF_BOOTCPUID) view.setUint32(HDR_BOOT_CPUID_PHYS, h.bootCpuidPhys >>> 0);
  if (vi.flags & FTF_STRTABSIZE) view.setUint32(HDR_SIZE_DT_STRINGS, h.sizeStrings);
  if (vi.flags & FTF_STRUCTSIZE) view.setUint32(HDR_SIZE_DT_STRUCT, h.sizeStruct);
}

interface Frame {
  node: Node;
  /** Full path, kept only for v1-v3 (FTF_FULLPATH). */
  path: string;
  next: number;
}

/**
 * flatten_tree: pre-order, properties before children, strings inserted in
 * order of first use. With `w` undefined only the size is computed (and the
 * strings table filled); otherwise the tokens are written. An explicit stack
 * instead of recursion, because blobs read from disk can nest deeper than the
 * JS call stack. Returns the structure block size including FDT_END.
 */
function flattenTree(
  root: Node,
  vi: VersionInfo,
  strings: StringsTable,
  w: StructWriter | undefined,
): number {
  let size = 0;
  const fullPath = (vi.flags & FTF_FULLPATH) !== 0;
  const varAlign = (vi.flags & FTF_VARALIGN) !== 0;
  const nameProps = (vi.flags & FTF_NAMEPROPS) !== 0;
  const stack: Frame[] = [];
  const enter = (node: Node, parentPath: string | undefined): void => {
    const path = !fullPath
      ? ''
      : parentPath === undefined
        ? '/'
        : parentPath === '/'
          ? `/${node.name}`
          : `${parentPath}/${node.name}`;
    const name = fullPath ? path : node.name;
    if (w) {
      w.u32(FDT_BEGIN_NODE);
      w.cstring(name);
      w.align(4);
    }
    size += 4 + alignUp(utf8Length(name) + 1, 4);
    let seenNameProp = false;
    for (const prop of node.properties) {
      if (prop.deleted) continue;
      if (prop.name === 'name') seenNameProp = true;
      const len = prop.value.length;
      const nameoff = strings.offsetOf(prop.name);
      size += 12;
      if (varAlign && len >= 8) size = alignUp(size, 8);
      size = alignUp(size + len, 4);
      if (w) {
        w.u32(FDT_PROP);
        w.u32(len);
        w.u32(nameoff);
        if (varAlign && len >= 8) w.align(8);
        w.bytes(prop.value);
        w.align(4);
      }
    }
    if (nameProps && !seenNameProp) {
      // Old formats carry the node's base name (before any '@') as `name`.
      const nameBytes = utf8Encode(node.name);
      const at = nameBytes.indexOf(0x40);
      const basenamelen = at < 0 ? nameBytes.length : at;
      const nameoff = strings.offsetOf('name');
      // dtc's emit_string treats a length of 0 as "the whole string", so a node
      // named `@unit` gets its full name written although the length says 1.
      const value = basenamelen === 0 ? nameBytes : nameBytes.subarray(0, basenamelen);
      size += 12;
      if (varAlign && basenamelen + 1 >= 8) size = alignUp(size, 8);
      size = alignUp(size + value.length + 1, 4);
      if (w) {
        w.u32(FDT_PROP);
        w.u32(basenamelen + 1);
        w.u32(nameoff);
        if (varAlign && basenamelen + 1 >= 8) w.align(8);
        w.bytes(value);
        w.bytes(NUL);
        w.align(4);
      }
    }
    stack.push({ node, path, next: 0 });
  };
  if (!root.deleted) enter(root, undefined);
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    const children = top.node.children;
    while (top.next < children.length && children[top.next].deleted) top.next++;
    if (top.next < children.length) {
      const child = children[top.next++];
      enter(child, top.path);
    } else {
      if (w) w.u32(FDT_END_NODE);
      size += 4;
      stack.pop();
    }
  }
  if (w) w.u32(FDT_END);
  size += 4;
  return size;
}

const NUL = new Uint8Array(1);
