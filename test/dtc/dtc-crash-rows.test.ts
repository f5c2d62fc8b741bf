// The shared-corpus inputs on which dtc 1.6.1 hangs (124) or crashes (134, 139) are never
// imitated (docs/dtc-compat.md): vmshare must simply terminate with a sensible, located result.
// This runs each of them in-process and holds the documented outcomes.
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readTsv } from './harness.js';
import { runDtc } from '../../src/cli/dtc.js';
import { captureIo } from '../../src/cli/io.js';

const root = process.env.VMSHARE_SHARED_CORPUS ?? '/work/shared/corpus/dts';
const manifest = join(root, 'MANIFEST.tsv');

/** What docs/dtc-compat.md promises for the inputs dtc 1.6.1 cannot finish. */
const DOCUMENTED: Record<string, RegExp> = {
  'phandle-args-overflow.dts':
    /warning\[dtc\/clocks_property\]: \/:clocks: property size \(8\) too small for cell size -1/,
  'bad-graph-root1.dts': /warning\[dtc\/graph_nodes\]: \/: root node contains endpoint node/,
  'bad-graph-root2.dts': /warning\[dtc\/graph_nodes\]: \/: root node contains endpoint node/,
  'bad-graph-root3.dts': /warning\[dtc\/graph_nodes\]: \/: root node contains endpoint node/,
  'bad-graph-root4.dts': /warning\[dtc\/graph_nodes\]: \/: root node contains endpoint node/,
  'bad-graph-reg-cells.dts':
    /warning\[dtc\/reg_format\]: \/bar\/ports\/port@2:reg: property has invalid length/,
};

if (!existsSync(manifest)) {
  test('inputs dtc 1.6.1 cannot finish', { skip: `${manifest} not present` }, () => {});
} else {
  const rows = readTsv(manifest);
  const header = rows[0];
  const [cFile, cFlags, cDtb] = ['file', 'dtc_flags', 'exit_dtb'].map((n) => header.indexOf(n));
  const crashRows = rows.slice(1).filter((r) => Number(r[cDtb]) >= 124);
  test('the manifest still lists inputs that dtc 1.6.1 cannot finish', () => assert.ok(crashRows.length > 0));
  for (const row of crashRows) {
    const file = row[cFile];
    const flags = row[cFlags] === '(none)' ? [] : row[cFlags].split(/\s+/).filter((s) => s.length > 0);
    test(`${file} (dtc exit ${row[cDtb]}) compiles to a blob with located warnings`, () => {
      const io = captureIo(join(root, dirname(file)));
      const code = runDtc([...flags, '-O', 'dtb', basename(file)], io);
      const err = io.stderrText();
      assert.equal(code, 0, err);
      assert.deepEqual([...io.stdoutBytes().subarray(0, 4)], [0xd0, 0x0d, 0xfe, 0xed]);
      // Warnings only: located, except dtc's "Failed prerequisite" notes, which name no node.
      for (const line of err.split('\n').filter((l) => /\b(warning|error)\[/.test(l)))
        assert.match(line, /^([^:]+:\d+:\d+: )?warning\[dtc\//);
      assert.match(err, /^[^:\n]+:\d+:\d+: warning\[dtc\//m, 'at least one located warning');
      const want = DOCUMENTED[basename(file)];
      if (want) assert.match(err, want);
    });
  }
}
