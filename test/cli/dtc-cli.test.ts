import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDtc } from '../../src/cli/dtc.js';
import { captureIo } from '../../src/cli/io.js';

let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'vmshare-cli-'));
  const files: Record<string, string> = {
    'ok.dts': '/dts-v1/;\n/ { compatible = "x"; r = <&n>; n: node { v = <1>; }; };\n',
    'warn.dts': '/dts-v1/;\n/ { node@1 { }; };\n',
    'checkerr.dts': '/dts-v1/;\n/ { r = <&missing>; };\n',
    'syntax.dts': '/dts-v1/;\n/ { a = <1> };\n',
    'multi.dts': '/dts-v1/;\n/ {\n\ta = <1 2;\n\tb = "x";\n\tc = [0g];\n\tn { d = <&>; };\n};\n',
    'inc.dts': '/dts-v1/;\n/include/ "sub/part.dtsi"\n/ { b = /incbin/("blob.bin"); };\n',
    'sub/part.dtsi': '/ { a; };\n',
    'blob.bin': 'AB',
    'cpp.dts': '/dts-v1/;\n#include "defs.h"\n/ { v = <VALUE>; };\n',
    'defs.h': '#ifndef VALUE\n#define VALUE 7\n#endif\n',
  };
  mkdirSync(join(dir, 'sub'));
  for (const [n, t] of Object.entries(files)) writeFileSync(join(dir, n), t);
});
after(() => rmSync(dir, { recursive: true, force: true }));

function run(...argv: string[]) {
  const io = captureIo(dir);
  const code = runDtc(argv, io);
  return { code, io, err: io.stderrText(), out: io.stdoutBytes() };
}

describe('vmshare dtc command line', () => {
  test('compiles to a file and prints nothing on a clean tree', () => {
    const r = run('-I', 'dts', '-O', 'dtb', '-o', 'ok.dtb', 'ok.dts');
    assert.equal(r.code, 0, r.err);
    assert.equal(r.err, '');
    const dtb = r.io.written.get(join(dir, 'ok.dtb'));
    assert.ok(dtb && dtb[0] === 0xd0 && dtb[1] === 0x0d, 'a DTB was written');
  });

  test('-o - (the default) writes the blob to standard output', () => {
    const r = run('ok.dts');
    assert.equal(r.code, 0);
    assert.deepEqual([...r.out.subarray(0, 4)], [0xd0, 0x0d, 0xfe, 0xed]);
  });

  test('the output format follows the output name when -O is absent', () => {
    const r = run('-o', 'x.dts', 'ok.dts');
    assert.equal(r.code, 0);
    assert.match(new TextDecoder().decode(r.io.written.get(join(dir, 'x.dts'))), /^\/dts-v1\/;/);
  });

  test('a syntax error exits 1 with a located message and writes no file', () => {
    const r = run('-o', 'bad.dtb', 'syntax.dts');
    assert.equal(r.code, 1);
    assert.match(r.err, /syntax\.dts:2:\d+: error\[dts\//);
    assert.equal(r.io.written.size, 0);
  });

  test('every syntax error of a file is reported in one run, each located', () => {
    const r = run('-o', 'multi.dtb', 'multi.dts');
    assert.equal(r.code, 1);
    const located = r.err.match(/^multi\.dts:\d+:\d+: error\[dts\/syntax\]/gm) ?? [];
    assert.deepEqual(
      located.map((l) => l.split(':')[1]),
      ['3', '5', '6'],
    );
    assert.equal(r.io.written.size, 0);
  });

  test('a check error exits 2 and writes no file; -f forces the output', () => {
    const r = run('-o', 'bad.dtb', 'checkerr.dts');
    assert.equal(r.code, 2);
    assert.match(r.err, /error\[dtc\/phandle_references\]/);
    assert.equal(r.io.written.size, 0);
    const f = run('-f', '-o', 'bad.dtb', 'checkerr.dts');
    assert.equal(f.code, 0);
    assert.match(f.err, /output forced/);
    assert.equal(f.io.written.size, 1);
  });

  test('warnings are printed and -q silences them', () => {
    const loud = run('warn.dts');
    assert.match(loud.err, /warning\[dtc\/unit_address_vs_reg\]/);
    assert.equal(run('-q', 'warn.dts').err, '');
    assert.equal(run('-Wno-unit_address_vs_reg', 'warn.dts').err, '');
  });

  test('-E turns a warning into an error (exit 2)', () => {
    assert.equal(run('-Eunit_address_vs_reg', 'warn.dts').code, 2);
  });

  test('an unknown check name is refused', () => {
    const r = run('-Wno-such_check', 'ok.dts');
    assert.equal(r.code, 1);
    assert.match(r.err, /such_check/);
  });

  test('-d writes a make dependency file naming every file read, as dtc does', () => {
    const r = run('-d', 'dep.d', '-o', 'inc.dtb', 'inc.dts');
    assert.equal(r.code, 0, r.err);
    assert.equal(
      new TextDecoder().decode(r.io.written.get(join(dir, 'dep.d'))),
      'inc.dtb: inc.dts sub/part.dtsi blob.bin\n',
    );
  });

  test('--cpp runs the preprocessor; -D implies it and wins over the header default', () => {
    const plain = run('cpp.dts');
    assert.equal(plain.code, 1, 'without --cpp an #include line is a syntax error, as in dtc');
    const pp = run('--cpp', '-O', 'dts', 'cpp.dts');
    assert.equal(pp.code, 0, pp.err);
    assert.match(new TextDecoder().decode(pp.out), /v = <0x07>;/);
    const d = run('-DVALUE=9', '-O', 'dts', 'cpp.dts');
    assert.match(new TextDecoder().decode(d.out), /v = <0x09>;/);
  });

  const refused: [string, string[], RegExp][] = [
    ['-p with -S', ['-p', '16', '-S', '64', 'ok.dts'], /Can't set both -p and -S/],
    ['-a not a power of two', ['-a', '3', 'ok.dts'], /-a option/],
    ['-I fs', ['-I', 'fs', 'ok.dts'], /"fs".*not supported/],
    ['-O asm', ['-O', 'asm', 'ok.dts'], /"asm" is not supported/],
    ['an unknown blob version', ['-V', '5', 'ok.dts'], /Unknown device tree blob version 5/],
    ['-H with a bad value', ['-H', 'new', 'ok.dts'], /-H option/],
    ['a missing input file', ['nope.dts'], /Couldn't open "nope.dts"/],
    ['two input files', ['ok.dts', 'warn.dts'], /more than one input file/],
    ['-T', ['-T', 'ok.dts'], /not supported/],
  ];
  for (const [name, argv, msg] of refused) {
    test(`refuses ${name} with exit 1 and a clear message`, () => {
      const r = run(...argv);
      assert.equal(r.code, 1);
      assert.match(r.err, msg);
      assert.equal(r.io.written.size, 0);
    });
  }

  test('-v and -h answer on standard output', () => {
    assert.match(new TextDecoder().decode(run('-v').out), /DTC 1\.6\.1/);
    assert.match(new TextDecoder().decode(run('-h').out), /Usage: vmshare dtc/);
  });
});
