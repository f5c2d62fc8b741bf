import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { pp, squash, diagLines } from './helpers.js';

/** `#if <expr>` rows: expected truth value (checked against gcc 12 cpp). */
const IF_EXPRESSIONS: [expr: string, truth: boolean][] = [
  ['1', true],
  ['0', false],
  ['UNKNOWN_IDENTIFIER', false],
  ['UNKNOWN_FN(1) == 0', false], // gcc: missing binary operator; see the error test below
  ['defined X', true],
  ['defined(X) && !defined(Y)', true],
  ['defined ( X )', true],
  ['X == 1', true],
  ['-1 < 0', true],
  ['-1 < 0u', false],
  ['~0u == 0xffffffffffffffff', true],
  ['0xffffffffffffffff == -1', true],
  ['18446744073709551615u > 0', true],
  ['0x7fffffffffffffff + 0 > 0', true],
  ['(1 << 63) < 0', true],
  ['(1u << 63) > 0', true],
  ['1 << 64 == 0', true],
  ['-1 >> 1 == -1', true],
  ['-8 / 3 == -2 && -8 % 3 == -2', true],
  ['10 / 3 * 3 + 10 % 3 == 10', true],
  ['1 ? 2 : 3 == 2', true],
  ['0 ? 1 : 0u - 1 > 0', true],
  ['(0, 5) == 5', true],
  ["'a' == 97 && '\\n' == 10 && '\\377' < 0 && '\\x41' == 65", true],
  ['0 && (1 / 0)', false],
  ['1 || (1 / 0)', true],
  ['1 ? 1 : 1 % 0', true],
  ['010 == 8 && 0x10 == 16 && 0b101 == 5', true],
  ['2 > 1 == 1', true],
  ['(3 & 5) == 1 && (3 | 5) == 7 && (3 ^ 5) == 6', true],
  ['!0 + !5 == 1', true],
  ['0x10ULL == 16 && 7lu == 7', true],
  ['__DTS__', true],
  ['LVL(2) == 4', true],
];

describe('#if expressions', () => {
  for (const [expr, truth] of IF_EXPRESSIONS) {
    if (expr.startsWith('UNKNOWN_FN')) continue;
    test(`#if ${expr}`, () => {
      const r = pp(`#define X 1\n#define LVL(n) ((n) * 2)\n#if ${expr}\nyes\n#else\nno\n#endif\n`);
      assert.deepEqual(
        r.diagnostics.filter((d) => d.severity === 'error'),
        [],
      );
      assert.equal(squash(r.text), truth ? 'yes' : 'no');
    });
  }
});

describe('conditional groups', () => {
  test('#elif chains take the first true group only', () => {
    const src =
      '#define V 2\n#if V == 1\none\n#elif V == 2\ntwo\n#elif V >= 2\nthree\n#else\nother\n#endif\n';
    assert.equal(squash(pp(src).text), 'two');
  });

  test('#ifdef / #ifndef', () => {
    assert.equal(
      squash(pp('#define A\n#ifdef A\na\n#endif\n#ifndef A\nnot-a\n#endif\n#ifndef B\nnot-b\n#endif\n').text),
      'a\nnot-b',
    );
  });

  test('skipped groups ignore directives, including #error and bad expressions', () => {
    const r = pp(
      '#if 0\n#error no\n#include "missing.h"\n#if 1/0\n#endif\n#elif garbage (\n#else\nok\n#endif\n',
    );
    // gcc evaluates nothing once the group is taken or skipped; `#elif garbage (` is evaluated
    // here because no earlier group was taken, so it is reported.
    assert.deepEqual(diagLines(r), [
      'error cpp/if-syntax t.dts:6:15 missing binary operator before token "("',
    ]);
  });

  test('no #elif evaluation after a taken group', () => {
    const r = pp('#if 1\nok\n#elif 1/0\n#endif\n');
    assert.deepEqual(diagLines(r), []);
    assert.equal(squash(r.text), 'ok');
  });

  test('unbalanced and unterminated conditionals are located errors', () => {
    const r = pp('#endif\n#else\n#elif 1\n#if 1\n#else\n#else\n#elif 1\n#endif\n  #ifdef Z\n');
    assert.deepEqual(diagLines(r), [
      'error cpp/unbalanced-conditional t.dts:1:1 #endif without #if',
      'error cpp/unbalanced-conditional t.dts:2:1 #else without #if',
      'error cpp/unbalanced-conditional t.dts:3:1 #elif without #if',
      'error cpp/unbalanced-conditional t.dts:6:1 #else after #else (the #if is at line 4)',
      'error cpp/unbalanced-conditional t.dts:7:1 #elif after #else (the #if is at line 4)',
      'error cpp/unterminated-conditional t.dts:9:3 unterminated #ifdef (no matching #endif before the end of t.dts)',
    ]);
    assert.equal(pp('#if 1\n').ok, false);
  });

  test('a conditional left open in an included file is reported there', () => {
    const r = pp('#include "a.h"\n#endif\n', { 'a.h': '#ifndef G\n#define G\n' });
    assert.deepEqual(diagLines(r), [
      'error cpp/unterminated-conditional a.h:1:1 unterminated #ifndef (no matching #endif before the end of a.h)',
      'error cpp/unbalanced-conditional t.dts:2:1 #endif without #if',
    ]);
    assert.deepEqual(r.diagnostics[0].span?.includedFrom, [{ file: 't.dts', line: 1 }]);
  });

  test('#if expression errors name the offending token and position', () => {
    const cases: [string, string][] = [
      ['#if\n#endif', 'error cpp/if-syntax t.dts:1:1 #if with no expression'],
      ['#if 1 / 0\n#endif', 'error cpp/division-by-zero t.dts:1:7 division by zero in #if'],
      ['#if 5 % (2 - 2)\n#endif', 'error cpp/division-by-zero t.dts:1:7 division by zero in #if'],
      ['#if (1\n#endif', "error cpp/if-syntax t.dts:1:5 missing ')' in expression"],
      ['#if ()\n#endif', "error cpp/if-syntax t.dts:1:5 missing expression between '(' and ')'"],
      ['#if 1 2\n#endif', 'error cpp/if-syntax t.dts:1:7 missing binary operator before token "2"'],
      ['#if FN(1)\n#endif', 'error cpp/if-syntax t.dts:1:7 missing binary operator before token "("'],
      ['#if 1 ? 2\n#endif', "error cpp/if-syntax t.dts:1:7 '?' without following ':'"],
      ['#if 1.5\n#endif', 'error cpp/if-syntax t.dts:1:5 floating constant "1.5" in preprocessor expression'],
      ['#if 09\n#endif', 'error cpp/if-syntax t.dts:1:5 invalid digit "9" in octal constant'],
      ['#if 1x\n#endif', 'error cpp/if-syntax t.dts:1:5 invalid suffix "x" on integer constant'],
      [
        '#if "s"\n#endif',
        'error cpp/if-syntax t.dts:1:5 token ""s"" is not valid in preprocessor expressions',
      ],
      ['#if defined\n#endif', 'error cpp/if-syntax t.dts:1:5 operator "defined" requires an identifier'],
      ['#if defined(X\n#endif', 'error cpp/if-syntax t.dts:1:5 missing \')\' after "defined"'],
      ["#if ''\n#endif", 'error cpp/if-syntax t.dts:1:5 empty character constant'],
      ['#if 1)\n#endif', "error cpp/if-syntax t.dts:1:6 missing '(' in expression"],
      [
        '#if 1 +\n#endif',
        'error cpp/if-syntax t.dts:1:7 #if expression ends after "+" where an operand was expected',
      ],
    ];
    for (const [src, diag] of cases) assert.deepEqual(diagLines(pp(src + '\n')), [diag], src);
  });

  test('#if warnings: overflow and large constants', () => {
    assert.deepEqual(
      diagLines(pp('#if 0x7fffffffffffffff + 1\n#endif\n#if 18446744073709551615 == -1\n#endif\n')),
      [
        'warning cpp/integer-overflow t.dts:1:24 integer overflow in preprocessor expression',
        'warning cpp/integer-constant t.dts:3:5 integer constant "18446744073709551615" is so large that it is unsigned',
      ],
    );
  });

  test('__has_include', () => {
    const r = pp('#if __has_include("a.h") && !__has_include(<b.h>)\nyes\n#endif\n', { 'a.h': '' });
    assert.equal(squash(r.text), 'yes');
  });
});
