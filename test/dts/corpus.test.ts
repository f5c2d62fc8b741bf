// The shared corpus: every MANIFEST row without special flags (or only -i)
// parses to a tree whose DTB equals dtc's reference output (after the
// reference fixups in runChecks, and overlay fixups for plugins); rows where
// dtc exits 1 give no tree; rows where dtc exits 2 parse (the checks fail).
// Where a reference `-O dts` output exists, printDts of the same tree must equal it.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parseDts } from '../../src/dts/parse.js';
import { writeDtb } from '../../src/dtb/write.js';
import { printDts } from '../../src/dts/print.js';
import { runChecks } from '../../src/checks/index.js';
import { TreeIndex } from '../../src/dt/lookup.js';
import { generateFixups, generateLocalFixups } from '../../src/dt/generate.js';

const ROOT = '/work/shared/corpus/dts';
const MANIFEST = join(ROOT, 'MANIFEST.tsv');
const skip = existsSync(MANIFEST) ? false : 'shared corpus not present';

interface Row {
  file: string;
  includeDirs: string[];
  exit: number;
  dtb?: string;
  outDts?: string;
}

function rows(): Row[] {
  const out: Row[] = [];
  const lines = readFileSync(MANIFEST, 'utf8')
    .split('\n')
    .filter((l) => l && !l.startsWith('#'));
  for (const line of lines.slice(1)) {
    const [file, , flags, exitDtb, , outputs] = line.split('\t');
    const fl = flags === '(none)' ? [] : flags.split(' ');
    const includeDirs: string[] = [];
    let special = false;
    for (let i = 0; i < fl.length; i++) {
      if (fl[i] === '-i') includeDirs.push(fl[++i]);
      else special = true;
    }
    const exit = Number(exitDtb);
    if (special || (exit !== 0 && exit !== 1 && exit !== 2)) continue;
    const dtb = (outputs ?? '').split(',').find((o) => o.endsWith('.dtb') && !o.endsWith('.qemu.dtb'));
    const outDts = (outputs ?? '').split(',').find((o) => o.endsWith('.out.dts'));
    out.push({ file, includeDirs, exit, dtb, outDts });
  }
  return out;
}

describe('shared corpus rows', { skip }, () => {
  for (const row of skip ? [] : rows()) {
    test(`${row.file}${row.includeDirs.map((d) => ` -i ${d}`).join('')} (dtc exit ${row.exit})`, () => {
      const dir = join(ROOT, dirname(row.file));
      const r = parseDts(readFileSync(join(ROOT, row.file), 'latin1'), {
        fileName: basename(row.file),
        includeDirs: row.includeDirs,
        readFile: (p) => {
          const f = p.startsWith('/') ? p : join(dir, p);
          return existsSync(f) ? new Uint8Array(readFileSync(f)) : undefined;
        },
      });
      if (row.exit === 1) {
        assert.equal(r.tree, undefined);
        assert.ok(r.diagnostics.some((d) => d.severity === 'error'));
        return;
      }
      assert.ok(r.tree, r.diagnostics.map((d) => d.message).join('; '));
      if (row.exit === 2 || !row.dtb) return;
      const index = new TreeIndex(r.tree.root);
      runChecks(r.tree, index, { phandleFormat: 'epapr' });
      if (r.tree.plugin) {
        generateFixups(r.tree, index);
        generateLocalFixups(r.tree, index);
      }
      const got = writeDtb(r.tree);
      const want = readFileSync(join(ROOT, row.dtb));
      assert.ok(Buffer.from(got).equals(want), `DTB differs (${got.length} vs ${want.length} bytes)`);
      // The -O dts printer consumes our type/label/reference markers: its output must be dtc's too.
      if (row.outDts && existsSync(join(ROOT, row.outDts)))
        assert.equal(printDts(r.tree), readFileSync(join(ROOT, row.outDts), 'utf8'));
    });
  }
});
