import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { basename } from 'node:path';
import { readDtb } from '../../src/dtb/read.js';
import { writeDtb } from '../../src/dtb/write.js';
import {
  CORPUS,
  corpusBlobs,
  equalBytes,
  firstDiff,
  hasCorpus,
  hasDtc,
  readBytes,
  runDtc,
  skipUnless,
} from './helpers.js';

/**
 * The DTB layer on its own, independent of the DTS parser: every reference
 * blob of the shared corpus is read and written back, and must equal what
 * dtc 1.6.1 writes for it with `-I dtb -O dtb` (identical bytes for the
 * dtc-written ones; dtc's layout for the QEMU dumps).
 */
describe(
  'corpus blobs: writeDtb(readDtb(x)) equals dtc -I dtb -O dtb x',
  skipUnless([hasCorpus, 'no shared corpus'], [hasDtc, 'no /usr/bin/dtc']),
  () => {
    const blobs = corpusBlobs();
    test('the corpus has blobs', () => assert.ok(blobs.length > 100, `only ${blobs.length} blobs`));
    for (const file of blobs) {
      test(basename(file), () => {
        const input = readBytes(file);
        const r = readDtb(input, basename(file));
        assert.ok(r.tree, JSON.stringify(r.diagnostics));
        assert.deepEqual(r.diagnostics, []);
        const ours = writeDtb(r.tree);
        const ref = runDtc(['-f', '-q', '-q', '-q', '-I', 'dtb', '-O', 'dtb', file]);
        assert.equal(ref.status, 0, ref.stderr);
        assert.ok(equalBytes(ours, ref.stdout), `first difference at byte ${firstDiff(ours, ref.stdout)}`);
      });
    }
  },
);

describe(
  'corpus blobs: writer options equal dtc -V/-R/-p/-S/-a',
  skipUnless([hasCorpus, 'no shared corpus'], [hasDtc, 'no /usr/bin/dtc']),
  () => {
    // A sample keeps the run short; each blob is written in every variant.
    const sample = corpusBlobs().filter((_, i) => i % 15 === 0);
    const variants: { args: string[]; opts: Parameters<typeof writeDtb>[1] }[] = [
      { args: ['-V', '1'], opts: { version: 1 } },
      { args: ['-V', '2'], opts: { version: 2 } },
      { args: ['-V', '3'], opts: { version: 3 } },
      { args: ['-V', '16'], opts: { version: 16 } },
      { args: ['-R', '3'], opts: { reserveExtra: 3 } },
      { args: ['-p', '100'], opts: { padBytes: 100 } },
      { args: ['-S', '5000', '-a', '32'], opts: { minSize: 5000, align: 32 } },
      { args: ['-S', '10'], opts: { minSize: 10 } },
      { args: ['-p', '3', '-a', '512'], opts: { padBytes: 3, align: 512 } },
      { args: ['-a', '8'], opts: { align: 8 } },
    ];
    for (const file of sample) {
      test(basename(file), () => {
        const r = readDtb(readBytes(file), basename(file));
        assert.ok(r.tree);
        for (const v of variants) {
          const ours = writeDtb(r.tree, v.opts);
          const ref = runDtc(['-f', '-q', '-q', '-q', ...v.args, '-I', 'dtb', '-O', 'dtb', file]);
          assert.ok(
            equalBytes(ours, ref.stdout),
            `${v.args.join(' ')}: first difference at byte ${firstDiff(ours, ref.stdout)}`,
          );
        }
      });
    }
  },
);

describe(
  'corpus blobs with flag variants are what our writer makes of them',
  skipUnless([hasCorpus, 'no shared corpus']),
  () => {
    // These reference blobs were written by dtc with -V 16 / -R 2 / -p/-S/-a;
    // read back, the v17 rewrite plus the same options must reproduce them.
    const cases: { file: string; opts: Parameters<typeof writeDtb>[1] }[] = [
      { file: 'dtc-tests/test_tree1.V16.dtb', opts: { version: 16 } },
      { file: 'dtc-tests/test_tree1.R2.dtb', opts: { reserveExtra: 0 } },
      { file: 'dtc-tests/subnode_iterate.p1000a64.dtb', opts: { padBytes: 1000, align: 64 } },
      { file: 'dtc-tests/subnode_iterate.S1999a16.dtb', opts: { minSize: 1999, align: 16 } },
    ];
    for (const c of cases) {
      test(c.file, () => {
        const input = readBytes(`${CORPUS}/${c.file}`);
        const r = readDtb(input, c.file);
        assert.ok(r.tree, JSON.stringify(r.diagnostics));
        if (c.file.includes('.R2.')) {
          // -R entries are all zero: the reader stops at the first, so they are not reservations.
          assert.equal(r.tree.memreserves.length, 2);
          assert.ok(equalBytes(writeDtb(r.tree, { reserveExtra: 2 }), input));
        } else {
          assert.ok(equalBytes(writeDtb(r.tree, c.opts), input));
        }
      });
    }
  },
);
