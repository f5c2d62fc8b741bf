import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { printDts } from '../../src/dts/print.js';
import { writeDtb } from '../../src/dtb/write.js';
import { CORPUS, equalBytes, firstDiff, hasCorpus, skipUnless } from '../dtb/helpers.js';
import { manifestRows, runPipeline } from './dts-pipeline.js';

const haveLayers =
  existsSync(new URL('../../src/dts/parse.ts', import.meta.url)) &&
  existsSync(new URL('../../src/checks/index.ts', import.meta.url));

/**
 * DTS-sourced trees: parse + checks (+ -A/-@/plugin fixups/-s) and then our
 * printer and writer, against dtc 1.6.1's reference `.out.dts` and `.dtb` of
 * every corpus row that dtc compiled successfully.
 */
describe(
  'corpus DTS rows: printDts and writeDtb equal the dtc 1.6.1 references',
  skipUnless([hasCorpus, 'no shared corpus'], [haveLayers, 'parser/checks not present']),
  () => {
    const rows = hasCorpus ? manifestRows() : [];
    test('the manifest has rows', () => assert.ok(rows.length > 100, `${rows.length} rows`));
    for (const row of rows) {
      test(`${row.file} ${row.flags.join(' ')}`.trim(), () => {
        const r = runPipeline(row);
        assert.ok(r.tree, r.error);
        if (row.dts) assert.equal(printDts(r.tree), readFileSync(join(CORPUS, row.dts), 'latin1'));
        if (row.dtb) {
          const ref = new Uint8Array(readFileSync(join(CORPUS, row.dtb)));
          const ours = writeDtb(r.tree, r.write);
          assert.ok(equalBytes(ours, ref), `first difference at byte ${firstDiff(ours, ref)}`);
        }
      });
    }
  },
);
