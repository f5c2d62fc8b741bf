import { DeviceTree, Node, Property, type MemReserve } from '../dt/model.js';
import type { Diagnostic } from '../diag/diagnostic.js';
import type { Span } from '../diag/span.js';
import { readU32, readU64 } from '../util/bytes.js';
import {
  FDT_BEGIN_NODE,
  FDT_END,
  FDT_END_NODE,
  FDT_LAST_SUPPORTED_VERSION,
  FDT_MAGIC,
  FDT_NOP,
  FDT_PROP,
  FDT_RESERVE_ENTRY_SIZE,
  FDT_V1_SIZE,
  FTF_FULLPATH,
  FTF_NAMEPROPS,
  FTF_NOPS,
  FTF_VARALIGN,
  HDR_BOOT_CPUID_PHYS,
  HDR_LAST_COMP_VERSION,
  HDR_OFF_DT_STRINGS,
  HDR_OFF_DT_STRUCT,
  HDR_OFF_MEM_RSVMAP,
  HDR_SIZE_DT_STRINGS,
  HDR_SIZE_DT_STRUCT,
  HDR_TOTALSIZE,
  HDR_VERSION,
  versionInfo,
  alignUp,
} from './format.js';

export interface DtbReadResult {
  /** Undefined exactly when an error-severity diagnostic was recorded. */
  tree: DeviceTree | undefined;
  diagnostics: Diagnostic[];
}

/** Unwinds from deep inside the structure walk once an error is recorded. */
class BlobError extends Error {}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const lossyUtf8 = new TextDecoder('utf-8', { fatal: false });

/**
 * dtc's dt_from_blob with a complete validation of what it reads: every
 * problem becomes a `dtb/...` diagnostic naming the byte offset and the
 * numbers involved; nothing throws. Like dtc, the tree carries no markers or
 * labels, node phandles stay 0 (dtc's explicit_phandles check sets them from
 * `phandle`/`linux,phandle`), and boot_cpuid_phys comes from the header.
 *
 * Accepted: versions 1-3 (full-path node names, `name` properties kept as
 * ordinary properties, 8-byte value alignment), 16, 17, and newer blobs whose
 * last_comp_version is at most 17.
 */
export function readDtb(bytes: Uint8Array, fileName: string): DtbReadResult {
  const r = new BlobReader(bytes, fileName);
  try {
    const tree = r.read();
    return { tree: r.failed ? undefined : tree, diagnostics: r.diagnostics };
  } catch (e) {
    if (e instanceof BlobError) return { tree: undefined, diagnostics: r.diagnostics };
    throw e;
  }
}

function hex(n: number): string {
  return '0x' + n.toString(16);
}

class BlobReader {
  readonly diagnostics: Diagnostic[] = [];
  failed = false;
  private readonly span: Span;
  private blob!: Uint8Array;
  private totalsize = 0;
  private strStart = 0;
  private strEnd = 0;
  private flags = 0;
  private readonly nameCache = new Map<number, string>();

  constructor(
    private readonly file: Uint8Array,
    private readonly fileName: string,
  ) {
    this.span = { file: fileName, line: 1, col: 1, endLine: 1, endCol: 1 };
  }

  private report(severity: 'error' | 'warning', code: string, offset: number, message: string): void {
    this.diagnostics.push({
      severity,
      code,
      message: `${this.fileName}: offset ${hex(offset)}: ${message}`,
      span: this.span,
    });
    if (severity === 'error') this.failed = true;
  }

  private fail(code: string, offset: number, message: string): never {
    this.report('error', code, offset, message);
    throw new BlobError(message);
  }

  private warn(code: string, offset: number, message: string): void {
    this.report('warning', code, offset, message);
  }

  read(): DeviceTree {
    const header = this.readHeader();
    const memreserves = this.readMemReserves(header.offMemRsvmap);
    const { root, endOffset } = this.readStructure(header.offDtStruct);
    if (header.sizeDtStruct !== undefined && endOffset !== header.offDtStruct + header.sizeDtStruct) {
      this.warn(
        'dtb/struct-size',
        HDR_SIZE_DT_STRUCT,
        `size_dt_struct is ${header.sizeDtStruct} but the structure tokens (through FDT_END) take ${endOffset - header.offDtStruct} bytes`,
      );
    }
    this.checkOverlaps(header, memreserves.end, endOffset);
    const tree = new DeviceTree(root);
    tree.memreserves = memreserves.entries;
    tree.bootCpuidPhys = header.bootCpuidPhys;
    return tree;
  }

  private readHeader(): {
    version: number;
    offDtStruct: number;
    offMemRsvmap: number;
    offDtStrings: number;
    sizeDtStrings: number | undefined;
    sizeDtStruct: number | undefined;
    bootCpuidPhys: number;
    hdrSize: number;
  } {
    const f = this.file;
    if (f.length < 8) {
      if (f.length >= 4 && readU32(f, 0) !== FDT_MAGIC)
        this.fail('dtb/bad-magic', 0, `bad magic number ${hex(readU32(f, 0))} (expected 0xd00dfeed)`);
      this.fail(
        'dtb/truncated',
        f.length,
        `file is ${f.length} bytes, too short for the magic number and total size`,
      );
    }
    const magic = readU32(f, 0);
    if (magic !== FDT_MAGIC)
      this.fail('dtb/bad-magic', 0, `bad magic number ${hex(magic)} (expected 0xd00dfeed)`);
    const totalsize = readU32(f, HDR_TOTALSIZE);
    if (totalsize < FDT_V1_SIZE)
      this.fail(
        'dtb/bad-header',
        HDR_TOTALSIZE,
        `totalsize ${totalsize} is smaller than the smallest header (${FDT_V1_SIZE} bytes)`,
      );
    if (totalsize > f.length)
      this.fail(
        'dtb/truncated',
        f.length,
        `totalsize ${totalsize} (${hex(totalsize)}) exceeds the file size ${f.length}`,
      );
    // One private copy: property values are views into it, so later in-place
    // patching (phandle fixups) never reaches the caller's buffer.
    this.blob = f.slice(0, totalsize);
    this.totalsize = totalsize;
    const b = this.blob;

    const version = readU32(b, HDR_VERSION);
    const lastComp = readU32(b, HDR_LAST_COMP_VERSION);
    if (lastComp > FDT_LAST_SUPPORTED_VERSION)
      this.fail(
        'dtb/unsupported-version',
        HDR_LAST_COMP_VERSION,
        `blob version ${version} is only compatible back to version ${lastComp}; versions up to ${FDT_LAST_SUPPORTED_VERSION} are supported`,
      );
    if (version < FDT_LAST_SUPPORTED_VERSION && !versionInfo(version))
      this.fail(
        'dtb/unsupported-version',
        HDR_VERSION,
        `unsupported blob version ${version} (supported: 1, 2, 3, 16, 17)`,
      );
    if (lastComp > version)
      this.warn(
        'dtb/bad-header',
        HDR_LAST_COMP_VERSION,
        `last_comp_version ${lastComp} is newer than version ${version}`,
      );
    const info = versionInfo(Math.min(version, FDT_LAST_SUPPORTED_VERSION))!;
    if (totalsize < info.hdrSize)
      this.fail(
        'dtb/truncated',
        totalsize,
        `totalsize ${totalsize} is smaller than the version ${version} header (${info.hdrSize} bytes)`,
      );
    this.flags = version < 16 ? FTF_FULLPATH | FTF_NAMEPROPS | FTF_VARALIGN : FTF_NOPS;

    const offDtStruct = readU32(b, HDR_OFF_DT_STRUCT);
    const offDtStrings = readU32(b, HDR_OFF_DT_STRINGS);
    const offMemRsvmap = readU32(b, HDR_OFF_MEM_RSVMAP);
    // dtc reads this word whatever the version (in a v1 blob it is header padding).
    const bootCpuidPhys = totalsize >= HDR_BOOT_CPUID_PHYS + 4 ? readU32(b, HDR_BOOT_CPUID_PHYS) : 0;

    if (offMemRsvmap >= totalsize)
      this.fail(
        'dtb/block-bounds',
        HDR_OFF_MEM_RSVMAP,
        `off_mem_rsvmap ${hex(offMemRsvmap)} is not below totalsize ${hex(totalsize)}`,
      );
    if (offDtStruct >= totalsize)
      this.fail(
        'dtb/block-bounds',
        HDR_OFF_DT_STRUCT,
        `off_dt_struct ${hex(offDtStruct)} is not below totalsize ${hex(totalsize)}`,
      );
    if (offDtStrings > totalsize)
      this.fail(
        'dtb/block-bounds',
        HDR_OFF_DT_STRINGS,
        `off_dt_strings ${hex(offDtStrings)} exceeds totalsize ${hex(totalsize)}`,
      );
    if (offMemRsvmap < info.hdrSize)
      this.fail(
        'dtb/block-overlap',
        HDR_OFF_MEM_RSVMAP,
        `off_mem_rsvmap ${hex(offMemRsvmap)} lies inside the ${info.hdrSize}-byte header`,
      );
    if (offDtStruct < info.hdrSize)
      this.fail(
        'dtb/block-overlap',
        HDR_OFF_DT_STRUCT,
        `off_dt_struct ${hex(offDtStruct)} lies inside the ${info.hdrSize}-byte header`,
      );
    if (offDtStrings < info.hdrSize)
      this.fail(
        'dtb/block-overlap',
        HDR_OFF_DT_STRINGS,
        `off_dt_strings ${hex(offDtStrings)} lies inside the ${info.hdrSize}-byte header`,
      );

    let sizeDtStrings: number | undefined;
    if (version >= 3) {
      sizeDtStrings = readU32(b, HDR_SIZE_DT_STRINGS);
      if (offDtStrings + sizeDtStrings > totalsize)
        this.fail(
          'dtb/block-bounds',
          HDR_SIZE_DT_STRINGS,
          `strings block ${hex(offDtStrings)}+${sizeDtStrings} extends past totalsize ${hex(totalsize)}`,
        );
      this.strEnd = offDtStrings + sizeDtStrings;
    } else {
      this.strEnd = totalsize;
    }
    this.strStart = offDtStrings;

    let sizeDtStruct: number | undefined;
    if (version >= 17) {
      sizeDtStruct = readU32(b, HDR_SIZE_DT_STRUCT);
      if (offDtStruct + sizeDtStruct > totalsize)
        this.fail(
          'dtb/block-bounds',
          HDR_SIZE_DT_STRUCT,
          `structure block ${hex(offDtStruct)}+${sizeDtStruct} extends past totalsize ${hex(totalsize)}`,
        );
    }
    // dtc reads misaligned blocks fine (its reads are relative to each block), libfdt does not.
    if (offMemRsvmap % 8 !== 0)
      this.warn(
        'dtb/misaligned',
        HDR_OFF_MEM_RSVMAP,
        `off_mem_rsvmap ${hex(offMemRsvmap)} is not 8-byte aligned`,
      );
    if (offDtStruct % 4 !== 0)
      this.warn(
        'dtb/misaligned',
        HDR_OFF_DT_STRUCT,
        `off_dt_struct ${hex(offDtStruct)} is not 4-byte aligned`,
      );
    return {
      version,
      offDtStruct,
      offMemRsvmap,
      offDtStrings,
      sizeDtStrings,
      sizeDtStruct,
      bootCpuidPhys,
      hdrSize: info.hdrSize,
    };
  }

  /** Entries up to the first one whose size is 0 (dtc ignores that entry's address). */
  private readMemReserves(off: number): { entries: MemReserve[]; end: number } {
    const entries: MemReserve[] = [];
    const b = this.blob;
    let pos = off;
    for (;;) {
      if (pos + FDT_RESERVE_ENTRY_SIZE > this.totalsize)
        this.fail(
          'dtb/memreserve-unterminated',
          pos,
          `memory reservation block starting at ${hex(off)} has no terminating entry before totalsize ${hex(this.totalsize)} (${entries.length} entries read)`,
        );
      const address = readU64(b, pos);
      const size = readU64(b, pos + 8);
      pos += FDT_RESERVE_ENTRY_SIZE;
      if (size === 0n) break;
      entries.push({ address, size, labels: [] });
    }
    return { entries, end: pos };
  }

  private word(pos: number, what: string): number {
    if (pos + 4 > this.totalsize)
      this.fail(
        'dtb/truncated-struct',
        pos,
        `structure block ends (totalsize ${hex(this.totalsize)}) while reading ${what}`,
      );
    return readU32(this.blob, pos);
  }

  /** Reads a NUL-terminated node name at `pos`; returns the name and the aligned position after it. */
  private nodeName(pos: number): { name: string; next: number } {
    const b = this.blob;
    const nul = b.indexOf(0, pos);
    if (nul < 0 || nul >= this.totalsize)
      this.fail(
        'dtb/unterminated-name',
        pos,
        `node name starting here has no NUL before totalsize ${hex(this.totalsize)}`,
      );
    const name = this.decode(pos, nul, 'node name');
    const next = pos + alignUp(nul + 1 - pos, 4);
    if (next > this.totalsize)
      this.fail(
        'dtb/truncated-struct',
        nul,
        `padding after the node name runs past totalsize ${hex(this.totalsize)}`,
      );
    return { name, next };
  }

  /** Names are nearly always short ASCII: decoded inline, without a temporary view. */
  private decode(start: number, end: number, what: string): string {
    const b = this.blob;
    if (end - start <= 64) {
      let s = '';
      let i = start;
      for (; i < end && b[i] < 0x80; i++) s += String.fromCharCode(b[i]);
      if (i === end) return s;
    }
    const bytes = b.subarray(start, end);
    try {
      return strictUtf8.decode(bytes);
    } catch {
      this.warn('dtb/name-encoding', start, `${what} is not valid UTF-8; invalid bytes are replaced`);
      return lossyUtf8.decode(bytes);
    }
  }

  private propName(nameoff: number, at: number): string {
    const cached = this.nameCache.get(nameoff);
    if (cached !== undefined) return cached;
    const start = this.strStart + nameoff;
    if (nameoff >= this.strEnd - this.strStart)
      this.fail(
        'dtb/string-offset',
        at,
        `property name offset ${nameoff} is outside the strings block (${this.strEnd - this.strStart} bytes at ${hex(this.strStart)})`,
      );
    const nul = this.blob.indexOf(0, start);
    if (nul < 0 || nul >= this.strEnd)
      this.fail(
        'dtb/string-offset',
        at,
        `property name at strings offset ${nameoff} has no NUL before the end of the strings block (${hex(this.strEnd)})`,
      );
    const name = this.decode(start, nul, 'property name');
    this.nameCache.set(nameoff, name);
    return name;
  }

  /** unflatten_tree, iteratively: a stack of open nodes instead of recursion. */
  private readStructure(off: number): { root: Node; endOffset: number } {
    const b = this.blob;
    const fullPath = (this.flags & FTF_FULLPATH) !== 0;
    const first = this.word(off, 'the first token');
    if (first !== FDT_BEGIN_NODE)
      this.fail(
        'dtb/bad-token',
        off,
        `structure block begins with ${hex(first)} instead of FDT_BEGIN_NODE (0x1)`,
      );
    const rootName = this.nodeName(off + 4);
    const root = new Node(fullPath ? this.childName('', rootName.name, off + 4) : rootName.name);
    const open: { node: Node; flatName: string }[] = [{ node: root, flatName: rootName.name }];
    let pos = rootName.next;
    while (open.length > 0) {
      const tokenAt = pos;
      const token = this.word(pos, 'a token (missing FDT_END_NODE?)');
      pos += 4;
      const top = open[open.length - 1];
      switch (token) {
        case FDT_PROP: {
          const len = this.word(pos, 'a property length');
          const nameoff = this.word(pos + 4, 'a property name offset');
          pos += 8;
          const name = this.propName(nameoff, tokenAt);
          // Alignment is relative to the block start, as in dtc's reader.
          if (this.flags & FTF_VARALIGN && len >= 8) pos = off + alignUp(pos - off, 8);
          if (len > this.totalsize - pos)
            this.fail(
              'dtb/prop-bounds',
              tokenAt,
              `property "${name}" has length ${len}, but only ${Math.max(0, this.totalsize - pos)} bytes remain before totalsize ${hex(this.totalsize)}`,
            );
          const value = b.subarray(pos, pos + len);
          pos = off + alignUp(pos + len - off, 4);
          if (pos > this.totalsize)
            this.fail(
              'dtb/truncated-struct',
              pos,
              `padding after property "${name}" runs past totalsize ${hex(this.totalsize)}`,
            );
          if (top.node.children.length > 0)
            this.warn(
              'dtb/property-after-subnode',
              tokenAt,
              `property "${name}" of ${pathOf(top.node)} follows a subnode`,
            );
          top.node.addProperty(new Property(name, value, []));
          break;
        }
        case FDT_BEGIN_NODE: {
          const n = this.nodeName(pos);
          const child = new Node(fullPath ? this.childName(top.flatName, n.name, pos) : n.name);
          top.node.addChild(child);
          open.push({ node: child, flatName: n.name });
          pos = n.next;
          break;
        }
        case FDT_END_NODE:
          open.pop();
          break;
        case FDT_NOP:
          if (!(this.flags & FTF_NOPS))
            this.warn('dtb/nop-in-old-version', tokenAt, 'FDT_NOP token in a blob older than version 16');
          break;
        case FDT_END:
          this.fail(
            'dtb/bad-token',
            tokenAt,
            `premature FDT_END with ${open.length} node(s) still open (innermost ${pathOf(top.node)})`,
          );
          break;
        default:
          this.fail('dtb/bad-token', tokenAt, `invalid token ${hex(token)} in ${pathOf(top.node)}`);
      }
    }
    const end = this.word(pos, 'FDT_END after the root node');
    if (end !== FDT_END)
      this.fail('dtb/missing-end', pos, `expected FDT_END (0x9) after the root node, found ${hex(end)}`);
    return { root, endOffset: pos + 4 };
  }

  /** v1-v3 store full paths: the child's own name is what follows the parent's path. */
  private childName(parentFlat: string, flat: string, at: number): string {
    if (!flat.startsWith(parentFlat))
      this.fail('dtb/bad-path', at, `path "${flat}" is not valid as a child of "${parentFlat}"`);
    const skip = parentFlat.length + (parentFlat === '/' ? 0 : 1);
    return flat.slice(skip);
  }

  private checkOverlaps(
    h: { offMemRsvmap: number; offDtStruct: number; offDtStrings: number; sizeDtStrings: number | undefined },
    rsvEnd: number,
    structEnd: number,
  ): void {
    const blocks: { name: string; start: number; end: number }[] = [
      { name: 'memory reservation block', start: h.offMemRsvmap, end: rsvEnd },
      { name: 'structure block', start: h.offDtStruct, end: structEnd },
    ];
    if (h.sizeDtStrings !== undefined)
      blocks.push({ name: 'strings block', start: h.offDtStrings, end: h.offDtStrings + h.sizeDtStrings });
    for (let i = 0; i < blocks.length; i++)
      for (let j = i + 1; j < blocks.length; j++) {
        const a = blocks[i];
        const c = blocks[j];
        if (a.start < c.end && c.start < a.end && a.end > a.start && c.end > c.start)
          this.warn(
            'dtb/block-overlap',
            Math.max(a.start, c.start),
            `${a.name} [${hex(a.start)}, ${hex(a.end)}) overlaps ${c.name} [${hex(c.start)}, ${hex(c.end)})`,
          );
      }
  }
}

function pathOf(n: Node): string {
  return n.fullPath;
}
