// Differential: small DTS inputs compiled by the installed dtc 1.6.1 and by
// parseDts + runChecks (reference fixups) + writeDtb must give the same DTB
// bytes, and the same success/failure.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDts } from '../../src/dts/parse.js';
import { writeDtb } from '../../src/dtb/write.js';
import { runChecks } from '../../src/checks/index.js';
import { TreeIndex } from '../../src/dt/lookup.js';
import { generateFixups, generateLocalFixups } from '../../src/dt/generate.js';

const DTC = '/usr/bin/dtc';
const skip = existsSync(DTC) ? false : 'dtc is not installed';

const CASES: [string, string][] = [
  [
    'merge keeps property slots',
    '/ { a = <1>; b = "x"; n { p; }; };\n/ { c; a = [01 02]; n { q = <2>; }; m { }; };',
  ],
  [
    'label and path extensions',
    '/ { l: n { x = <1>; }; m@1 { }; };\n&l { y; };\n&{/m@1} { z = <&l>; };\nk: &{/n} { w = &k; };',
  ],
  [
    'deletion and revival',
    '/ { a: n { x = <1>; y = <2>; c { d; }; }; o { }; };\n/delete-node/ &a;\n/ { n { y = <3>; }; };\n/ { o { /delete-property/ nothing; }; };',
  ],
  ['delete inside the defining body', '/ { n { /delete-property/ x; x = <1>; /delete-node/ c; c {}; }; };'],
  [
    'delete-property between blocks',
    '/ { x = <1>; y = <2>; };\n/ { /delete-property/ x; };\n/ { z; x = <5>; };',
  ],
  [
    'values of every kind',
    '/ { a = "s\\x41\\101\\n", <1 2>, /bits/ 8 <1 (-1)>, /bits/ 16 <3>, /bits/ 64 <(1 << 40)>, [de ad be ef], \'c\'; b = <((1 ? 0x10 : 2) + (7 / 2) * (7 % 4))>; };',
  ],
  ['phandle and path references', '/ { n: node { }; m { r = <&n &{/node}>; s = &n, "x", &{/m}; }; };'],
  ['explicit and allocated phandles', '/ { a: a { phandle = <5>; }; b: b { }; c { r = <&b &a &c>; }; };'],
  [
    'omit-if-no-ref',
    '/ { /omit-if-no-ref/ a: a { }; /omit-if-no-ref/ b: b { }; c: c { }; d { r = <&b>; }; };\n/omit-if-no-ref/ &c;',
  ],
  ['boot cpuid from /cpus', '/ { cpus { cpu@3 { reg = <3>; }; }; };'],
  ['memreserves', '/memreserve/ 0x1000 0x2000;\nl: /memreserve/ (1 << 32) 0x10;\n/ { };'],
  ['repeated headers', '/ { };'],
  ['plugin fragments', ''],
  ['errors: props after subnodes', '/ { n { }; p; };'],
  ['errors: unknown extension label', '/ { };\n&nope { };'],
  ['errors: lexical', '/ { p = <08>; };'],
];
CASES[11][1] = '/dts-v1/;\n/ { a; };\n/ { b; };'; // written without the default header below
CASES[12][1] =
  '/dts-v1/;\n/plugin/;\n&ext { a; };\n&{/base/x} { b = <&ext>; };\n/ { l: n { }; };\n&l { c; };\n&ext2 { d; };';

function withHeader(src: string): string {
  return src.startsWith('/dts-v1/') ? src : `/dts-v1/;\n${src}\n`;
}

function dtcBytes(src: string): Uint8Array | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'h2-dtc-'));
  try {
    writeFileSync(join(dir, 't.dts'), src);
    const r = spawnSync(DTC, ['-q', '-O', 'dtb', '-o', join(dir, 't.dtb'), join(dir, 't.dts')], {
      encoding: 'utf8',
    });
    return r.status === 0 ? new Uint8Array(readFileSync(join(dir, 't.dtb'))) : undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function ourBytes(src: string): Uint8Array | undefined {
  const r = parseDts(src, { fileName: 't.dts', readFile: () => undefined });
  if (!r.tree) return undefined;
  const index = new TreeIndex(r.tree.root);
  const c = runChecks(r.tree, index, { phandleFormat: 'epapr' });
  if (c.hasErrors) return undefined;
  if (r.tree.plugin) {
    generateFixups(r.tree, index);
    generateLocalFixups(r.tree, index);
  }
  return writeDtb(r.tree);
}

describe('DTB bytes equal dtc 1.6.1 for the same source', { skip }, () => {
  for (const [name, body] of CASES) {
    test(name, () => {
      const src = withHeader(body);
      const want = dtcBytes(src);
      const got = ourBytes(src);
      if (want === undefined) assert.equal(got, undefined, 'dtc rejects this input');
      else {
        assert.ok(got, 'we reject an input dtc accepts');
        assert.equal(Buffer.from(got).toString('hex'), Buffer.from(want).toString('hex'));
      }
    });
  }
});
