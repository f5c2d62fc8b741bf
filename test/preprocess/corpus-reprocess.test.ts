/**
 * Real inputs that were already run through gcc's cpp (they carry line
 * markers) must survive a second pass through our preprocessor: dtc then
 * builds exactly the reference DTB of the shared corpus. Skips when the corpus
 * or dtc is absent.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { preprocess } from '../../src/dts/preprocess/index.js';

const CORPUS = '/work/shared/corpus/dts';
const DTC = '/usr/bin/dtc';
const skip = !existsSync(join(CORPUS, 'MANIFEST.tsv'))
  ? 'shared corpus absent'
  : !existsSync(DTC)
    ? 'dtc not installed'
    : false;

function rows(): string[] {
  if (skip) return [];
  return readFileSync(join(CORPUS, 'MANIFEST.tsv'), 'utf8')
    .split('\n')
    .filter((l) => !l.startsWith('#') && /^(linux|zephyr)\//.test(l))
    .map((l) => l.split('\t'))
    .filter((c) => c[2] === '(none)' && c[3] === '0')
    .map((c) => c[0])
    .filter((f) => existsSync(join(CORPUS, f.replace(/\.dts$/, '.dtb'))));
}

describe('re-preprocessing gcc output from the corpus', { skip }, () => {
  const work = skip ? '' : mkdtempSync(join(tmpdir(), 'vmshare-ppc-'));
  for (const file of rows()) {
    test(file, () => {
      const dir = join(CORPUS, dirname(file));
      const name = file.slice(dirname(file).length + 1);
      const r = preprocess(name, readFileSync(join(CORPUS, file), 'utf8'), {
        includeDirs: [],
        defines: [],
        undefines: [],
        readFile: (p) => {
          const full = p.startsWith('/') ? p : join(dir, p);
          return existsSync(full) ? readFileSync(full, 'utf8') : undefined;
        },
      });
      assert.deepEqual(r.diagnostics, []);
      const src = join(work, name);
      writeFileSync(src, r.text);
      const out = src + '.dtb';
      // -i: dtc-level /include/ files live next to the original input.
      const d = spawnSync(DTC, ['-q', '-i', dir, '-I', 'dts', '-O', 'dtb', '-o', out, src], {
        encoding: 'utf8',
      });
      assert.equal(d.status, 0, d.stderr);
      assert.ok(
        readFileSync(out).equals(readFileSync(join(CORPUS, file.replace(/\.dts$/, '.dtb')))),
        `DTB differs for ${file}`,
      );
    });
  }
  test('cleanup', () => {
    if (work) rmSync(work, { recursive: true, force: true });
  });
});
