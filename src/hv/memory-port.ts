/**
 * How a VM touches memory: one port for its CPUs (through its stage 2) and
 * one for its devices' DMA (through its SMMU context). Loads, stores, batch
 * loads (gathers), bulk copies and zero-copy views, all checked against the
 * tables.
 *
 * Speed: each port keeps a software TLB (direct-mapped, TLB_SIZE entries,
 * a cache of successful walks: readable/writable tags, the backing buffer
 * and the byte offset of the page in it) and a last-page fast path per
 * direction. Both are dropped by `invalidate` (the hypervisor's TLBI),
 * which every unmap or permission change performs before its hypercall
 * returns, so a denied page faults on the very next access.
 *
 * Views: `view()` hands out a MemView over a range that is contiguous in
 * one backing buffer. The raw typed array never leaves the view (a private
 * field); every view call checks one `valid` flag, which `invalidate` clears
 * for every live view overlapping a range that lost a permission or its
 * mapping. After a deny returns, access through an older view faults.
 */
import type { Ipa, VmId } from './addr.js';
import { PAGE_SIZE } from './addr.js';
import { S2_UPPER_XN } from './attributes.js';
import type { AccessKind, AccessPath, FaultKind, HvFault } from './fault.js';
import type { PhysicalMemory, Segment } from './phys-mem.js';
import type { Stage2 } from './stage2.js';
import type { Trace } from './trace.js';

export const TLB_SIZE = 16384;
const TLB_MASK = TLB_SIZE - 1;
/**
 * Block TLB: 2 MiB granules of block mappings (level-1 and level-2 leaves),
 * direct-mapped. 64 entries x 16 bytes stay in the L1 cache, so a load
 * through a block mapping costs one cached probe instead of a probe into the
 * 256 KiB page TLB — the same reason hardware TLBs cache block entries.
 */
const BTLB_SIZE = 64;
const BTLB_MASK = BTLB_SIZE - 1;
const BLOCK_PAGES = 512;
/** How many granules the range entry may grow each way from the one filled (64 x 2 MiB). */
const RANGE_REACH = 64;
const EMPTY_U8 = new Uint8Array(0);
const EMPTY_U32 = new Uint32Array(0);

/** A successful translation of one address. */
export interface Translation {
  readonly fault: false;
  readonly pa: number;
  readonly level: number;
  readonly read: boolean;
  readonly write: boolean;
  readonly exec: boolean;
  readonly segment: Segment | undefined;
}

export class MemoryPort {
  /** False while the VM is not RUNNING: every access faults with 'not-running'. */
  running = true;
  /** Counts walks (TLB refills), for tests and benchmarks. */
  walks = 0;

  // The TLB is allocated on the first walk (a VM that never touches memory costs nothing);
  // until then the empty arrays make every lookup miss. Tags hold page + 1 so that a zeroed
  // array is an empty TLB; the backing buffer is found through the segment index.
  // Entry i occupies tlb[4i .. 4i+3] = readable tag, writable tag, byte offset in the segment,
  // segment index: one cache line serves the whole lookup.
  #tlb = new Uint32Array(0);
  /** Block TLB, same entry layout as `#tlb` but tagged by 2 MiB granule (ipa >>> 21) + 1. */
  readonly #btlb = new Uint32Array(4 * BTLB_SIZE);
  // Range entry: the run of adjacent 2 MiB granules around the last block
  // filled that map linearly into one segment with the same permissions
  // (what contiguous-hint and range TLBs cache in hardware). Lengths are 0
  // when the range does not allow that access.
  #rgStart = 0;
  #rgReadLen = 0;
  #rgWriteLen = 0;
  #rgBase = 0;
  #rgU32: Uint32Array = EMPTY_U32;
  /** Segment index of the range entry (what `#rgU32` is the u32 view of). */
  #rgSeg = 0;
  readonly #segU8: Uint8Array[] = [];
  readonly #segU32: Uint32Array[] = [];
  #rPage = -1;
  #rBase = 0;
  #rU32: Uint32Array = EMPTY_U32;
  #rU8: Uint8Array = EMPTY_U8;
  #wPage = -1;
  #wBase = 0;
  #wU32: Uint32Array = EMPTY_U32;
  #wU8: Uint8Array = EMPTY_U8;
  readonly #views = new Set<MemView>();
  // Gather scratch (see gather32), grown to the largest batch that needs it, then reused:
  // byte offsets of gather8/16's pass 1, and per-element segment indices of a batch
  // spanning several segments (-1: an unaligned element, assembled from bytes in pass 1).
  #gOff = EMPTY_U32;
  #gSeg = new Int32Array(0);
  // Unaligned elements of the last batch: their positions and values, grown on demand.
  #gSlowAt = EMPTY_U32;
  #gSlowVal = EMPTY_U32;
  #gSlowCount = 0;
  /** Segment of every aligned element of the last translated batch; -1: none; -2: several (see `#gSeg`). */
  #gOneSeg = -1;
  // Out-parameters of #gatherMiss.
  #gmOff = 0;
  #gmSeg = 0;

  constructor(
    readonly vm: VmId,
    readonly path: AccessPath,
    readonly tables: Stage2,
    readonly phys: PhysicalMemory,
    readonly trace: Trace,
  ) {}

  // ---------------------------------------------------------------- faults

  #fault(kind: FaultKind, level: number, ipa: number, access: AccessKind): HvFault {
    const f: HvFault = { fault: true, kind, level, ipa, access, vm: this.vm, path: this.path };
    this.trace.emit({ kind: 'fault', fault: f });
    return f;
  }

  /**
   * Walks `page` and installs it in the TLB if `access` is allowed; returns
   * the fault otherwise. `ipa` only names the faulting address.
   */
  #fill(ipa: number, page: number, access: AccessKind): HvFault | undefined {
    if (!this.running) return this.#fault('not-running', 0, ipa, access);
    this.walks++;
    const t = this.tables;
    const level = t.lookupPage(page);
    if (level < 0) return this.#fault('translation', -level - 1, ipa, access);
    const s2ap = (t.outLo >>> 6) & 3;
    const readable = (s2ap & 1) !== 0;
    const writable = (s2ap & 2) !== 0;
    // Instruction fetch needs stage-2 read permission and XN clear.
    const ok =
      access === 'read'
        ? readable
        : access === 'write'
          ? writable
          : readable && (t.outHi & S2_UPPER_XN) === 0;
    if (!ok) return this.#fault('permission', level, ipa, access);
    const seg = this.phys.segmentOfPage(t.outPaPage);
    if (!seg) return this.#fault('external', level, ipa, access);
    if (this.#tlb.length === 0) this.#tlb = new Uint32Array(4 * TLB_SIZE);
    if (this.#segU8[seg.index] === undefined) {
      this.#segU8[seg.index] = seg.u8;
      this.#segU32[seg.index] = seg.u32;
    }
    const e = (page & TLB_MASK) << 2;
    const tlb = this.#tlb;
    tlb[e] = readable ? page + 1 : 0;
    tlb[e + 1] = writable ? page + 1 : 0;
    tlb[e + 2] = (t.outPaPage - seg.basePage) * PAGE_SIZE;
    tlb[e + 3] = seg.index;
    // A block leaf maps its whole 2 MiB granule linearly: cache the granule
    // when it lies below 4 GiB of IPA and inside this one segment.
    if (level <= 2 && page < 0x100000) {
      const granulePage = page - (page % BLOCK_PAGES);
      const paPage = t.outPaPage - (page - granulePage);
      if (paPage >= seg.basePage && paPage + BLOCK_PAGES <= seg.basePage + seg.pageCount) {
        const g = page >>> 9;
        const be = (g & BTLB_MASK) << 2;
        const bt = this.#btlb;
        bt[be] = readable ? g + 1 : 0;
        bt[be + 1] = writable ? g + 1 : 0;
        bt[be + 2] = (paPage - seg.basePage) * PAGE_SIZE;
        bt[be + 3] = seg.index;
        this.#fillRange(g, paPage, s2ap, seg.basePage, seg.basePage + seg.pageCount, seg.index);
      }
    }
    return undefined;
  }

  /**
   * Grows the range entry from granule `g` (mapped at PA page `paPage`) over
   * neighbouring granules that are blocks continuing the same linear mapping
   * inside [segStart, segEnd) with the same S2AP, at most RANGE_REACH each way.
   */
  #fillRange(
    g: number,
    paPage: number,
    s2ap: number,
    segStart: number,
    segEnd: number,
    segIndex: number,
  ): void {
    const t = this.tables;
    const linear = (k: number): boolean => {
      const gg = g + k;
      if (gg < 0 || gg >= 2048) return false; // granules below 4 GiB of IPA only
      const pp = paPage + k * BLOCK_PAGES;
      if (pp < segStart || pp + BLOCK_PAGES > segEnd) return false;
      const level = t.lookupPage(gg * BLOCK_PAGES);
      return level > 0 && level <= 2 && t.outPaPage === pp && ((t.outLo >>> 6) & 3) === s2ap;
    };
    let lo = 0;
    while (lo > -RANGE_REACH && linear(lo - 1)) lo--;
    let hi = 0;
    while (hi < RANGE_REACH && linear(hi + 1)) hi++;
    const len = (hi - lo + 1) * BLOCK_PAGES * PAGE_SIZE;
    this.#rgStart = (g + lo) * BLOCK_PAGES * PAGE_SIZE;
    this.#rgBase = (paPage + lo * BLOCK_PAGES - segStart) * PAGE_SIZE;
    this.#rgReadLen = (s2ap & 1) !== 0 ? len : 0;
    this.#rgWriteLen = (s2ap & 2) !== 0 ? len : 0;
    this.#rgU32 = this.#segU32[segIndex];
    this.#rgSeg = segIndex;
  }

  #dropRange(): void {
    this.#rgReadLen = 0;
    this.#rgWriteLen = 0;
  }

  /** Selects `page` as the last read page; returns a fault if it cannot be read. */
  #readPage(ipa: number, page: number): HvFault | undefined {
    const e = (page & TLB_MASK) << 2;
    if (this.#tlb[e] !== page + 1) {
      const f = this.#fill(ipa, page, 'read');
      if (f) return f;
    }
    const tlb = this.#tlb;
    this.#rPage = page;
    this.#rBase = tlb[e + 2];
    this.#rU32 = this.#segU32[tlb[e + 3]];
    this.#rU8 = this.#segU8[tlb[e + 3]];
    return undefined;
  }

  #writePage(ipa: number, page: number): HvFault | undefined {
    const e = (page & TLB_MASK) << 2;
    if (this.#tlb[e + 1] !== page + 1) {
      const f = this.#fill(ipa, page, 'write');
      if (f) return f;
    }
    const tlb = this.#tlb;
    this.#wPage = page;
    this.#wBase = tlb[e + 2];
    this.#wU32 = this.#segU32[tlb[e + 3]];
    this.#wU8 = this.#segU8[tlb[e + 3]];
    return undefined;
  }

  // ----------------------------------------------------------- invalidation

  /**
   * TLB invalidation by IPA range (`pageCount` pages from `ipaPage`), the
   * model's TLBI IPAS2E1IS + SMMU CMD_TLBI_S2_IPA. With `revokeViews`, views
   * overlapping the range die too (the range lost a permission or its
   * mapping).
   */
  invalidate(ipaPage: number, pageCount: number, revokeViews: boolean): void {
    if (pageCount >= TLB_SIZE) {
      this.invalidateAll(revokeViews);
      return;
    }
    this.#btlb.fill(0);
    this.#dropRange();
    const tlb = this.#tlb;
    if (tlb.length > 0)
      for (let p = ipaPage; p < ipaPage + pageCount; p++) {
        const e = (p & TLB_MASK) << 2;
        if (tlb[e] === p + 1) tlb[e] = 0;
        if (tlb[e + 1] === p + 1) tlb[e + 1] = 0;
      }
    this.#rPage = -1;
    this.#wPage = -1;
    if (revokeViews && this.#views.size > 0) this.#revokeViews(ipaPage, pageCount);
  }

  /** TLB invalidation of the whole VM (TLBI VMALLS12E1IS / SMMU CMD_TLBI_S12_VMALL). */
  invalidateAll(revokeViews: boolean): void {
    this.#tlb.fill(0);
    this.#btlb.fill(0);
    this.#dropRange();
    this.#rPage = -1;
    this.#wPage = -1;
    if (revokeViews && this.#views.size > 0) this.#revokeViews(0, Infinity);
  }

  #revokeViews(ipaPage: number, pageCount: number): void {
    const start = ipaPage * PAGE_SIZE;
    const end = pageCount === Infinity ? Infinity : (ipaPage + pageCount) * PAGE_SIZE;
    for (const v of this.#views) {
      if (v.ipa < end && start < v.ipa + v.sizeBytes) {
        v._revoke();
        this.#views.delete(v);
        this.trace.emit({
          kind: 'view-revoked',
          vm: this.vm,
          path: this.path,
          ipa: v.ipa,
          sizeBytes: v.sizeBytes,
        });
      }
    }
  }

  /** Views handed out and still valid. */
  get liveViews(): number {
    return this.#views.size;
  }

  _forgetView(v: MemView): void {
    this.#views.delete(v);
  }

  // ------------------------------------------------------------ translation

  /** Translates one address for `access` (a full check, through the TLB). */
  translate(ipa: Ipa, access: AccessKind): Translation | HvFault {
    const page = Math.floor(ipa / 4096);
    if (!this.running) return this.#fault('not-running', 0, ipa, access);
    const t = this.tables;
    const level = t.lookupPage(page);
    if (level < 0) return this.#fault('translation', -level - 1, ipa, access);
    const s2ap = (t.outLo >>> 6) & 3;
    const read = (s2ap & 1) !== 0;
    const write = (s2ap & 2) !== 0;
    const exec = read && (t.outHi & S2_UPPER_XN) === 0;
    const ok = access === 'read' ? read : access === 'write' ? write : exec;
    if (!ok) return this.#fault('permission', level, ipa, access);
    return {
      fault: false,
      pa: t.outPaPage * PAGE_SIZE + (ipa % PAGE_SIZE),
      level,
      read,
      write,
      exec,
      segment: this.phys.segmentOfPage(t.outPaPage),
    };
  }

  // ------------------------------------------------------------------ loads

  load8(ipa: Ipa): number | HvFault {
    if (ipa >>> 0 === ipa) {
      const page = ipa >>> 12;
      if (page === this.#rPage) return this.#rU8[this.#rBase + (ipa & 4095)];
      return this.#load8Slow(page, ipa & 4095);
    }
    const page = this.#widePage(ipa, 'read');
    return typeof page === 'number' ? this.#load8Slow(page, ipa % 4096) : page;
  }

  #load8Slow(page: number, off: number): number | HvFault {
    const f = this.#readPage(page * 4096 + off, page);
    if (f) return f;
    return this.#rU8[this.#rBase + off];
  }

  load16(ipa: Ipa): number | HvFault {
    if ((ipa & 4095) > 4094 || ipa >>> 0 !== ipa) return this.#loadBytes(ipa, 2);
    const lo = this.load8(ipa);
    if (typeof lo !== 'number') return lo;
    return lo | ((this.load8((ipa + 1) as Ipa) as number) << 8); // same page: cannot fault once the first byte did not
  }

  /*
   * The accessors are kept tiny so that TurboFan inlines them into the
   * caller's loop: an IPA above 2^31 is a double, and passing it to a call
   * that is not inlined would box it on the heap at every access. The
   * out-of-line paths therefore take (page, offset), both small integers.
   * Below 4 GiB the page number is an integer shift (`>>> 12`), which is
   * markedly cheaper than the float division and floor needed above it.
   * A negative IPA (impossible for the branded type) wraps to a page no TLB
   * entry carries and faults on the slow path.
   */
  load32(ipa: Ipa): number | HvFault {
    // Aligned and below 4 GiB: probe the block TLB, then the page TLB (tag,
    // offset and segment share a cache line), with no call that TurboFan
    // might not inline; everything else takes the slow path.
    // The range entry first: o is below 2^31 there, so `(o | 0) === o` proves
    // an integer offset and `(o & 3) === 0` alignment (the range starts on a
    // 2 MiB boundary).
    const o = ipa - this.#rgStart;
    if (o >= 0 && o < this.#rgReadLen && (o & 3) === 0 && (o | 0) === o)
      return this.#rgU32[(this.#rgBase + o) >>> 2];
    if (ipa >>> 0 === ipa && (ipa & 3) === 0) {
      const g = ipa >>> 21;
      const bt = this.#btlb;
      const be = (g & BTLB_MASK) << 2;
      if (bt[be] === g + 1) return this.#segU32[bt[be + 3]][(bt[be + 2] + (ipa & 0x1fffff)) >>> 2];
      const page = ipa >>> 12;
      const tlb = this.#tlb;
      const e = (page & TLB_MASK) << 2;
      if (tlb[e] === page + 1) return this.#segU32[tlb[e + 3]][(tlb[e + 2] + (ipa & 4095)) >>> 2];
    }
    return this.#load32Slow(ipa);
  }

  #load32Slow(ipa: number): number | HvFault {
    if (ipa >>> 0 === ipa) return this.#load32Tlb(ipa >>> 12, ipa & 4095);
    const page = this.#widePage(ipa, 'read');
    return typeof page === 'number' ? this.#load32Tlb(page, ipa % 4096) : page;
  }

  /**
   * Page number of an IPA at or above 4 GiB, or the fault for a value that
   * is no address at all (negative, fractional, unsafe): such an access
   * must never reach a TLB entry.
   */
  #widePage(ipa: number, access: AccessKind): number | HvFault {
    if (!Number.isSafeInteger(ipa) || ipa < 0) return this.#fault('translation', 0, ipa, access);
    return Math.floor(ipa / 4096);
  }

  #load32Tlb(page: number, off: number): number | HvFault {
    if ((off & 3) !== 0) return this.#loadBytes(page * 4096 + off, 4);
    const tlb = this.#tlb;
    const e = (page & TLB_MASK) << 2;
    if (tlb[e] === page + 1) return this.#segU32[tlb[e + 3]][(tlb[e + 2] + off) >>> 2];
    const f = this.#readPage(page * 4096 + off, page);
    if (f) return f;
    return this.#rU32[(this.#rBase + off) >>> 2];
  }

  load64(ipa: Ipa): bigint | HvFault {
    const lo = this.load32(ipa);
    if (typeof lo !== 'number') return lo;
    const hi = this.load32((ipa + 4) as Ipa);
    if (typeof hi !== 'number') return hi;
    return (BigInt(hi) << 32n) | BigInt(lo);
  }

  /** Unaligned or page-crossing little-endian load: every byte is checked first. */
  #loadBytes(ipa: number, n: number): number | HvFault {
    const b = new Uint8Array(n);
    const f = this.read(ipa as Ipa, b);
    if (f) return f;
    let v = 0;
    for (let i = n - 1; i >= 0; i--) v = v * 256 + b[i];
    return v;
  }

  // ---------------------------------------------------------------- gathers

  /*
   * Batch loads. A random load that misses the caches costs a DRAM round
   * trip; a raw loop `s += u32[idx[i]]` is fast because the CPU keeps many
   * such misses in flight at once (memory-level parallelism, MLP), as many
   * as the loop's iterations that fit in its reorder window. A translated
   * load32 executes about three times the instructions of a raw load, so
   * fewer misses overlap, and no faster per-call check closes that gap. A
   * gather therefore splits the work: pass 1 translates every address
   * (range entry, block TLB, page TLB, walk: exactly load32's checks) into
   * an index in its backing segment, touching only cache-resident data;
   * pass 2 is a raw gather loop over the segment's typed array, which
   * overlaps misses like the raw loop does.
   *
   * Atomicity: a port is used by one thread, and a gather runs to completion
   * inside one synchronous call, so no hypercall (deny, stop, TLBI) can run
   * between pass 1 and pass 2. A deny that returned before the call makes
   * pass 1 fault; one made after the call returns cannot change values
   * already loaded. (Another thread may store into the shared memory
   * meanwhile: the values are then those of some interleaving, as for load32.)
   */

  /**
   * Loads `count` little-endian 32-bit words: `out[i]` becomes what
   * `load32(ipas[i])` returns, for every i < count. Addresses are a
   * Float64Array because IPAs reach 2^43 (exact in a double, not in 32 bits);
   * a value that is no address (negative, fractional, unsafe) faults as in
   * load32. Unaligned and page-crossing addresses are allowed (assembled
   * from bytes, every byte checked, as in load32), and the addresses may lie
   * in several backing segments.
   *
   * On a fault, returns the fault of the first faulting address in array
   * order (what a loop of load32 stopping at its first fault returns, with
   * the same single trace event); no memory has been read then, and
   * `out[0..count)` is unspecified (pass 1 keeps its word indices there).
   * Throws a RangeError (a caller bug, not a guest fault) when `count`
   * exceeds either array. Aligned addresses allocate nothing once the
   * port's scratch has grown to the batch (only a batch spanning several
   * segments needs scratch here); an unaligned one takes load32's byte path.
   */
  gather32(ipas: Float64Array, out: Uint32Array, count = ipas.length): HvFault | undefined {
    const f = this.#gatherTranslate(ipas, out.length, count, 4, out);
    if (f) return f;
    const one = this.#gOneSeg;
    if (one >= 0) gatherWords(this.#segU32[one], out, count);
    else if (one === -2) {
      const seg = this.#gSeg;
      const segU32 = this.#segU32;
      for (let i = 0; i < count; i++) {
        const s = seg[i];
        if (s >= 0) out[i] = segU32[s][out[i]];
      }
    }
    if (this.#gSlowCount > 0) this.#gatherSlow(out);
    return undefined;
  }

  /** As gather32 for 16-bit loads (`load16`); `out` is untouched on a fault. */
  gather16(ipas: Float64Array, out: Uint16Array, count = ipas.length): HvFault | undefined {
    const f = this.#gatherTranslate(ipas, out.length, count, 2, undefined);
    if (f) return f;
    const off = this.#gOff;
    const one = this.#gOneSeg;
    // A 2-aligned halfword lies inside one aligned word: one 32-bit load and a shift (little-endian host).
    if (one >= 0) {
      const u32 = this.#segU32[one];
      for (let i = 0; i < count; i++) {
        const o = off[i];
        out[i] = u32[o >>> 2] >>> ((o & 2) << 3);
      }
    } else if (one === -2) {
      const seg = this.#gSeg;
      const segU32 = this.#segU32;
      for (let i = 0; i < count; i++) {
        const s = seg[i];
        const o = off[i];
        if (s >= 0) out[i] = segU32[s][o >>> 2] >>> ((o & 2) << 3);
      }
    }
    if (this.#gSlowCount > 0) this.#gatherSlow(out);
    return undefined;
  }

  /** As gather32 for byte loads (`load8`); `out` is untouched on a fault. */
  gather8(ipas: Float64Array, out: Uint8Array, count = ipas.length): HvFault | undefined {
    const f = this.#gatherTranslate(ipas, out.length, count, 1, undefined);
    if (f) return f;
    const off = this.#gOff;
    const one = this.#gOneSeg;
    if (one >= 0) {
      const u8 = this.#segU8[one];
      for (let i = 0; i < count; i++) out[i] = u8[off[i]];
    } else if (one === -2) {
      const seg = this.#gSeg;
      const segU8 = this.#segU8;
      for (let i = 0; i < count; i++) out[i] = segU8[seg[i]][off[i]];
    }
    return undefined;
  }

  /**
   * Pass 1 of a gather of `size`-byte loads over `count` addresses: writes
   * each element's index in its segment to `dst` (word indices, for
   * gather32's in-place pass 2) or, when `dst` is undefined, byte offsets to
   * `#gOff`; sets `#gOneSeg` (the one segment, or -2: then `#gSeg` holds one
   * per element) and the unaligned list. Returns the first fault instead.
   */
  #gatherTranslate(
    ipas: Float64Array,
    outLength: number,
    count: number,
    size: 1 | 2 | 4,
    dst: Uint32Array | undefined,
  ): HvFault | undefined {
    if (!(Number.isInteger(count) && count >= 0 && count <= ipas.length && count <= outLength))
      throw new RangeError(`gather of ${count} from ${ipas.length} addresses into ${outLength} results`);
    if (dst === undefined) {
      if (this.#gOff.length < count) this.#gOff = new Uint32Array(scratchSize(count));
      dst = this.#gOff;
    }
    const shift = size === 4 ? 2 : 0;
    // Optimistically one segment (no per-element segment index); a second
    // segment restarts the pass in the mode that records one per element.
    // The restart repeats only translations that succeeded (no fault, no
    // trace event, no hypercall in between), so the first fault stays the first.
    const f = this.#gatherPass1(ipas, count, size, shift, dst, false);
    if (f !== undefined || this.#gOneSeg !== -2) return f;
    if (this.#gSeg.length < count) this.#gSeg = new Int32Array(scratchSize(count));
    return this.#gatherPass1(ipas, count, size, shift, dst, true);
  }

  /**
   * Translates the batch. Runs of addresses inside the range entry (the
   * common case: a granted range mapped by blocks) take a tight loop; any
   * other address takes load32's probes (block TLB, page TLB) inlined, then
   * `#gatherMiss`. Without `perElement`, stops early with `#gOneSeg` -2 at
   * the first address in a second segment.
   */
  #gatherPass1(
    ipas: Float64Array,
    count: number,
    size: number,
    shift: number,
    dst: Uint32Array,
    perElement: boolean,
  ): HvFault | undefined {
    const seg = this.#gSeg;
    const mask = size - 1;
    this.#gSlowCount = 0;
    let one = -1;
    let i = 0;
    while (i < count) {
      // A run of range-entry hits (rangeRun32, rangeRunBytes).
      const runStart = i;
      i =
        shift === 2
          ? rangeRun32(ipas, dst, i, count, this.#rgStart, this.#rgReadLen, this.#rgBase >>> 2)
          : rangeRunBytes(ipas, dst, i, count, this.#rgStart, this.#rgReadLen, this.#rgBase, mask);
      if (i > runStart) {
        const s = this.#rgSeg;
        if (perElement) seg.fill(s, runStart, i);
        else if (s !== one) {
          if (one !== -1) {
            this.#gOneSeg = -2;
            return undefined;
          }
          one = s;
        }
      }
      if (i === count) break;
      // One address outside the range entry.
      const ipa = ipas[i];
      let o = 0;
      let s = -3;
      if (ipa >>> 0 === ipa && (ipa & mask) === 0) {
        const g = ipa >>> 21;
        const bt = this.#btlb;
        const be = (g & BTLB_MASK) << 2;
        if (bt[be] === g + 1) {
          o = bt[be + 2] + (ipa & 0x1fffff);
          s = bt[be + 3];
        } else {
          const page = ipa >>> 12;
          const tlb = this.#tlb;
          const e = (page & TLB_MASK) << 2;
          if (tlb[e] === page + 1) {
            o = tlb[e + 2] + (ipa & 4095);
            s = tlb[e + 3];
          }
        }
      }
      if (s === -3) {
        const f = this.#gatherMiss(ipa, size, i);
        if (f) return f;
        o = this.#gmOff;
        s = this.#gmSeg;
      }
      dst[i] = o >>> shift;
      if (perElement) seg[i] = s;
      else if (s !== one && s >= 0) {
        if (one !== -1) {
          this.#gOneSeg = -2;
          return undefined;
        }
        one = s;
      }
      i++;
    }
    this.#gOneSeg = perElement ? -2 : one;
    return undefined;
  }

  /**
   * One gather element that missed the caches: load32's (load16's, load8's)
   * slow path. Sets `#gmOff`/`#gmSeg`; an unaligned element (it may cross a
   * page) has its value assembled from checked bytes now and joins the
   * unaligned list (`#gmOff` 0, `#gmSeg` -1). Returns the fault otherwise.
   */
  #gatherMiss(ipa: number, size: number, i: number): HvFault | undefined {
    let page: number;
    let off: number;
    if (ipa >>> 0 === ipa) {
      page = ipa >>> 12;
      off = ipa & 4095;
    } else {
      const p = this.#widePage(ipa, 'read');
      if (typeof p !== 'number') return p;
      page = p;
      off = ipa % 4096;
    }
    if ((off & (size - 1)) !== 0) {
      const v = this.#loadBytes(page * 4096 + off, size);
      if (typeof v !== 'number') return v;
      const k = this.#gSlowCount++;
      if (k === this.#gSlowAt.length) {
        const at = new Uint32Array(Math.max(16, 2 * k));
        const val = new Uint32Array(at.length);
        at.set(this.#gSlowAt);
        val.set(this.#gSlowVal);
        this.#gSlowAt = at;
        this.#gSlowVal = val;
      }
      this.#gSlowAt[k] = i;
      this.#gSlowVal[k] = v;
      this.#gmOff = 0;
      this.#gmSeg = -1;
      return undefined;
    }
    const e = (page & TLB_MASK) << 2;
    if (this.#tlb[e] !== page + 1) {
      const f = this.#fill(page * 4096 + off, page, 'read');
      if (f) return f;
    }
    this.#gmOff = this.#tlb[e + 2] + off;
    this.#gmSeg = this.#tlb[e + 3];
    return undefined;
  }

  /** Stores the values of the batch's unaligned elements. */
  #gatherSlow(out: Uint16Array | Uint32Array): void {
    const at = this.#gSlowAt;
    const val = this.#gSlowVal;
    for (let k = 0; k < this.#gSlowCount; k++) out[at[k]] = val[k];
  }

  // ----------------------------------------------------------------- stores

  store8(ipa: Ipa, value: number): HvFault | undefined {
    if (ipa >>> 0 === ipa) {
      const page = ipa >>> 12;
      if (page === this.#wPage) {
        this.#wU8[this.#wBase + (ipa & 4095)] = value;
        return undefined;
      }
      return this.#store8Slow(page, ipa & 4095, value);
    }
    const page = this.#widePage(ipa, 'write');
    return typeof page === 'number' ? this.#store8Slow(page, ipa % 4096, value) : page;
  }

  #store8Slow(page: number, off: number, value: number): HvFault | undefined {
    const f = this.#writePage(page * 4096 + off, page);
    if (f) return f;
    this.#wU8[this.#wBase + off] = value;
    return undefined;
  }

  store16(ipa: Ipa, value: number): HvFault | undefined {
    if ((ipa & 4095) > 4094 || ipa >>> 0 !== ipa) return this.#storeBytes(ipa, value, 2);
    const f = this.store8(ipa, value);
    if (f) return f;
    this.store8((ipa + 1) as Ipa, value >>> 8); // same page, already checked writable
    return undefined;
  }

  store32(ipa: Ipa, value: number): HvFault | undefined {
    const o = ipa - this.#rgStart;
    if (o >= 0 && o < this.#rgWriteLen && (o & 3) === 0 && (o | 0) === o) {
      this.#rgU32[(this.#rgBase + o) >>> 2] = value;
      return undefined;
    }
    if (ipa >>> 0 === ipa) {
      const g = ipa >>> 21;
      const bt = this.#btlb;
      const be = (g & BTLB_MASK) << 2;
      if (bt[be + 1] === g + 1 && (ipa & 3) === 0) {
        this.#segU32[bt[be + 3]][(bt[be + 2] + (ipa & 0x1fffff)) >>> 2] = value;
        return undefined;
      }
      const page = ipa >>> 12;
      if (page === this.#wPage && (ipa & 3) === 0) {
        this.#wU32[(this.#wBase + (ipa & 4095)) >>> 2] = value;
        return undefined;
      }
      return this.#store32Slow(page, ipa & 4095, value);
    }
    const page = this.#widePage(ipa, 'write');
    return typeof page === 'number' ? this.#store32Slow(page, ipa % 4096, value) : page;
  }

  #store32Slow(page: number, off: number, value: number): HvFault | undefined {
    const ipa = page * 4096 + off;
    if ((off & 3) !== 0) return this.#storeBytes(ipa, value, 4);
    const f = this.#writePage(ipa, page);
    if (f) return f;
    this.#wU32[(this.#wBase + off) >>> 2] = value;
    return undefined;
  }

  store64(ipa: Ipa, value: bigint): HvFault | undefined {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, value), true);
    return this.write(ipa, b);
  }

  #storeBytes(ipa: number, value: number, n: number): HvFault | undefined {
    const b = new Uint8Array(n);
    let v = value >>> 0;
    for (let i = 0; i < n; i++) {
      b[i] = v & 0xff;
      v >>>= 8;
    }
    return this.write(ipa as Ipa, b);
  }

  // ------------------------------------------------------------------- bulk

  /**
   * Copies `length` bytes from guest memory at `ipa` into `dst`. Every page
   * is checked before the first byte moves, so a fault copies nothing.
   */
  read(ipa: Ipa, dst: Uint8Array, dstOffset = 0, length = dst.length - dstOffset): HvFault | undefined {
    const f = this.#checkRange(ipa, length, 'read');
    if (f) return f;
    this.#copy(ipa, length, (u8, off, n, done) => dst.set(u8.subarray(off, off + n), dstOffset + done));
    return undefined;
  }

  /** Copies `src` into guest memory at `ipa`; nothing is written unless every page is writable. */
  write(ipa: Ipa, src: Uint8Array, srcOffset = 0, length = src.length - srcOffset): HvFault | undefined {
    const f = this.#checkRange(ipa, length, 'write');
    if (f) return f;
    this.#copy(ipa, length, (u8, off, n, done) =>
      u8.set(src.subarray(srcOffset + done, srcOffset + done + n), off),
    );
    return undefined;
  }

  /** Fills `length` bytes at `ipa` with `value`. */
  fill(ipa: Ipa, length: number, value = 0): HvFault | undefined {
    const f = this.#checkRange(ipa, length, 'write');
    if (f) return f;
    this.#copy(ipa, length, (u8, off, n) => u8.fill(value, off, off + n));
    return undefined;
  }

  #checkRange(ipa: number, length: number, access: 'read' | 'write'): HvFault | undefined {
    if (!Number.isSafeInteger(ipa) || ipa < 0) return this.#fault('translation', 0, ipa, access);
    if (length <= 0) return undefined;
    const first = Math.floor(ipa / 4096);
    const last = Math.floor((ipa + length - 1) / PAGE_SIZE);
    const k = access === 'read' ? 0 : 1;
    for (let p = first; p <= last; p++) {
      if (this.#tlb[((p & TLB_MASK) << 2) + k] === p + 1) continue;
      const f = this.#fill(p === first ? ipa : p * PAGE_SIZE, p, access);
      if (f) return f;
    }
    return undefined;
  }

  /** Walks an already checked range, coalescing pages contiguous in one buffer into one chunk. */
  #copy(
    ipa: number,
    length: number,
    chunk: (u8: Uint8Array, off: number, n: number, done: number) => void,
  ): void {
    let done = 0;
    let cur = ipa;
    let runU8: Uint8Array | undefined;
    let runOff = 0;
    let runLen = 0;
    let runDone = 0;
    while (done < length) {
      const page = Math.floor(cur / PAGE_SIZE);
      const inPage = cur % PAGE_SIZE;
      const n = Math.min(PAGE_SIZE - inPage, length - done);
      const e = (page & TLB_MASK) << 2;
      const tlb = this.#tlb;
      let u8: Uint8Array;
      let off: number;
      if (tlb.length > 0 && (tlb[e] === page + 1 || tlb[e + 1] === page + 1)) {
        u8 = this.#segU8[tlb[e + 3]];
        off = tlb[e + 2] + inPage;
      } else {
        // Evicted by the check of a range larger than the TLB: walk again (cannot fail, nothing changed).
        this.tables.lookupPage(page);
        const seg = this.phys.segmentOfPage(this.tables.outPaPage) as Segment;
        u8 = seg.u8;
        off = (this.tables.outPaPage - seg.basePage) * PAGE_SIZE + inPage;
      }
      if (runU8 === u8 && runOff + runLen === off) runLen += n;
      else {
        if (runU8) chunk(runU8, runOff, runLen, runDone);
        runU8 = u8;
        runOff = off;
        runLen = n;
        runDone = done;
      }
      done += n;
      cur += n;
    }
    if (runU8) chunk(runU8, runOff, runLen, runDone);
  }

  // ------------------------------------------------------------------ views

  /**
   * A zero-copy view over [ipa, ipa + sizeBytes), which must be mapped with
   * `access` and contiguous in one backing buffer (PA-contiguous inside one
   * RAM bank, invalid region or pmem pool).
   */
  view(ipa: Ipa, sizeBytes: number, access: 'read' | 'readwrite' = 'read'): MemView | HvFault {
    const f =
      this.#checkRange(ipa, sizeBytes, 'read') ??
      (access === 'readwrite' ? this.#checkRange(ipa, sizeBytes, 'write') : undefined);
    if (f) return f;
    let u8: Uint8Array | undefined;
    let start = 0;
    let ok = true;
    this.#copy(ipa, sizeBytes, (buf, off, _n, done) => {
      if (done === 0) {
        u8 = buf;
        start = off;
      } else ok = false;
    });
    if (!ok || !u8) return this.#fault('external', 3, ipa, 'read'); // not contiguous in one buffer: no zero-copy view possible
    const v = new MemView(
      this,
      ipa,
      sizeBytes,
      u8.subarray(start, start + sizeBytes),
      access === 'readwrite',
    );
    this.#views.add(v);
    return v;
  }
}

/**
 * A checked window onto guest memory. Valid until the hypervisor unmaps or
 * downgrades any page of it; afterwards every call returns a fault.
 */
export class MemView {
  readonly #bytes: Uint8Array;
  readonly #port: MemoryPort;
  #valid = true;

  constructor(
    port: MemoryPort,
    readonly ipa: number,
    readonly sizeBytes: number,
    bytes: Uint8Array,
    readonly writable: boolean,
  ) {
    this.#port = port;
    this.#bytes = bytes;
  }

  get valid(): boolean {
    return this.#valid;
  }

  /** Called by the port's invalidation. */
  _revoke(): void {
    this.#valid = false;
  }

  /** Gives the view up (it stops being tracked). */
  release(): void {
    this.#valid = false;
    this.#port._forgetView(this);
  }

  #dead(offset: number, access: AccessKind): HvFault {
    const at = (this.ipa + offset) as Ipa;
    const t = this.#port.translate(at, access);
    if (t.fault) return t;
    const f: HvFault = {
      fault: true,
      kind: 'revoked',
      level: t.level,
      ipa: at,
      access,
      vm: this.#port.vm,
      path: this.#port.path,
    };
    this.#port.trace.emit({ kind: 'fault', fault: f });
    return f;
  }

  /** A write through a view handed out read-only: a permission fault at the page's leaf level. */
  #readOnly(offset: number): HvFault {
    const at = (this.ipa + offset) as Ipa;
    const t = this.#port.translate(at, 'write');
    if (t.fault) return t;
    const f: HvFault = {
      fault: true,
      kind: 'permission',
      level: t.level,
      ipa: at,
      access: 'write',
      vm: this.#port.vm,
      path: this.#port.path,
    };
    this.#port.trace.emit({ kind: 'fault', fault: f });
    return f;
  }

  #bounds(offset: number, n: number): void {
    if (!(offset >= 0 && n >= 0 && offset + n <= this.sizeBytes))
      throw new RangeError(`view access ${offset}+${n} outside 0..${this.sizeBytes}`);
  }

  /** Copies view bytes [offset, offset + length) into dst. */
  read(offset: number, dst: Uint8Array, dstOffset = 0, length = dst.length - dstOffset): HvFault | undefined {
    if (!this.#valid) return this.#dead(offset, 'read');
    this.#bounds(offset, length);
    dst.set(this.#bytes.subarray(offset, offset + length), dstOffset);
    return undefined;
  }

  write(
    offset: number,
    src: Uint8Array,
    srcOffset = 0,
    length = src.length - srcOffset,
  ): HvFault | undefined {
    if (!this.#valid) return this.#dead(offset, 'write');
    if (!this.writable) return this.#readOnly(offset);
    this.#bounds(offset, length);
    this.#bytes.set(src.subarray(srcOffset, srcOffset + length), offset);
    return undefined;
  }

  getU8(offset: number): number | HvFault {
    if (!this.#valid) return this.#dead(offset, 'read');
    this.#bounds(offset, 1);
    return this.#bytes[offset];
  }

  getU32(offset: number): number | HvFault {
    if (!this.#valid) return this.#dead(offset, 'read');
    this.#bounds(offset, 4);
    const b = this.#bytes;
    return (b[offset] | (b[offset + 1] << 8) | (b[offset + 2] << 16) | (b[offset + 3] << 24)) >>> 0;
  }

  setU8(offset: number, v: number): HvFault | undefined {
    if (!this.#valid) return this.#dead(offset, 'write');
    if (!this.writable) return this.#readOnly(offset);
    this.#bounds(offset, 1);
    this.#bytes[offset] = v;
    return undefined;
  }

  setU32(offset: number, v: number): HvFault | undefined {
    if (!this.#valid) return this.#dead(offset, 'write');
    if (!this.writable) return this.#readOnly(offset);
    this.#bounds(offset, 4);
    const b = this.#bytes;
    b[offset] = v;
    b[offset + 1] = v >>> 8;
    b[offset + 2] = v >>> 16;
    b[offset + 3] = v >>> 24;
    return undefined;
  }

  /** Copies this view into another view (both checked). */
  copyTo(
    dst: MemView,
    srcOffset = 0,
    dstOffset = 0,
    length = this.sizeBytes - srcOffset,
  ): HvFault | undefined {
    if (!this.#valid) return this.#dead(srcOffset, 'read');
    this.#bounds(srcOffset, length);
    return dst.write(dstOffset, this.#bytes, srcOffset, length);
  }
}

/** Scratch capacity for a batch of `count`: the next power of two (at least 64). */
function scratchSize(count: number): number {
  let cap = 64;
  while (cap < count) cap *= 2;
  return cap;
}

/**
 * gather32's pass 2 over one segment: `out[i] = u32[out[i]]` (pass 1 left
 * word indices in `out`). Unrolled by 8 with the loads grouped before the
 * stores: TurboFan re-checks a typed array's map and length after every
 * store, so the plain loop spends about 30 instructions per element and
 * keeps fewer misses in flight; grouped, the checks are shared by 8
 * elements and only two arrays are live (measured: 64 MiB of random loads
 * about twice as fast as the plain loop).
 */
function gatherWords(u32: Uint32Array, out: Uint32Array, count: number): void {
  let i = 0;
  for (; i + 8 <= count; i += 8) {
    const a = u32[out[i]];
    const b = u32[out[i + 1]];
    const c = u32[out[i + 2]];
    const d = u32[out[i + 3]];
    const e = u32[out[i + 4]];
    const f = u32[out[i + 5]];
    const g = u32[out[i + 6]];
    const h = u32[out[i + 7]];
    out[i] = a;
    out[i + 1] = b;
    out[i + 2] = c;
    out[i + 3] = d;
    out[i + 4] = e;
    out[i + 5] = f;
    out[i + 6] = g;
    out[i + 7] = h;
  }
  for (; i < count; i++) out[i] = u32[out[i]];
}

/*
 * Pass 1's inner loop: from `i`, the run of addresses inside the range entry
 * (`len` bytes from `start`, at `base` in its segment), written to `dst`;
 * returns the index of the first address outside it (or `count`). The range
 * lies below 4 GiB and spans less than 2^31 bytes, so `(r | 0) === r`
 * proves an in-range integer offset (and rules out NaN and fractions). Two
 * small functions with constant alignment and scale, not one loop in the
 * method: fewer live values, so TurboFan keeps them all in registers.
 */

/** Word indices of 4-aligned addresses; `baseWord` (the range's base / 4) is below 2^30: int32 sums. */
function rangeRun32(
  ipas: Float64Array,
  dst: Uint32Array,
  i: number,
  count: number,
  start: number,
  len: number,
  baseWord: number,
): number {
  for (; i < count; i++) {
    const r = ipas[i] - start;
    const ri = r | 0;
    if (ri !== r || ri < 0 || ri >= len || (ri & 3) !== 0) break;
    dst[i] = baseWord + (ri >>> 2);
  }
  return i;
}

/** Byte offsets of addresses aligned to `mask + 1`. */
function rangeRunBytes(
  ipas: Float64Array,
  dst: Uint32Array,
  i: number,
  count: number,
  start: number,
  len: number,
  base: number,
  mask: number,
): number {
  for (; i < count; i++) {
    const r = ipas[i] - start;
    const ri = r | 0;
    if (ri !== r || ri < 0 || ri >= len || (ri & mask) !== 0) break;
    dst[i] = base + ri;
  }
  return i;
}
