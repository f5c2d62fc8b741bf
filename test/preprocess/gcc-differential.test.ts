/**
 * Differential test against gcc's preprocessor as the Linux kernel runs it for
 * .dts files: both outputs are compiled with dtc and must give identical DTB
 * bytes (which ignores whitespace and line-marker differences). Skips when
 * `cpp` or `dtc` is not installed.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { preprocess } from '../../src/dts/preprocess/index.js';

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const DTC = '/usr/bin/dtc';
const CPP_FLAGS = ['-nostdinc', '-undef', '-x', 'assembler-with-cpp', '-D__DTS__', '-Iinclude'];

const cppMissing = spawnSync('cpp', ['--version']).status !== 0;
const skip = cppMissing ? 'gcc cpp not installed' : !existsSync(DTC) ? 'dtc not installed' : false;

function dtb(
  dir: string,
  name: string,
  text: string,
): { status: number | null; bytes: Buffer; stderr: string } {
  const src = join(dir, name + '.dts');
  const out = join(dir, name + '.dtb');
  writeFileSync(src, text);
  const r = spawnSync(DTC, ['-q', '-I', 'dts', '-O', 'dtb', '-o', out, src], { encoding: 'utf8' });
  return { status: r.status, bytes: r.status === 0 ? readFileSync(out) : Buffer.alloc(0), stderr: r.stderr };
}

describe('same DTB as gcc cpp + dtc', { skip }, () => {
  const fixtures = skip
    ? []
    : readdirSync(FIXTURES)
        .filter((f) => f.endsWith('.dts'))
        .sort();
  const work = skip ? '' : mkdtempSync(join(tmpdir(), 'vmshare-pp-'));
  for (const file of fixtures) {
    test(file, () => {
      const gcc = spawnSync('cpp', [...CPP_FLAGS, file], { cwd: FIXTURES, encoding: 'utf8' });
      assert.equal(gcc.status, 0, gcc.stderr);
      const ours = preprocess(file, readFileSync(join(FIXTURES, file), 'utf8'), {
        includeDirs: ['include'],
        defines: [],
        undefines: [],
        readFile: (p) => {
          const full = p.startsWith('/') ? p : join(FIXTURES, p);
          return existsSync(full) ? readFileSync(full, 'utf8') : undefined;
        },
      });
      assert.deepEqual(ours.diagnostics, []);
      const base = file.replace(/\.dts$/, '');
      const g = dtb(work, base + '.gcc', gcc.stdout);
      const o = dtb(work, base + '.ours', ours.text);
      assert.equal(g.status, 0, `dtc on gcc output: ${g.stderr}`);
      assert.equal(o.status, 0, `dtc on our output: ${o.stderr}`);
      assert.ok(g.bytes.equals(o.bytes), `DTB differs for ${file}`);
    });
  }
  test('cleanup', () => {
    if (work) rmSync(work, { recursive: true, force: true });
  });
});
