// The installed command (bin/vmshare.js) runs the esbuild bundle in dist/cli, not the
// sources the other tests import: these tests run it as a user does, in its own process,
// and compare what it does with the in-process CLI. `npm test` builds first.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runDtc } from '../../src/cli/dtc.js';
import { captureIo } from '../../src/cli/io.js';

const root = resolve(import.meta.dirname, '..', '..');
const bin = join(root, 'bin', 'vmshare.js');
const built = existsSync(join(root, 'dist', 'cli', 'main.js'));
let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'vmshare-bin-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

function runBin(...argv: string[]) {
  const r = spawnSync(process.execPath, [bin, ...argv], { cwd: root, encoding: 'buffer' });
  return { code: r.status, out: r.stdout, err: r.stderr.toString('utf8') };
}

describe('the installed vmshare command (bundle)', { skip: !built && 'dist/cli not built' }, () => {
  test('dtc writes the same DTB as the in-process compiler', () => {
    const input = 'examples/seed/hypervisor.dts';
    const out = join(dir, 'hv.dtb');
    const r = runBin('dtc', '--cpp', '-i', 'include', '-I', 'dts', '-O', 'dtb', '-o', out, input);
    assert.equal(r.code, 0, r.err);
    const io = captureIo(root);
    assert.equal(runDtc(['--cpp', '-i', 'include', '-I', 'dts', '-O', 'dtb', '-o', 'x.dtb', input], io), 0);
    assert.deepEqual(new Uint8Array(readFileSync(out)), io.written.get(join(root, 'x.dtb')));
  });

  test('dtc reports a syntax error at its location with exit 1 and no stack trace', () => {
    const r = runBin('dtc', '-I', 'dts', '-O', 'dtb', '-o', join(dir, 'bad.dtb'), '-');
    // Standard input is empty: dtc's "syntax error" at the end of <stdin>.
    assert.equal(r.code, 1);
    assert.match(r.err, /<stdin>/);
    assert.doesNotMatch(r.err, /\bat .*\.js:\d+/);
    assert.equal(existsSync(join(dir, 'bad.dtb')), false);
  });

  test('check runs the platform checker on the seed platform', () => {
    const r = runBin('check', 'examples/seed/platform.yaml');
    assert.equal(r.code, 0, r.err);
    assert.match(r.out.toString('utf8'), /0 errors, 0 warnings, 4 infos/);
  });

  test('an unknown command is refused with the usage text and exit 2', () => {
    const r = runBin('frobnicate');
    assert.equal(r.code, 2);
    assert.match(r.err, /unknown command 'frobnicate'/);
  });
});
