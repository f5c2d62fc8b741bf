// Differential test against dtc 1.6.1: for every corpus row, the multiset of
// (check, message) lines our checks produce must equal what dtc printed, and
// the verdict (exit 2 on check errors) must agree.
import { describe, test } from 'node:test';
import { strict as assert } from 'node:assert';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CORPUS_DIR } from './corpus.js';
import { compareRow, eligibleRows } from './corpus-compare.js';

const corpusMissing = existsSync(join(CORPUS_DIR, 'MANIFEST.tsv')) ? false : 'shared corpus is absent';

describe('checks agree with dtc 1.6.1 on the shared corpus', { skip: corpusMissing }, () => {
  for (const row of corpusMissing ? [] : eligibleRows()) {
    const label = `${row.file}${row.flags.length ? ` [${row.flags.join(' ')}]` : ''}`;
    test(label, () => {
      const o = compareRow(row);
      if (o.status === 'parse-error-both') return;
      assert.notEqual(
        o.status,
        'parse-disagree',
        `parser verdict differs from dtc (dtc exit ${row.exitDtb})`,
      );
      assert.deepEqual({ missing: o.missing, extra: o.extra }, { missing: [], extra: [] });
      assert.equal(o.verdict!.ours, o.verdict!.dtc, 'exit status');
      // Stronger: rendered like dtc, the whole stderr is byte-identical.
      assert.equal(o.rendered, o.dtcStderr);
    });
  }
});
