/**
 * Physical memory, sparse over the 64-bit space: only RAM banks, invalid
 * regions and the pmem pool are backed, each by its own SharedArrayBuffer
 * (so a worker thread or a browser tab can share it). A bank is split around
 * the invalid regions and the pmem pool it contains, and into pieces of at
 * most 4 GiB so that byte offsets inside a segment fit an unsigned 32-bit
 * integer (the access fast path indexes with `>>> 2`). A SharedArrayBuffer
 * is allocated on first touch: a platform with gigabytes of RAM costs
 * nothing until it is accessed.
 */
import { PAGE_SIZE } from './addr.js';
import type { PhysRange } from './config.js';

export type SegmentKind = 'ram' | 'invalid' | 'pmem';

const MAX_SEGMENT_BYTES = 4 * 1024 * 1024 * 1024;

export class Segment {
  #sab: SharedArrayBuffer | undefined;
  #u8: Uint8Array | undefined;
  #u32: Uint32Array | undefined;

  constructor(
    readonly index: number,
    readonly kind: SegmentKind,
    /** First PA page. */
    readonly basePage: number,
    readonly pageCount: number,
  ) {}

  get endPage(): number {
    return this.basePage + this.pageCount;
  }

  get sizeBytes(): number {
    return this.pageCount * PAGE_SIZE;
  }

  get allocated(): boolean {
    return this.#sab !== undefined;
  }

  /** The backing buffer, allocated (zeroed) on first use. */
  get buffer(): SharedArrayBuffer {
    if (!this.#sab) this.#sab = new SharedArrayBuffer(this.sizeBytes);
    return this.#sab;
  }

  get u8(): Uint8Array {
    return (this.#u8 ??= new Uint8Array(this.buffer));
  }

  get u32(): Uint32Array {
    return (this.#u32 ??= new Uint32Array(this.buffer));
  }

  /** Zeroes `pageCount` pages starting at PA page `page` (restart scrub); untouched buffers are zero already. */
  zeroPages(page: number, pageCount: number): void {
    if (!this.#sab) return;
    const off = (page - this.basePage) * PAGE_SIZE;
    this.u8.fill(0, off, off + pageCount * PAGE_SIZE);
  }
}

export class PhysicalMemory {
  readonly segments: readonly Segment[];
  readonly #starts: Float64Array;

  constructor(ramBanks: readonly PhysRange[], invalidRegions: readonly PhysRange[], pmem?: PhysRange) {
    const special: { start: number; end: number; kind: SegmentKind }[] = [
      ...invalidRegions.map((r) => ({
        start: r.pa / PAGE_SIZE,
        end: (r.pa + r.sizeBytes) / PAGE_SIZE,
        kind: 'invalid' as const,
      })),
      ...(pmem
        ? [{ start: pmem.pa / PAGE_SIZE, end: (pmem.pa + pmem.sizeBytes) / PAGE_SIZE, kind: 'pmem' as const }]
        : []),
    ].sort((a, b) => a.start - b.start);
    const pieces: { start: number; end: number; kind: SegmentKind }[] = [...special];
    for (const b of ramBanks) {
      let cur = b.pa / PAGE_SIZE;
      const end = (b.pa + b.sizeBytes) / PAGE_SIZE;
      for (const s of special) {
        if (s.end <= cur || s.start >= end) continue;
        if (s.start > cur) pieces.push({ start: cur, end: s.start, kind: 'ram' });
        cur = Math.max(cur, s.end);
      }
      if (cur < end) pieces.push({ start: cur, end, kind: 'ram' });
    }
    pieces.sort((a, b) => a.start - b.start);
    const segs: Segment[] = [];
    const maxPages = MAX_SEGMENT_BYTES / PAGE_SIZE;
    for (const p of pieces)
      for (let s = p.start; s < p.end; s += maxPages)
        segs.push(new Segment(segs.length, p.kind, s, Math.min(maxPages, p.end - s)));
    this.segments = segs;
    this.#starts = Float64Array.from(segs.map((s) => s.basePage));
  }

  /** The segment holding PA page `page`, or undefined when nothing backs it (a device window or a hole). */
  segmentOfPage(page: number): Segment | undefined {
    const starts = this.#starts;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (starts[mid] <= page) lo = mid + 1;
      else hi = mid - 1;
    }
    if (hi < 0) return undefined;
    const s = this.segments[hi];
    return page < s.endPage ? s : undefined;
  }

  /** Bytes of SharedArrayBuffer actually allocated so far. */
  get allocatedBytes(): number {
    let n = 0;
    for (const s of this.segments) if (s.allocated) n += s.sizeBytes;
    return n;
  }
}
