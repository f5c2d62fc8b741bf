import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { pp, squash, diagLines } from './helpers.js';

// Each row: source, expected output (markers/blank lines dropped, whitespace runs
// collapsed). Expected texts were checked against gcc 12's
// `cpp -nostdinc -undef -x assembler-with-cpp`.
const EXPANSIONS: [name: string, src: string, out: string][] = [
  ['object-like', '#define BASE 0x1000\nreg = <BASE>;', 'reg = <0x1000>;'],
  ['empty body', '#define E\na E b', 'a b'],
  ['function-like with arithmetic', '#define ADD(a, b) ((a) + (b))\nx = <ADD(1, 2)>;', 'x = <((1) + (2))>;'],
  ['nested invocation', '#define ADD(a, b) ((a) + (b))\nADD(ADD(1,2),3)', '((((1) + (2))) + (3))'],
  ['name without ( is not an invocation', '#define F(x) x\nF = 1; F', 'F = 1; F'],
  ['( on a following line', '#define F(x) [x]\nF\n(1)', '[1]'],
  ['arguments spanning lines', '#define T(a,b,c) <a b c>\np = T(1,\n 2,\n 3);', 'p = <1 2 3>;'],
  ['parenthesised commas', '#define F(a, b) a|b\nF((1,2), 3)', '(1,2)|3'],
  ['stringify', '#define S(x) #x\nS(a  +  "q\\n")', '"a + \\"q\\\\n\\""'],
  ['stringify empty', '#define S(x) #x\nS()', '""'],
  ['stringify after expansion', '#define S(x) #x\n#define X(x) S(x)\n#define V 3\nX(V) S(V)', '"3" "V"'],
  ['paste identifiers', '#define L(n) label_##n\nL(7): x;', 'label_7: x;'],
  ['paste hex number', '#define H(x) 0x##x\n<H(ff)>', '<0xff>'],
  ['paste three', '#define C(a,b,c) a##b##c\nC(1,2,3)', '123'],
  ['paste with empty operand', '#define C(a,b) a##b\n[C(,x)] [C(y,)] [C(,)]', '[x] [y] []'],
  ['invalid paste keeps both tokens (assembler mode)', '#define P(a,b) a##b\nP(&,x) P(x,-)', '&x x-'],
  [
    'invalid paste keeps the argument whitespace',
    '#define N(n,a) n##@##a\nN(uart,1000) N(uart, 1000)',
    'uart@1000 uart@ 1000',
  ],
  ['variadic', '#define V(...) <__VA_ARGS__>\nV(1, 2 3)', '<1, 2 3>'],
  ['named variadic', '#define V(args...) <args>\nV(4 5)', '<4 5>'],
  [
    'GNU comma: absent variable arguments drop the comma',
    '#define C(x,...) f(x, ## __VA_ARGS__)\nC(1) C(1,2)',
    'f(1) f(1,2)',
  ],
  ['GNU comma: present but empty keeps it', '#define C(x,...) f(x, ## __VA_ARGS__)\nC(1,)', 'f(1,)'],
  ['self-reference terminates', '#define foo foo + 1\nfoo', 'foo + 1'],
  ['mutual recursion terminates', '#define a b\n#define b a\na b', 'a b'],
  ['function-like recursion terminates', '#define A(x) A(x) B\n#define B A(1)\nA(2)', 'A(2) A(1)'],
  ['painted name is never expanded later', '#define f(x) x f\nf(1)(2)(3)', '1 f(2)(3)'],
  ['rescan picks up ( after the expansion', '#define f(x) [x]\n#define g f\ng(1)', '[1]'],
  ['function-like result followed by (', '#define q(x) x\nq(q)(5)', 'q(5)'],
  ['no expansion in strings or chars', '#define X 1\n"X" \'X\' X', '"X" \'X\' 1'],
  ['unterminated quote runs to the line end', "#define X 1\ndon't X\nX", "don't X\n1"],
  ['paste avoidance after expansion', '#define M 5\n#define E -\n<M-1> x-M E-E', '<5 -1> x-5 - - -'],
  [
    'reference and label tokens survive',
    '#define N 2\n&{/soc/n@N} &lbl lbl: n@N',
    '&{/soc/n@2} &lbl lbl: n@2',
  ],
  ['object-like paste', '#define B 1 ## . @\nB', '1. @'],
  ['spacing: stringified argument is padded', '#define G(x, y) * yy#y\nG(1,2)', '* yy "2"'],
  ['spacing: left operand of ## is padded', '#define F(x) : x ## >\nF(1)', ': 1 >'],
  [
    'spacing: name then number after an expansion',
    '#define K(x) k\n#define H(...) a\nK(1)2 H().5 H()1.b',
    'k 2 a.5 a1.b',
  ],
  ['hash kept literally in a function-like body', '#define F(x) x # y #x\nF(q)', 'q # y "q"'],
  ['__LINE__ is the line of the macro name', '#define F(a) a __LINE__\nF(\n1\n)\n__LINE__', '1 2\n5'],
  ['__FILE__', '__FILE__', '"t.dts"'],
  ['__COUNTER__ and __INCLUDE_LEVEL__', '__COUNTER__ __COUNTER__ __INCLUDE_LEVEL__', '0 1 0'],
  [
    'predefined like gcc -undef -x assembler-with-cpp -D__DTS__',
    '__DTS__ __ASSEMBLER__ __STDC__ __STDC_HOSTED__',
    '1 1 1 1',
  ],
  ['defines take effect line by line', 'X\n#define X 1\nX\n#undef X\nX', 'X\n1\nX'],
  ['command-line -D forms', 'A B C F(2)', '1 7 F(2)'],
];

describe('macro expansion', () => {
  for (const [name, src, out] of EXPANSIONS) {
    test(name, () => {
      const defines =
        name === 'command-line -D forms'
          ? [{ name: 'A' }, { name: 'B', value: '7' }, { name: 'C', value: '' }, { name: 'F(x)', value: 'x' }]
          : [];
      const undefines = name === 'command-line -D forms' ? ['F'] : [];
      const r = pp(src + '\n', {}, { defines, undefines });
      assert.deepEqual(diagLines(r), []);
      assert.equal(squash(r.text), out);
    });
  }

  test('-U removes a predefined macro', () => {
    assert.equal(squash(pp('__DTS__\n', {}, { undefines: ['__DTS__'] }).text), '__DTS__');
  });

  test('redefinition with a different body warns, an identical one does not', () => {
    const r = pp('#define X 1\n#define X  1\n#define X 2\n#define F(a) a\n#define F(b) b\nX\n');
    assert.deepEqual(diagLines(r), [
      'warning cpp/macro-redefined t.dts:3:9 "X" redefined',
      'warning cpp/macro-redefined t.dts:5:9 "F" redefined',
    ]);
    assert.equal(r.diagnostics[0].related?.[0].span?.line, 2);
    assert.equal(r.ok, true);
    assert.equal(squash(r.text), '2');
  });

  test('bad #define forms are located errors', () => {
    const r = pp(
      '#define\n#define 3x\n#define F(a,a) a\n#define G(a b\n#define H(x) ## x\n#define defined 1\n',
    );
    assert.deepEqual(diagLines(r), [
      'error cpp/bad-define t.dts:1:1 no macro name given in #define directive',
      'error cpp/bad-define t.dts:2:9 macro names must be identifiers',
      'error cpp/bad-define t.dts:3:13 duplicate macro parameter "a" in macro "F"',
      'error cpp/bad-define t.dts:4:13 expected \',\' or \')\', found "b" in macro "G"',
      'error cpp/bad-define t.dts:5:14 \'##\' cannot appear at either end of a macro expansion (in "H")',
      'error cpp/bad-define t.dts:6:9 "defined" cannot be used as a macro name',
    ]);
  });

  test('wrong argument counts and unterminated invocations are located errors', () => {
    const r = pp('#define F(a,b) a\nF(1)\n  F(1,2,3)\nF(\n');
    assert.deepEqual(diagLines(r), [
      'error cpp/macro-arg-count t.dts:2:1 macro "F" requires 2 arguments, but only 1 given',
      'error cpp/macro-arg-count t.dts:3:3 macro "F" passed 3 arguments, but takes just 2',
      'error cpp/unterminated-args t.dts:4:1 unterminated argument list invoking macro "F"',
    ]);
    assert.equal(r.ok, false);
  });

  test('directives inside macro arguments are processed (like gcc)', () => {
    const r = pp('#define F(x) [x]\nF(1\n#ifdef NOPE\n2\n#else\n3\n#endif\n)\nafter\n');
    assert.deepEqual(diagLines(r), []);
    assert.equal(squash(r.text), '[1 3]\nafter');
    assert.match(r.text, /\n\n\n\n\n\n\nafter\n$/); // `after` stays on its own line 9
  });

  test('#include inside macro arguments is an error', () => {
    const r = pp('#define F(x) [x]\nF(\n#include "a.h"\n)\n', { 'a.h': 'A\n' });
    assert.deepEqual(diagLines(r), [
      'error cpp/include-in-macro-args t.dts:3:1 #include "a.h" inside the arguments of a macro invocation is not supported',
    ]);
  });

  test('a ( lookahead stops at a directive line', () => {
    const r = pp('#define F(x) [x]\nF\n#define G 1\n(G)\n');
    assert.equal(squash(r.text), 'F\n(1)');
  });

  test('__LINE__ and __FILE__ inside an included file', () => {
    const r = pp('\n#include "sub/a.h"\n__LINE__\n', {
      'sub/a.h': '\n__FILE__ __LINE__ __INCLUDE_LEVEL__ __BASE_FILE__\n',
    });
    assert.equal(squash(r.text), '"sub/a.h" 2 1 "t.dts"\n3');
  });
});
