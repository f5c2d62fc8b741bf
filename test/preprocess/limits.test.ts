import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { pp, diagLines, squash } from './helpers.js';

describe('limits: runaway input ends with a located error', () => {
  test('exponential object-like macros', () => {
    let defs = '#define A0 x x\n';
    for (let i = 1; i <= 40; i++) defs += `#define A${i} A${i - 1} A${i - 1}\n`;
    const r = pp(defs + 'A40\nok\n');
    assert.deepEqual(diagLines(r), [
      'error cpp/expansion-too-large t.dts:42:1 macro expansion produced more than 4000000 tokens on one line (exponential macro definitions?)',
    ]);
    assert.equal(squash(r.text), 'ok');
    assert.equal(r.ok, false);
  });

  test('exponential function-like nesting', () => {
    const r = pp('#define F(x) x x\n' + 'F('.repeat(40) + '1' + ')'.repeat(40) + '\n');
    assert.deepEqual(
      r.diagnostics.map((d) => d.code),
      ['cpp/expansion-too-large'],
    );
  });

  test('deeply nested macro arguments', () => {
    const r = pp('#define G(x) x\n' + 'G('.repeat(1000) + '1' + ')'.repeat(1000) + '\n');
    assert.deepEqual(diagLines(r), [
      'error cpp/expansion-too-deep t.dts:2:1 macro arguments nested more than 200 levels deep',
    ]);
    const ok = pp('#define G(x) x\n' + 'G('.repeat(150) + '1' + ')'.repeat(150) + '\n');
    assert.equal(squash(ok.text), '1');
  });

  test('deeply nested #if expressions', () => {
    const r = pp('#if ' + '('.repeat(5000) + '1' + ')'.repeat(5000) + '\n#endif\n');
    assert.deepEqual(diagLines(r), [
      'error cpp/if-syntax t.dts:1:1005 #if expression nested more than 1000 levels deep',
    ]);
    for (const expr of [
      '1 ? '.repeat(3000) + '1' + ' : 0'.repeat(3000),
      '0 ? 0 : '.repeat(3000) + '1',
      '- '.repeat(3000) + '1',
    ]) {
      const t = pp('#if ' + expr + '\n#endif\n');
      assert.match(t.diagnostics[0]?.message ?? '', /nested more than 1000 levels deep/);
    }
  });

  test('recursive macros terminate', () => {
    const r = pp('#define a a b\n#define b a\n#define f(x) f(f(x))\na f(1)\n');
    assert.deepEqual(diagLines(r), []);
    assert.equal(squash(r.text), 'a a f(f(1))');
  });

  test('deep parentheses in arguments without macros stay linear', () => {
    const r = pp('#define G(x) x\nG(' + '('.repeat(20000) + ')'.repeat(20000) + ')\n');
    assert.deepEqual(diagLines(r), []);
  });
});
