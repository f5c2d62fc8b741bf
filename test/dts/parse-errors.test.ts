// Errors: exact code, position (dtc's span form) and message; no tree whenever dtc exits 1.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parse, firstError } from './helpers.js';
import { parseDts } from '../../src/dts/parse.js';

describe('parse errors', () => {
  const cases: [string, string, string][] = [
    ['missing /dts-v1/', '/ { };\n', 'dts/syntax t.dts:1.1-1.2 syntax error'],
    [
      'bad octal literal',
      '/dts-v1/;\n/ { a = <09>; };\n',
      "dts/lexical t.dts:2.10-2.12 Bad integer literal '09'",
    ],
    [
      '64-bit overflow',
      '/dts-v1/;\n/ { a = <0x1ffffffffffffffff>; };\n',
      "dts/lexical t.dts:2.10-2.29 Integer literal '0x1ffffffffffffffff' out of range",
    ],
    [
      'empty char literal',
      "/dts-v1/;\n/ { a = <''>; };\n",
      'dts/lexical t.dts:2.10-2.12 Empty character literal',
    ],
    [
      'multi-char literal',
      "/dts-v1/;\n/ { a = <'ab'>; };\n",
      'dts/lexical t.dts:2.10-2.14 Character literal has 2 characters instead of 1',
    ],
    [
      'division by zero spans the operation',
      '/dts-v1/;\n/ { b = <(1/0)>; };\n',
      'dts/division-by-zero t.dts:2.11-2.14 Division by zero',
    ],
    [
      'modulo by zero',
      '/dts-v1/;\n/ { b = <(5 % (2 - 2))>; };\n',
      'dts/division-by-zero t.dts:2.11-2.22 Division by zero',
    ],
    [
      'bad /bits/ width',
      '/dts-v1/;\n/ { c = /bits/ 7 <1>; };\n',
      'dts/bits t.dts:2.16-2.17 Array elements must be 8, 16, 32 or 64-bits',
    ],
    [
      'cell out of range',
      '/dts-v1/;\n/ { b = <0x100000000>; };\n',
      'dts/value-range t.dts:2.10-2.21 Value out of range for 32-bit array element',
    ],
    [
      '8-bit out of range (parenthesised span)',
      '/dts-v1/;\n/ { c = /bits/ 8 <(256)>; };\n',
      'dts/value-range t.dts:2.19-2.24 Value out of range for 8-bit array element',
    ],
    [
      'reference in a 16-bit array',
      '/dts-v1/;\n/ { d = /bits/ 16 <&x>; };\n',
      'dts/ref-bits t.dts:2.20-2.22 References are only allowed in arrays with 32-bit elements.',
    ],
    [
      'properties after subnodes',
      '/dts-v1/;\n/ { a; n {}; l: b; c; };\n',
      'dts/props-after-subnodes t.dts:2.14-2.19 Properties must precede subnodes',
    ],
    [
      '/delete-property/ after subnodes',
      '/dts-v1/;\n/ { n {}; /delete-property/ b; };\n',
      'dts/props-after-subnodes t.dts:2.11-2.31 Properties must precede subnodes',
    ],
    [
      'unknown label in an extension',
      '/dts-v1/;\n/ { };\n&nolab { };\n',
      'dts/ref-not-found t.dts:3.1-3.7 Label or path nolab not found',
    ],
    [
      'unknown path in /delete-node/',
      '/dts-v1/;\n/ { };\n/delete-node/ &{/x};\n',
      'dts/ref-not-found t.dts:3.15-3.20 Label or path /x not found',
    ],
    [
      'unknown ref in /omit-if-no-ref/',
      '/dts-v1/;\n/ { };\n/omit-if-no-ref/ &x;\n',
      'dts/ref-not-found t.dts:3.18-3.20 Label or path x not found',
    ],
    [
      'new label on an unknown ref',
      '/dts-v1/;\n/ { };\n l: &{/z} {};\n',
      'dts/ref-not-found t.dts:3.5-3.10 Label or path /z not found',
    ],
    [
      'first block by reference outside a plugin (span is the body)',
      '/dts-v1/;\n&nolab { };\n',
      'dts/ref-not-found t.dts:2.8-2.12 Label or path nolab not found',
    ],
    [
      'header flags differ',
      '/dts-v1/;\n/dts-v1/;\n/plugin/;\n/ { };\n',
      "dts/header-flags t.dts:2.1-3.10 Header flags don't match earlier ones",
    ],
    [
      'unprocessed #include',
      '/dts-v1/;\n/ { a = <1>; };\n#include <foo.h>\n',
      'dts/syntax t.dts:3.1-3.9 syntax error',
    ],
    [
      'label-relative path (1.7+ only)',
      '/dts-v1/;\n/ { a = &{/}; b = &{label/x}; };\n',
      'dts/syntax t.dts:2.19-2.20 syntax error',
    ],
    ['unterminated string', '/dts-v1/;\n/ { b = "abc; };\n', 'dts/syntax t.dts:2.9-2.10 syntax error'],
    [
      'bare identifier in a value',
      '/dts-v1/;\n/ { a = <FOO>; };\n',
      'dts/syntax t.dts:2.10-2.11 syntax error',
    ],
    [
      '/memreserve/ after the tree',
      '/dts-v1/;\n/ { };\n/memreserve/ 0 1;\n',
      'dts/syntax t.dts:3.1-3.13 syntax error',
    ],
    [
      'missing semicolon at EOF points at the trailing whitespace',
      '/dts-v1/;\n/ { }\n',
      'dts/syntax t.dts:2.6-3.1 syntax error',
    ],
    [
      'missing include file is fatal',
      '/dts-v1/;\n/include/ "nope.dtsi"\n',
      'dts/file-not-found t.dts:2.1-2.22 Couldn\'t open "nope.dtsi": No such file or directory',
    ],
    [
      'missing incbin file is fatal',
      '/dts-v1/;\n/ { a = /incbin/("nofile"); };\n',
      'dts/file-not-found t.dts:2.18-2.27 Couldn\'t open "nofile": No such file or directory',
    ],
    [
      'incbin offset beyond a long',
      '/dts-v1/;\n/ { a = /incbin/("b.bin", 0xffffffffffffffff, 2); };\n',
      'dts/incbin-seek t.dts:2.18-2.49 Couldn\'t seek to offset 18446744073709551615 in "b.bin": Invalid argument',
    ],
    [
      'nul in a line marker file name',
      '# 0 "\\0"\n',
      'dts/lexical t.dts:1.1-1.9 nul in line number directive',
    ],
  ];
  for (const [name, src, want] of cases) {
    test(name, () => {
      const r = parse(src, { 'b.bin': 'abcd' });
      assert.equal(r.tree, undefined);
      assert.equal(firstError(r), want);
    });
  }

  test('non-fatal errors keep going, so one run reports several', () => {
    const r = parse("/dts-v1/;\n/ { a = <09>, <(1/0)>; b = <''>; };\n&x { };\n");
    assert.equal(r.tree, undefined);
    assert.deepEqual(
      r.diagnostics.map((d) => d.code),
      ['dts/lexical', 'dts/division-by-zero', 'dts/lexical', 'dts/ref-not-found'],
    );
  });

  test('includes nested more than 200 files deep stop with an error, not a stack overflow', () => {
    const r = parse('/dts-v1/;\n/include/ "self.dtsi"\n', { 'self.dtsi': '/include/ "self.dtsi"\n' });
    assert.equal(r.tree, undefined);
    assert.match(firstError(r), /^dts\/include-depth .*Includes nested too deeply/);
    assert.equal(r.files.length, 200);
  });
});

describe('opt-in syntax error recovery', () => {
  test('by default parsing stops at the first syntax error, like dtc', () => {
    const r = parse('/dts-v1/;\n/ { a = <1 x>; b = [0g]; n { c = ; }; };\n&nolabel { };\n');
    assert.deepEqual(
      r.diagnostics.map((d) => d.code),
      ['dts/syntax'],
    );
  });

  test('with recoverSyntaxErrors every broken item is reported and no tree is produced', () => {
    const r = parseDts(
      '/dts-v1/;\n/ { a = <1 x>; b = [0g]; n { c = ; d; }; e; };\n&nolabel { };\n/ { f = <(1/0)>; };\n',
      {
        fileName: 't.dts',
        readFile: () => undefined,
        recoverSyntaxErrors: true,
      },
    );
    assert.equal(r.tree, undefined);
    assert.deepEqual(
      r.diagnostics.map((d) => `${d.code} ${d.span?.line}.${d.span?.col}`),
      [
        'dts/syntax 2.12',
        'dts/syntax 2.21',
        'dts/syntax 2.34',
        'dts/props-after-subnodes 2.42',
        'dts/ref-not-found 3.1',
        'dts/division-by-zero 4.11',
      ],
    );
  });
});
