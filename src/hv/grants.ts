/**
 * The grant table: records (exporter, importer, page, flags) with reference
 * counts [decision: the same grant twice needs two denies]. For each
 * (importer, page) the store also keeps the set of live flag values as a
 * 16-bit mask, from which hypercall-rules.ts's EFFECT_OF_MASK derives the
 * importer's CPU and DMA access. The mappings are a function of these
 * records; nothing else decides them.
 *
 * Layout: one pair of maps per (exporter, importer), keyed by PA page
 * (masks) and by page * 16 + flags (reference counts). Both keys stay small
 * integers for PAs below 2^39, which keeps the maps on V8's fast path.
 */
import type { VmId } from './addr.js';

export interface GrantRecord {
  readonly exporter: VmId;
  readonly importer: VmId;
  readonly page: number;
  readonly flags: number;
  readonly refs: number;
}

/**
 * A dead record or mask is first left in its map with value 0 (a grant and
 * deny of the same page then never shrinks and regrows the hash table, which
 * would allocate on every pair); the zeros are swept once they outnumber the
 * live entries.
 */
class PairGrants {
  readonly refs = new Map<number, number>();
  readonly masks = new Map<number, number>();
  zeros = 0;

  sweep(): void {
    for (const [k, v] of this.refs) if (v === 0) this.refs.delete(k);
    for (const [k, v] of this.masks) if (v === 0) this.masks.delete(k);
    this.zeros = 0;
  }
}

/** Up to 32 VM ids on each side (0 is the hypervisor, guests 1..31). */
const SIDE = 32;

export class GrantStore {
  readonly #pairs: (PairGrants | undefined)[] = new Array(SIDE * SIDE).fill(undefined);
  readonly #records = new Int32Array(SIDE);

  #pair(exporter: VmId, importer: VmId): PairGrants {
    const k = exporter * SIDE + importer;
    let p = this.#pairs[k];
    if (!p) this.#pairs[k] = p = new PairGrants();
    return p;
  }

  count(exporter: VmId, importer: VmId, page: number, flags: number): number {
    return this.#pairs[exporter * SIDE + importer]?.refs.get(page * 16 + flags) ?? 0;
  }

  /** Mask of live flag values for (importer, page) of this exporter (0 when none). */
  mask(exporter: VmId, importer: VmId, page: number): number {
    return this.#pairs[exporter * SIDE + importer]?.masks.get(page) ?? 0;
  }

  /** Distinct live records of an exporter (what the capacity limit counts). */
  recordsInUse(exporter: VmId): number {
    return this.#records[exporter];
  }

  /** Adds one reference; returns the (importer, page) mask before and after in one number: before | after << 16. */
  add(exporter: VmId, importer: VmId, page: number, flags: number): number {
    const g = this.#pair(exporter, importer);
    const k = page * 16 + flags;
    const old = g.refs.get(k);
    const rc = old ?? 0;
    g.refs.set(k, rc + 1);
    const before = g.masks.get(page) ?? 0;
    if (rc !== 0) return before | (before << 16);
    if (old === 0) g.zeros--;
    this.#records[exporter]++;
    const after = before | (1 << flags);
    g.masks.set(page, after);
    return before | (after << 16);
  }

  /** Drops one reference (the record must be live); same return as `add`. */
  remove(exporter: VmId, importer: VmId, page: number, flags: number): number {
    const g = this.#pair(exporter, importer);
    const k = page * 16 + flags;
    const rc = g.refs.get(k) ?? 0;
    const before = g.masks.get(page) ?? 0;
    if (rc > 1) {
      g.refs.set(k, rc - 1);
      return before | (before << 16);
    }
    g.refs.set(k, 0);
    g.zeros++;
    this.#records[exporter]--;
    const after = before & ~(1 << flags);
    g.masks.set(page, after);
    if (g.zeros > 1024 && g.zeros > 2 * g.refs.size - 2 * g.zeros) g.sweep();
    return before | (after << 16);
  }

  /** Importers holding at least one live record of `exporter`, ascending (a scan of 32 pairs). */
  importersOf(exporter: VmId): VmId[] {
    const out: VmId[] = [];
    for (let i = 0; i < SIDE; i++) {
      const g = this.#pairs[exporter * SIDE + i];
      if (g && g.refs.size - g.zeros > 0) out.push(i);
    }
    return out;
  }

  /** Drops every record matching the filter; returns the affected (exporter, importer, page) with their old masks. */
  dropWhere(
    pred: (exporter: VmId, importer: VmId) => boolean,
  ): { exporter: VmId; importer: VmId; page: number; before: number }[] {
    const out: { exporter: VmId; importer: VmId; page: number; before: number }[] = [];
    this.#pairs.forEach((g, k) => {
      if (!g) return;
      const exporter = Math.floor(k / SIDE);
      const importer = k % SIDE;
      if (!pred(exporter, importer)) return;
      for (const [page, mask] of g.masks)
        if (mask !== 0) out.push({ exporter, importer, page, before: mask });
      this.#records[exporter] -= g.refs.size - g.zeros;
      this.#pairs[k] = undefined;
    });
    return out;
  }

  /**
   * Drops every record matching the filter, like `dropWhere`, but returns per
   * (exporter, importer) pair one Float64Array of `page * 65536 + old mask`,
   * sorted by page: no object per page, a typed-array sort (the revocation
   * sweep of 100,000 grants spends its time here).
   */
  drainPairs(
    pred: (exporter: VmId, importer: VmId) => boolean,
  ): { exporter: VmId; importer: VmId; keys: Float64Array }[] {
    const out: { exporter: VmId; importer: VmId; keys: Float64Array }[] = [];
    this.#pairs.forEach((g, k) => {
      if (!g) return;
      const exporter = Math.floor(k / SIDE);
      const importer = k % SIDE;
      if (!pred(exporter, importer)) return;
      const keys = new Float64Array(g.masks.size);
      let n = 0;
      for (const [page, mask] of g.masks) if (mask !== 0) keys[n++] = page * 65536 + mask;
      const live = keys.subarray(0, n).sort();
      out.push({ exporter, importer, keys: live });
      this.#records[exporter] -= g.refs.size - g.zeros;
      this.#pairs[k] = undefined;
    });
    return out;
  }

  /** Every live record, sorted (snapshots, oracles, dumps). */
  list(): GrantRecord[] {
    const out: GrantRecord[] = [];
    this.#pairs.forEach((g, k) => {
      if (!g) return;
      const exporter = Math.floor(k / SIDE);
      const importer = k % SIDE;
      for (const [key, refs] of g.refs)
        if (refs !== 0) out.push({ exporter, importer, page: Math.floor(key / 16), flags: key % 16, refs });
    });
    return out.sort(
      (a, b) => a.exporter - b.exporter || a.importer - b.importer || a.page - b.page || a.flags - b.flags,
    );
  }
}
