// The benchmark's host-tree generator (bench/gen-host-tree.ts): deterministic, close to the size
// asked for, accepted by dtc 1.6.1 without a single warning, and compiled by us to the same bytes.
import { describe, test } from 'node:test';
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateHostTree, parseSize } from '../../bench/gen-host-tree.js';
import { haveDtc, DTC_PATH, runRealDtc, runOurs, describeBlobDiff } from './harness.js';

describe('host tree generator', () => {
  test('same seed gives the same text, another seed a different one', () => {
    const a = generateHostTree({ targetBytes: 50_000, seed: 7 });
    const b = generateHostTree({ targetBytes: 50_000, seed: 7 });
    const c = generateHostTree({ targetBytes: 50_000, seed: 8 });
    assert.equal(a.text, b.text);
    assert.notEqual(a.text, c.text);
  });

  test('output size lands within 5% of the target', () => {
    for (const target of [200_000, 1_000_000]) {
      const t = generateHostTree({ targetBytes: target });
      assert.ok(
        Math.abs(t.text.length - target) / target < 0.05,
        `${t.text.length} bytes for a ${target} byte target`,
      );
    }
  });

  test('uses every construct the benchmark is meant to stress', () => {
    const { text } = generateHostTree({ targetBytes: 100_000 });
    for (const needle of [
      '/bits/ 8',
      '/bits/ 16',
      '/bits/ 64',
      '&{/',
      '= &',
      '/delete-node/ &',
      '/delete-property/',
      '/delete-node/ debug@',
      'aliases {',
      '/memreserve/',
      '", "',
      '[02 00',
    ]) {
      assert.ok(text.includes(needle), `missing ${needle}`);
    }
  });

  test('parseSize understands KB/MB suffixes', () => {
    assert.equal(parseSize('4MB'), 4_000_000);
    assert.equal(parseSize('512kb'), 512_000);
    assert.equal(parseSize('1000'), 1000);
    assert.throws(() => parseSize('big'));
  });

  test(
    'dtc 1.6.1 accepts a 300 KB tree without warnings, and our DTB is identical',
    { skip: haveDtc ? false : `${DTC_PATH} not installed` },
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'vmshare-gen-'));
      try {
        writeFileSync(join(dir, 'host.dts'), generateHostTree({ targetBytes: 300_000 }).text);
        const theirs = runRealDtc(['-I', 'dts', '-O', 'dtb', 'host.dts'], dir);
        assert.equal(theirs.status, 0, theirs.stderr);
        assert.equal(theirs.stderr, '');
        const ours = runOurs(['-I', 'dts', '-O', 'dtb', 'host.dts'], dir);
        assert.equal(ours.status, 0, ours.stderr);
        assert.ok(ours.out && theirs.out);
        if (!Buffer.from(ours.out).equals(Buffer.from(theirs.out)))
          assert.fail(describeBlobDiff(ours.out, theirs.out));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
