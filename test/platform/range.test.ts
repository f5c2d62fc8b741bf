import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  formatSize,
  IntervalIndex,
  overlapClusters,
  RangeSet,
  sweepOverlaps,
} from '../../src/platform/range.js';

/** Property tests of the range helpers against deliberately naive oracles (a pairwise scan, a per-unit bitmap). */
const arbRanges = fc.array(
  fc
    .tuple(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 1, max: 12 }))
    .map(([s, n]) => ({ start: BigInt(s), end: BigInt(s + n) })),
  { maxLength: 25 },
);
const arbQuery = fc
  .tuple(fc.integer({ min: 0, max: 70 }), fc.integer({ min: 1, max: 15 }))
  .map(([s, n]) => ({ start: BigInt(s), end: BigInt(s + n) }));
const ov = (a: { start: bigint; end: bigint }, b: { start: bigint; end: bigint }): boolean =>
  a.start < b.end && b.start < a.end;

test('sweepOverlaps reports exactly the ranges that overlap another, each with a true partner', () => {
  fc.assert(
    fc.property(arbRanges, (rs) => {
      const items = rs.map((r, i) => ({ ...r, i }));
      const reported = new Map<number, number>();
      sweepOverlaps(
        items,
        (x) => x,
        (a, b) => {
          assert.ok(ov(a, b) && a.i !== b.i, 'partner overlaps');
          reported.set(a.i, (reported.get(a.i) ?? 0) + 1);
        },
      );
      for (const a of items) {
        const overlapsSome = items.some((b) => b.i !== a.i && ov(a, b));
        assert.equal(reported.has(a.i), overlapsSome, `range ${a.i}`);
        assert.ok((reported.get(a.i) ?? 0) <= 2);
      }
    }),
  );
});

test('RangeSet and IntervalIndex agree with a per-unit bitmap', () => {
  fc.assert(
    fc.property(arbRanges, arbQuery, (rs, q) => {
      const covered = new Set<number>();
      for (const r of rs) for (let u = Number(r.start); u < Number(r.end); u++) covered.add(u);
      const set = new RangeSet(rs);
      const inQ = [...Array(Number(q.end - q.start)).keys()].map((k) => Number(q.start) + k);
      assert.equal(
        set.intersects(q),
        inQ.some((u) => covered.has(u)),
      );
      assert.equal(
        set.covers(q),
        inQ.every((u) => covered.has(u)),
      );
      const unc = set
        .uncovered(q)
        .flatMap((r) => [...Array(Number(r.end - r.start)).keys()].map((k) => Number(r.start) + k));
      assert.deepEqual(
        unc,
        inQ.filter((u) => !covered.has(u)),
      );
      const idx = new IntervalIndex(
        rs.map((r, i) => ({ ...r, i })),
        (x) => x,
      );
      assert.deepEqual(
        idx
          .overlapping(q)
          .map((x) => x.i)
          .sort((a, b) => a - b),
        rs.map((r, i) => (ov(r, q) ? i : -1)).filter((i) => i >= 0),
      );
    }),
  );
});

test('overlapClusters groups transitively overlapping ranges', () => {
  const c = overlapClusters(
    [
      { start: 0n, end: 2n },
      { start: 1n, end: 4n },
      { start: 3n, end: 5n },
      { start: 9n, end: 10n },
    ],
    (x) => x,
  );
  assert.equal(c.length, 1);
  assert.equal(c[0].length, 3);
});

test('sizes read as people write them', () => {
  assert.equal(formatSize(64n << 20n), '64 MiB');
  assert.equal(formatSize(4096n), '4 KiB');
  assert.equal(formatSize(3n << 29n), '1.5 GiB');
  assert.equal(formatSize(4097n), '4097 bytes');
  assert.equal(formatSize(100n), '100 bytes');
});
