import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { pp, squash, diagLines } from './helpers.js';

describe('#include', () => {
  test('<file> searches -I dirs only; "file" the includer directory first', () => {
    const files = {
      'inc/dt.h': 'from_inc\n',
      'dt.h': 'local\n',
      'sub/a.dtsi': '#include "dt.h"\n',
      'sub/dt.h': 'sub_local\n',
    };
    const r = pp('#include <dt.h>\n#include "dt.h"\n#include "sub/a.dtsi"\n', files, {
      includeDirs: ['inc/'],
    });
    assert.equal(squash(r.text), 'from_inc\nlocal\nsub_local');
    assert.deepEqual(r.files, ['t.dts', 'inc/dt.h', 'dt.h', 'sub/a.dtsi', 'sub/dt.h']);
    assert.match(r.text, /# 1 "inc\/dt.h" 1\n/);
  });

  test('-I directories are searched in order', () => {
    const r = pp('#include <x.h>\n', { 'b/x.h': 'b\n', 'c/x.h': 'c\n' }, { includeDirs: ['a', 'b', 'c'] });
    assert.equal(squash(r.text), 'b');
  });

  test('#include_next continues after the directory of the current file', () => {
    const files = { 'a/x.h': 'a\n#include_next <x.h>\n', 'b/x.h': 'b\n' };
    assert.equal(squash(pp('#include <x.h>\n', files, { includeDirs: ['a', 'b'] }).text), 'a\nb');
  });

  test('macro-expanded operands', () => {
    const files = { 'a.h': 'A\n', 'inc/dt-bindings/x.h': 'X\n' };
    const r = pp('#define H "a.h"\n#define B <dt-bindings/x.h>\n#include H\n#include B\n', files, {
      includeDirs: ['inc'],
    });
    assert.deepEqual(diagLines(r), []);
    assert.equal(squash(r.text), 'A\nX');
  });

  test('missing file names the file and every directory searched', () => {
    const r = pp(
      '/ {};\n  #include "nope.h"\n#include <gone.h>\n',
      {},
      { includeDirs: ['inc', 'arch/dts/'] },
    );
    assert.deepEqual(diagLines(r), [
      'error cpp/include-not-found t.dts:2:3 nope.h: No such file or directory (searched: ., inc, arch/dts)',
      'error cpp/include-not-found t.dts:3:1 gone.h: No such file or directory (searched: inc, arch/dts)',
    ]);
    assert.equal(r.ok, false);
  });

  test('error inside an included file carries the include chain', () => {
    const r = pp('\n#include "a.dtsi"\n', { 'a.dtsi': '\n\n#include "b.h"\n', 'b.h': '#error deep\n' });
    assert.deepEqual(diagLines(r), ['error cpp/error b.h:1:1 #error deep']);
    assert.deepEqual(r.diagnostics[0].span?.includedFrom, [
      { file: 'a.dtsi', line: 3 },
      { file: 't.dts', line: 2 },
    ]);
  });

  test('recursive include stops at depth 200 with an error, not a stack overflow', () => {
    const r = pp('#include "self.h"\n', { 'self.h': '#include "self.h"\n' });
    assert.deepEqual(
      r.diagnostics.map((d) => [d.code, d.message]),
      [
        [
          'cpp/include-depth',
          '#include nested depth 200 exceeds maximum of 200 (including "self.h"; recursive #include?)',
        ],
      ],
    );
    assert.equal(r.diagnostics[0].span?.includedFrom?.length, 199);
  });

  test('include guards and #pragma once', () => {
    const files = { 'g.h': '#ifndef G\n#define G\nguarded\n#endif\n', 'o.h': '#pragma once\nonce\n' };
    const r = pp('#include "g.h"\n#include "g.h"\n#include "o.h"\n#include "o.h"\n', files);
    assert.equal(squash(r.text), 'guarded\nonce');
  });

  test('malformed #include lines', () => {
    const r = pp('#include\n#include foo\n#include ""\n#define H "a.h"\n#include H junk\n', { 'a.h': 'A\n' });
    assert.deepEqual(diagLines(r), [
      'error cpp/include-syntax t.dts:1:1 #include expects "FILENAME" or <FILENAME>',
      'error cpp/include-syntax t.dts:2:1 #include expects "FILENAME" or <FILENAME>',
      'error cpp/include-syntax t.dts:3:1 empty filename in #include',
      'warning cpp/extra-tokens t.dts:5:12 extra tokens at end of #include directive',
    ]);
  });

  test('a readFile that throws counts as a missing file', () => {
    const r = pp(
      '#include "x.h"\n',
      new Proxy(
        {},
        {
          has: () => true,
          get: () => {
            throw new Error('EACCES');
          },
        },
      ) as Record<string, string>,
    );
    assert.equal(r.diagnostics[0].code, 'cpp/include-not-found');
  });
});
