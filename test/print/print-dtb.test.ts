import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { basename } from 'node:path';
import { readDtb } from '../../src/dtb/read.js';
import { printDts } from '../../src/dts/print.js';
import { corpusBlobs, hasCorpus, hasDtc, readBytes, runDtc, skipUnless } from '../dtb/helpers.js';

/** DTB-sourced trees carry no markers: every value's type is guessed as dtc 1.6.1 does. */
describe(
  'corpus blobs: printDts(readDtb(x)) equals dtc -I dtb -O dts x',
  skipUnless([hasCorpus, 'no shared corpus'], [hasDtc, 'no /usr/bin/dtc']),
  () => {
    for (const file of corpusBlobs()) {
      test(basename(file), () => {
        const r = readDtb(readBytes(file), basename(file));
        assert.ok(r.tree);
        const ref = runDtc(['-f', '-q', '-q', '-q', '-I', 'dtb', '-O', 'dts', file]);
        assert.equal(printDts(r.tree), ref.stdout.toString('latin1'));
      });
    }
  },
);
