import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { pp, squash, diagLines } from './helpers.js';

describe('output and line markers', () => {
  test('include markers with flags 1 and 2 and line alignment', () => {
    const r = pp('/dts-v1/;\n#include "a.dtsi"\n/ { x = <1>; };\n', {
      'a.dtsi': '#include "b.h"\n/ { a; };\n',
      'b.h': '#define B 1\n',
    });
    assert.equal(
      r.text,
      '# 1 "t.dts"\n/dts-v1/;\n# 1 "a.dtsi" 1\n# 1 "b.h" 1\n# 2 "a.dtsi" 2\n/ { a; };\n# 3 "t.dts" 2\n/ { x = <1>; };\n',
    );
    assert.deepEqual(r.files, ['t.dts', 'a.dtsi', 'b.h']);
    assert.equal(r.ok, true);
  });

  test('comments become spaces; columns and line numbers are kept', () => {
    const r = pp('a /* c1 */ b\nc /* multi\nline */ d\n// only\n#define X 1 /* spans\n lines */ + 2\nX\n');
    assert.equal(r.text, '# 1 "t.dts"\na          b\nc  \n        d\n\n\n\n1 + 2\n');
  });

  test('comment markers inside strings are text', () => {
    const src = 'p = "/* no */", "// no";\n';
    assert.equal(pp(src).text, '# 1 "t.dts"\n' + src);
  });

  test('#line and input line markers are honoured and passed on', () => {
    const r = pp('#line 10 "other.dts"\na\n__LINE__ __FILE__\n# 5 "foo.dtsi" 1\nb\n# 20 "t.dts" 2\nc\n');
    assert.equal(
      r.text,
      '# 1 "t.dts"\n# 10 "other.dts"\na\n11 "other.dts"\n# 5 "foo.dtsi" 1\nb\n# 20 "t.dts" 2\nc\n',
    );
  });

  test('a diagnostic after input line markers carries the marked include chain', () => {
    const r = pp('# 1 "top.dts"\n# 1 "inc.dtsi" 1\n#error here\n');
    assert.deepEqual(diagLines(r), ['error cpp/error inc.dtsi:1:1 #error here']);
    assert.deepEqual(r.diagnostics[0].span?.includedFrom, [{ file: 'top.dts', line: 1 }]);
  });

  test('preprocessing gcc-style output again is stable', () => {
    const first = pp('#include "a.h"\nA\n', { 'a.h': '#define A 1\nin_a\n' });
    const second = pp(first.text);
    assert.equal(squash(second.text), squash(first.text));
    assert.deepEqual(diagLines(second), []);
  });

  test('long skipped regions become a fresh marker, short gaps blank lines', () => {
    assert.equal(
      pp('x\n#if 0\n1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n#endif\ny\n').text,
      '# 1 "t.dts"\nx\n# 14 "t.dts"\ny\n',
    );
    assert.equal(pp('x\n#if 0\n1\n#endif\ny\n').text, '# 1 "t.dts"\nx\n\n\n\ny\n');
  });

  test('backslash-newline splices lines; output stays aligned', () => {
    assert.equal(
      pp('#define A \\\n  1 \\\n  2\nA\nline5\\\ncont\nend\n').text,
      '# 1 "t.dts"\n\n\n\n1 2\nline5cont\n\nend\n',
    );
  });

  test('assembler-with-cpp: # lines that are not directives pass through (and are expanded)', () => {
    const src =
      '#define N 2\n#address-cells = <N>;\n  #size-cells = <1>;\n#gpio-cells = <2>;\n#interrupt-cells = <3>;\n#\n';
    assert.equal(
      pp(src).text,
      '# 1 "t.dts"\n\n#address-cells = <2>;\n  #size-cells = <1>;\n#gpio-cells = <2>;\n#interrupt-cells = <3>;\n',
    );
  });

  test('device-tree tokens survive untouched', () => {
    const src =
      '/include/ "x.dtsi"\n/delete-node/ &{/soc/i2c@1000};\nlbl: node@1,2 { a,b-c._+*#?d = [00 ff] , <0x1 0x2>, &lbl, &{/p}; };\n/memreserve/ 0x0 0x1000;\n';
    assert.equal(pp(src).text, '# 1 "t.dts"\n' + src);
  });

  test('a final line without newline still ends the output with one', () => {
    assert.equal(pp('a').text, '# 1 "t.dts"\na\n');
    assert.equal(pp('').text, '# 1 "t.dts"\n');
  });

  test('CRLF input', () => {
    assert.equal(squash(pp('#define X 1\r\nX\r\n').text), '1');
  });
});

describe('directives that report', () => {
  test('#error makes the result fail; #warning does not', () => {
    const r = pp('#error bad thing  \n#warning careful\n');
    assert.deepEqual(diagLines(r), [
      'error cpp/error t.dts:1:1 #error bad thing',
      'warning cpp/warning t.dts:2:1 #warning careful',
    ]);
    assert.equal(r.ok, false);
    const w = pp('#warning only\n');
    assert.equal(w.ok, true);
  });

  test('#pragma is ignored (not passed to dtc)', () => {
    assert.equal(pp('#pragma foo bar\nx\n').text, '# 1 "t.dts"\n\nx\n');
  });

  test('unterminated comment', () => {
    const r = pp('a\n  /* open\n\n');
    assert.deepEqual(diagLines(r), ['error cpp/unterminated-comment t.dts:2:3 unterminated comment']);
  });

  test('#line with a bad operand', () => {
    assert.deepEqual(diagLines(pp('#line x\n')), [
      'error cpp/bad-line-directive t.dts:1:7 "x" after #line is not a positive integer',
    ]);
  });

  test('large plain input is copied through unchanged', () => {
    const lines: string[] = ['/dts-v1/;', '/ {'];
    for (let i = 0; i < 20000; i++)
      lines.push(`\tnode${i}@${i.toString(16)} { reg = <0x${i.toString(16)} 0x10>; status = "okay"; };`);
    lines.push('};', '');
    const src = lines.join('\n');
    assert.equal(pp(src).text, '# 1 "t.dts"\n' + src);
  });
});
