/**
 * Address ranges of the two address spaces a platform talks about. A PA range
 * and an IPA range are different types (the `space` tag), so a physical
 * address can never be passed where an intermediate physical address is
 * expected — the confusion the technical note's non-identical mappings invite.
 * `start` is inclusive, `end` exclusive; both exact 64-bit values (`end` may be
 * exactly 2^64: a range ending at the top of the space does not wrap).
 */
export interface PaRange {
  readonly space: 'pa';
  readonly start: bigint;
  readonly end: bigint;
}

export interface IpaRange {
  readonly space: 'ipa';
  readonly start: bigint;
  readonly end: bigint;
}

export type AnyRange = PaRange | IpaRange;

export const PAGE_SIZE = 4096n;
export const ADDRESS_SPACE_END = 1n << 64n;

export function paRange(start: bigint, end: bigint): PaRange {
  return { space: 'pa', start, end };
}

export function ipaRange(start: bigint, end: bigint): IpaRange {
  return { space: 'ipa', start, end };
}

/** The IPA range at which an identity mapping shows the PA range. */
export function identityIpa(r: PaRange): IpaRange {
  return ipaRange(r.start, r.end);
}

/** The PA range that an identity-mapped IPA range covers (exporter RAM: IPA == PA). */
export function identityPa(r: IpaRange): PaRange {
  return paRange(r.start, r.end);
}

export function sizeOf(r: { readonly start: bigint; readonly end: bigint }): bigint {
  return r.end - r.start;
}

export function overlaps<R extends AnyRange>(a: R, b: R): boolean {
  return a.start < b.end && b.start < a.end;
}

/** True when `inner` lies entirely inside `outer`. */
export function contains<R extends AnyRange>(outer: R, inner: R): boolean {
  return outer.start <= inner.start && inner.end <= outer.end;
}

export function isPageAligned(v: bigint): boolean {
  return v % PAGE_SIZE === 0n;
}

/** `0xd0000000` — lower-case hex, no padding, as unit addresses and the note write them. */
export function hexAddr(v: bigint): string {
  return '0x' + v.toString(16);
}

/** `[0xd0000000, 0xd4000000)` with the size in words: the form every message uses. */
export function formatRange(r: { readonly start: bigint; readonly end: bigint }): string {
  return `0x${r.start.toString(16)}..0x${(r.end - 1n).toString(16)} (${formatSize(r.end - r.start)})`;
}

const UNITS: readonly [bigint, string][] = [
  [1n << 60n, 'EiB'],
  [1n << 50n, 'PiB'],
  [1n << 40n, 'TiB'],
  [1n << 30n, 'GiB'],
  [1n << 20n, 'MiB'],
  [1n << 10n, 'KiB'],
];

/** `64 MiB`, `4 KiB`, `1.5 GiB`, `4097 bytes`: exact when it can be, one decimal otherwise. */
export function formatSize(size: bigint): string {
  for (const [unit, name] of UNITS) {
    if (size >= unit) {
      if (size % unit === 0n) return `${size / unit} ${name}`;
      const tenths = (size * 10n) / unit;
      if (size >= unit * 16n || (size * 10n) % unit === 0n) return `${tenths / 10n}.${tenths % 10n} ${name}`;
    }
  }
  return `${size} bytes`;
}

/**
 * Sweeps ranges (any order) and calls `onOverlap(item, partner, head)` once
 * per range that overlaps an earlier-starting one, with the earlier range
 * reaching furthest as the partner (`head` false); the first range of an
 * overlapping cluster is also reported once, against the range that follows
 * it (`head` true). O(n log n): one report per range, never one per pair, so
 * 64 sharers of one region give 64 reports, not 2016.
 */
export function sweepOverlaps<T>(
  items: readonly T[],
  range: (t: T) => { readonly start: bigint; readonly end: bigint },
  onOverlap: (item: T, partner: T, head: boolean) => void,
): void {
  const sorted = [...items].sort(
    (a, b) => cmpBig(range(a).start, range(b).start) || cmpBig(range(a).end, range(b).end),
  );
  let reach: T | undefined;
  let clusterHead: T | undefined;
  let headReported = true;
  for (const it of sorted) {
    const r = range(it);
    if (reach !== undefined && range(reach).end > r.start) {
      if (!headReported && clusterHead !== undefined) {
        onOverlap(clusterHead, it, true);
        headReported = true;
      }
      onOverlap(it, reach, false);
      if (r.end > range(reach).end) reach = it;
    } else {
      clusterHead = it;
      headReported = false;
      reach = it;
    }
  }
}

/**
 * Ranges sorted by start with a running maximum of ends, answering "which
 * items overlap this range" without a scan of the whole list in the usual case.
 */
export class IntervalIndex<T> {
  private readonly items: T[];
  private readonly starts: bigint[];
  private readonly maxEnd: bigint[];

  constructor(
    items: Iterable<T>,
    private readonly range: (t: T) => { readonly start: bigint; readonly end: bigint },
  ) {
    this.items = [...items].sort((a, b) => cmpBig(range(a).start, range(b).start));
    this.starts = this.items.map((t) => range(t).start);
    this.maxEnd = [];
    let m = -1n;
    for (const t of this.items) {
      const e = range(t).end;
      if (e > m) m = e;
      this.maxEnd.push(m);
    }
  }

  /** Items overlapping `r`, in start order, at most `limit`. */
  overlapping(r: { readonly start: bigint; readonly end: bigint }, limit = Infinity): T[] {
    // Last item starting before r.end.
    let lo = 0;
    let hi = this.starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.starts[mid] < r.end) lo = mid + 1;
      else hi = mid;
    }
    const out: T[] = [];
    for (let i = lo - 1; i >= 0 && this.maxEnd[i] > r.start; i--) {
      if (this.range(this.items[i]).end > r.start) out.push(this.items[i]);
    }
    out.reverse();
    return out.length > limit ? out.slice(0, limit) : out;
  }

  first(r: { readonly start: bigint; readonly end: bigint }): T | undefined {
    return this.overlapping(r)[0];
  }
}

/**
 * Groups ranges into clusters of transitively overlapping ranges (the
 * connected components of the overlap graph), each in start order; clusters
 * of one range are left out.
 */
export function overlapClusters<T>(
  items: readonly T[],
  range: (t: T) => { readonly start: bigint; readonly end: bigint },
): T[][] {
  const sorted = [...items].sort(
    (a, b) => cmpBig(range(a).start, range(b).start) || cmpBig(range(a).end, range(b).end),
  );
  const out: T[][] = [];
  let cur: T[] = [];
  let end = -1n;
  for (const it of sorted) {
    const r = range(it);
    if (cur.length > 0 && r.start < end) {
      cur.push(it);
      if (r.end > end) end = r.end;
    } else {
      if (cur.length > 1) out.push(cur);
      cur = [it];
      end = r.end;
    }
  }
  if (cur.length > 1) out.push(cur);
  return out;
}

export function cmpBig(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * A union of ranges as sorted, disjoint, merged intervals with binary-search
 * queries, so checking thousands of io-memory ranges against the RAM banks or
 * the invalid regions stays O(n log m).
 */
export class RangeSet {
  private readonly starts: bigint[] = [];
  private readonly ends: bigint[] = [];

  constructor(ranges: Iterable<{ readonly start: bigint; readonly end: bigint }>) {
    const list = [...ranges].filter((r) => r.end > r.start).sort((a, b) => cmpBig(a.start, b.start));
    for (const r of list) {
      const n = this.ends.length;
      if (n > 0 && r.start <= this.ends[n - 1]) {
        if (r.end > this.ends[n - 1]) this.ends[n - 1] = r.end;
      } else {
        this.starts.push(r.start);
        this.ends.push(r.end);
      }
    }
  }

  /** Index of the first interval whose end is past `addr`. */
  private firstEndingAfter(addr: bigint): number {
    let lo = 0;
    let hi = this.ends.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ends[mid] <= addr) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  intersects(r: { readonly start: bigint; readonly end: bigint }): boolean {
    const i = this.firstEndingAfter(r.start);
    return i < this.starts.length && this.starts[i] < r.end;
  }

  covers(r: { readonly start: bigint; readonly end: bigint }): boolean {
    return this.uncovered(r).length === 0;
  }

  /** The parts of `r` inside the set. */
  covered(r: { readonly start: bigint; readonly end: bigint }): { start: bigint; end: bigint }[] {
    const out: { start: bigint; end: bigint }[] = [];
    for (let i = this.firstEndingAfter(r.start); i < this.starts.length && this.starts[i] < r.end; i++) {
      out.push({
        start: this.starts[i] > r.start ? this.starts[i] : r.start,
        end: this.ends[i] < r.end ? this.ends[i] : r.end,
      });
    }
    return out;
  }

  /** The parts of `r` outside the set. */
  uncovered(r: { readonly start: bigint; readonly end: bigint }): { start: bigint; end: bigint }[] {
    const out: { start: bigint; end: bigint }[] = [];
    let pos = r.start;
    for (let i = this.firstEndingAfter(r.start); i < this.starts.length && this.starts[i] < r.end; i++) {
      if (this.starts[i] > pos) out.push({ start: pos, end: this.starts[i] });
      pos = this.ends[i];
    }
    if (pos < r.end) out.push({ start: pos, end: r.end });
    return out;
  }

  get size(): number {
    return this.starts.length;
  }
}
