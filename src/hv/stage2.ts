/**
 * One set of stage-2 translation tables (a VM's CPU stage 2, or its SMMU
 * context, which uses the same format).
 *
 * Geometry [decision, Arm ARM "Concatenated translation tables" / VTCR_EL2]:
 * 4 KiB granule, T0SZ = 64 - ipaBits, start level 1 (SL0 = 0b01). A level-1
 * table resolves IPA bits 38:30; a 40-bit IPA needs bit 39 too, which the
 * architecture provides by concatenating 2 level-1 tables at the initial
 * lookup (up to 16 tables: 43 bits). The root is therefore
 * 2^(ipaBits-39) contiguous pages aligned to their total size (one page,
 * partly used, below 39 bits). Levels 1-3; 1 GiB blocks at level 1, 2 MiB
 * blocks at level 2, 4 KiB pages at level 3.
 *
 * Mapping policy: the largest block the range's alignment allows is used;
 * a map or unmap touching part of a block splits it into the next level
 * first (the real hypervisor does break-before-make there: write invalid,
 * TLBI, write the table — the model is single-threaded per hypercall so
 * the intermediate state is never observable); a table whose 512 entries
 * become uniform (same attributes, contiguous aligned output) collapses back
 * into a block; a table whose last valid entry goes is freed. The tables are
 * thus a canonical function of the page-level mapping.
 */
import { PAGE_SIZE } from './addr.js';
import type { Ipa, Pa } from './addr.js';
import {
  ENTRY_SHIFT,
  DESC_TYPE_BLOCK,
  DESC_TYPE_PAGE,
  ENTRY_PAGES,
  LOWER_ATTR_FIELD,
  UPPER_ATTR_FIELD,
  leafHi,
  leafLo,
  oaPageOf,
  tableHi,
  tableLo,
  toBigInt,
} from './descriptor.js';
import type { TablePool } from './table-pool.js';
import { S2_UPPER_XN } from './attributes.js';
import { InvariantError } from '../util/assert.js';

export type WalkResult =
  | {
      readonly ok: true;
      readonly level: number;
      /** The leaf descriptor as a 64-bit value. */
      readonly descriptor: bigint;
      readonly pa: Pa;
      /** Lower attribute field (bits 11:2) and upper attribute field (bits 63:48, as the upper word). */
      readonly lower: number;
      readonly upper: number;
    }
  | { readonly ok: false; readonly kind: 'translation' | 'permission'; readonly level: number };

/** A maximal run of leaves, for ptdump and the invariant checks. */
export interface LeafRun {
  ipaPage: number;
  pageCount: number;
  paPage: number;
  level: number;
  lower: number;
  upper: number;
}

export class Stage2 {
  readonly root: number;
  readonly rootPages: number;
  readonly ipaPageLimit: number;
  /** Scratch output of `lookupPage` (no allocation on the access slow path). */
  outPaPage = 0;
  outLo = 0;
  outHi = 0;

  constructor(
    readonly pool: TablePool,
    readonly ipaBits: number,
  ) {
    this.rootPages = 2 ** Math.max(0, ipaBits - 39);
    this.root = pool.allocContiguous(this.rootPages);
    this.ipaPageLimit = 2 ** (ipaBits - 12);
  }

  private setEntry(page: number, e: number, lo: number, hi: number): void {
    const w = this.pool.words(page);
    const was = w[e] & 1;
    w[e] = lo;
    w[e + 1] = hi;
    const now = lo & 1;
    if (was !== now) this.pool.validCount[page] += now ? 1 : -1;
  }

  private tableIdx(lo: number, hi: number): number {
    return this.pool.idxOfPaPage(oaPageOf(lo, hi));
  }

  /** Maps IPA pages [ipaPage, ipaPage+pageCount) to PA pages from `paPage` with the given attribute words. */
  map(ipaPage: number, paPage: number, pageCount: number, lower: number, upper: number): void {
    if (pageCount <= 0) return;
    if (ipaPage < 0 || ipaPage + pageCount > this.ipaPageLimit)
      throw new InvariantError(`map outside the ${this.ipaBits}-bit IPA space`);
    this.mapLevel(1, this.root, 0, ipaPage, ipaPage + pageCount, paPage - ipaPage, lower, upper);
  }

  private mapLevel(
    level: number,
    tbl: number,
    tblBase: number,
    start: number,
    end: number,
    delta: number,
    lower: number,
    upper: number,
  ): void {
    const span = ENTRY_PAGES[level];
    let ip = start;
    while (ip < end) {
      const i = (ip - tblBase) >>> ENTRY_SHIFT[level]; // IPA pages are < 2^31: integer shifts are exact
      const eStart = tblBase + i * span;
      const eEnd = eStart + span;
      const segEnd = end < eEnd ? end : eEnd;
      const page = tbl + (i >> 9);
      const e = (i & 511) << 1;
      const w = this.pool.words(page);
      if (ip === eStart && segEnd === eEnd && (level === 3 || (eStart + delta) % span === 0)) {
        if (level < 3 && (w[e] & 3) === 3) this.freeTable(level + 1, this.tableIdx(w[e], w[e + 1]));
        this.setEntry(page, e, leafLo(eStart + delta, lower, level), leafHi(eStart + delta, upper));
      } else {
        const child = this.childTable(page, e, level);
        this.mapLevel(level + 1, child, eStart, ip, segEnd, delta, lower, upper);
        this.tryCollapse(page, e, level, child);
      }
      ip = segEnd;
    }
  }

  /** The next-level table under entry (page, e): existing, freshly allocated, or split out of a block. */
  private childTable(page: number, e: number, level: number): number {
    const w = this.pool.words(page);
    const lo = w[e];
    const hi = w[e + 1];
    if ((lo & 3) === 3) return this.tableIdx(lo, hi);
    const child = this.pool.alloc();
    if ((lo & 1) === 1) {
      // Split a block: 512 next-level leaves with the same attributes and consecutive output.
      const span = ENTRY_PAGES[level];
      const childSpan = ENTRY_PAGES[level + 1];
      const oa = oaPageOf(lo, hi) - (oaPageOf(lo, hi) % span);
      const cw = this.pool.words(child);
      for (let j = 0; j < 512; j++) {
        cw[2 * j] = leafLo(oa + j * childSpan, lo, level + 1);
        cw[2 * j + 1] = leafHi(oa + j * childSpan, hi);
      }
      this.pool.validCount[child] = 512;
    }
    const pa = this.pool.paPageOf(child);
    this.setEntry(page, e, tableLo(pa), tableHi(pa));
    return child;
  }

  /** Replaces a full, uniform child table by one block (1 GiB at level 1, 2 MiB at level 2). */
  private tryCollapse(page: number, e: number, level: number, child: number): void {
    if (this.pool.validCount[child] !== 512) return;
    const cw = this.pool.words(child);
    const leafType = level + 1 === 3 ? DESC_TYPE_PAGE : DESC_TYPE_BLOCK;
    const lo0 = cw[0];
    const hi0 = cw[1];
    if ((lo0 & 3) !== leafType) return;
    const oa0 = oaPageOf(lo0, hi0);
    if (oa0 % ENTRY_PAGES[level] !== 0) return;
    const attrLo = lo0 & LOWER_ATTR_FIELD;
    const attrHi = (hi0 & UPPER_ATTR_FIELD) >>> 0;
    const childSpan = ENTRY_PAGES[level + 1];
    for (let j = 1; j < 512; j++) {
      const lo = cw[2 * j];
      const hi = cw[2 * j + 1];
      if (
        (lo & 3) !== leafType ||
        (lo & LOWER_ATTR_FIELD) !== attrLo ||
        (hi & UPPER_ATTR_FIELD) >>> 0 !== attrHi
      )
        return;
      if (oaPageOf(lo, hi) !== oa0 + j * childSpan) return;
    }
    this.pool.release(child);
    this.setEntry(page, e, leafLo(oa0, attrLo, level), leafHi(oa0, attrHi));
  }

  private freeTable(level: number, idx: number): void {
    if (level < 3) {
      const w = this.pool.words(idx);
      for (let j = 0; j < 1024; j += 2)
        if ((w[j] & 3) === 3) this.freeTable(level + 1, this.tableIdx(w[j], w[j + 1]));
    }
    this.pool.release(idx);
  }

  /** Unmaps IPA pages [ipaPage, ipaPage+pageCount); unmapped parts are skipped. */
  unmap(ipaPage: number, pageCount: number): void {
    if (pageCount <= 0) return;
    this.unmapLevel(1, this.root, 0, Math.max(0, ipaPage), Math.min(this.ipaPageLimit, ipaPage + pageCount));
  }

  private unmapLevel(level: number, tbl: number, tblBase: number, start: number, end: number): void {
    const span = ENTRY_PAGES[level];
    let ip = start;
    while (ip < end) {
      const i = (ip - tblBase) >>> ENTRY_SHIFT[level]; // IPA pages are < 2^31: integer shifts are exact
      const eStart = tblBase + i * span;
      const eEnd = eStart + span;
      const segEnd = end < eEnd ? end : eEnd;
      const page = tbl + (i >> 9);
      const e = (i & 511) << 1;
      const w = this.pool.words(page);
      const lo = w[e];
      if ((lo & 1) !== 0) {
        if (ip === eStart && segEnd === eEnd) {
          if (level < 3 && (lo & 3) === 3) this.freeTable(level + 1, this.tableIdx(lo, w[e + 1]));
          this.setEntry(page, e, 0, 0);
        } else {
          const child = this.childTable(page, e, level);
          this.unmapLevel(level + 1, child, eStart, ip, segEnd);
          if (this.pool.validCount[child] === 0) {
            this.pool.release(child);
            this.setEntry(page, e, 0, 0);
          }
        }
      }
      ip = segEnd;
    }
  }

  /**
   * Walks the tables for one IPA page. Returns the leaf level (1..3) and
   * fills outPaPage/outLo/outHi, or -(level + 1) for a translation fault at
   * `level` (level 0 when the IPA is outside the configured IPA size, as a
   * Translation fault at the initial lookup is reported for out-of-range
   * input addresses).
   */
  lookupPage(ipaPage: number): number {
    if (!(ipaPage >= 0 && ipaPage < this.ipaPageLimit)) return -1;
    let tbl = this.root;
    let base = 0;
    for (let level = 1; level <= 3; level++) {
      const span = ENTRY_PAGES[level];
      const i = (ipaPage - base) >>> ENTRY_SHIFT[level];
      const w = this.pool.words(tbl + (i >> 9));
      const e = (i & 511) << 1;
      const lo = w[e];
      const hi = w[e + 1];
      if ((lo & 1) === 0) return -(level + 1);
      if ((lo & 2) === 0) {
        if (level === 3) return -(level + 1); // 0b01 at level 3 is reserved: treated as invalid
        const oa = oaPageOf(lo, hi);
        this.outPaPage = oa - (oa % span) + (ipaPage - base - i * span);
        this.outLo = lo;
        this.outHi = hi;
        return level;
      }
      if (level === 3) {
        this.outPaPage = oaPageOf(lo, hi);
        this.outLo = lo;
        this.outHi = hi;
        return 3;
      }
      tbl = this.tableIdx(lo, hi);
      base += i * span;
    }
    throw new InvariantError('unreachable walk level');
  }

  /**
   * A full walk of one IPA: the leaf descriptor, level, output address and
   * attributes, or the fault. With `access`, a leaf whose S2AP (or, for
   * 'exec', XN or missing read permission) forbids it is a permission fault
   * at the leaf's level.
   */
  walk(ipa: Ipa | number, access?: 'read' | 'write' | 'exec'): WalkResult {
    const ipaPage = Math.floor(ipa / PAGE_SIZE);
    const r = this.lookupPage(ipaPage);
    if (r < 0) return { ok: false, kind: 'translation', level: -r - 1 };
    const s2ap = (this.outLo >>> 6) & 3;
    const allowed =
      access === undefined ||
      (access === 'read' && (s2ap & 1) !== 0) ||
      (access === 'write' && (s2ap & 2) !== 0) ||
      (access === 'exec' && (s2ap & 1) !== 0 && (this.outHi & S2_UPPER_XN) === 0);
    if (!allowed) return { ok: false, kind: 'permission', level: r };
    return {
      ok: true,
      level: r,
      descriptor: toBigInt(this.outLo, this.outHi),
      pa: (this.outPaPage * PAGE_SIZE + (ipa % PAGE_SIZE)) as Pa,
      lower: this.outLo & LOWER_ATTR_FIELD,
      upper: (this.outHi & UPPER_ATTR_FIELD) >>> 0,
    };
  }

  /** Every leaf in IPA order, adjacent leaves with equal attributes and contiguous output coalesced when `coalesce`. */
  leaves(coalesce = true): LeafRun[] {
    const out: LeafRun[] = [];
    const visit = (level: number, tbl: number, tblBase: number, entries: number): void => {
      const span = ENTRY_PAGES[level];
      for (let i = 0; i < entries; i++) {
        const w = this.pool.words(tbl + (i >> 9));
        const e = (i & 511) << 1;
        const lo = w[e];
        const hi = w[e + 1];
        if ((lo & 1) === 0) continue;
        const base = tblBase + i * span;
        if (level < 3 && (lo & 3) === 3) {
          visit(level + 1, this.tableIdx(lo, hi), base, 512);
          continue;
        }
        if (level === 3 && (lo & 3) !== 3) continue;
        const oa = oaPageOf(lo, hi);
        const run: LeafRun = {
          ipaPage: base,
          pageCount: span,
          paPage: oa - (oa % span),
          level,
          lower: lo & LOWER_ATTR_FIELD,
          upper: (hi & UPPER_ATTR_FIELD) >>> 0,
        };
        const last = out[out.length - 1];
        if (
          coalesce &&
          last &&
          last.level === run.level &&
          last.lower === run.lower &&
          last.upper === run.upper &&
          last.ipaPage + last.pageCount === run.ipaPage &&
          last.paPage + last.pageCount === run.paPage
        )
          last.pageCount += run.pageCount;
        else out.push(run);
      }
    };
    visit(1, this.root, 0, Math.min(this.rootPages * 512, 2 ** (this.ipaBits - 30)));
    return out;
  }

  /** Table pages this context uses (root included). */
  tablePages(): number {
    let n = this.rootPages;
    const visit = (level: number, tbl: number, entries: number): void => {
      for (let i = 0; i < entries; i++) {
        const w = this.pool.words(tbl + (i >> 9));
        const e = (i & 511) << 1;
        if (level < 3 && (w[e] & 3) === 3) {
          n++;
          visit(level + 1, this.tableIdx(w[e], w[e + 1]), 512);
        }
      }
    };
    visit(1, this.root, this.rootPages * 512);
    return n;
  }

  /** Raw descriptor words of one table entry (tests, dumps). */
  entry(tbl: number, index: number): { lo: number; hi: number } {
    const w = this.pool.words(tbl + (index >> 9));
    const e = (index & 511) << 1;
    return { lo: w[e], hi: w[e + 1] };
  }
}
