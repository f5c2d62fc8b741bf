import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { preprocess } from '../../src/dts/preprocess/index.js';
import { squash } from './helpers.js';

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));

function run(file: string) {
  return preprocess(file, readFileSync(FIXTURES + file, 'utf8'), {
    includeDirs: ['include'],
    defines: [],
    undefines: [],
    readFile: (p) => (existsSync(FIXTURES + p) ? readFileSync(FIXTURES + p, 'utf8') : undefined),
  });
}

// The same inputs are compared with gcc in gcc-differential.test.ts; these
// checks run without gcc.
describe('Linux-style binding headers', () => {
  test('<dt-bindings/gpio/gpio.h> and GIC_SPI interrupt specifiers', () => {
    const r = run('01-gpio-binding.dts');
    assert.deepEqual(r.diagnostics, []);
    assert.deepEqual(r.files, [
      '01-gpio-binding.dts',
      'include/dt-bindings/gpio/gpio.h',
      'include/dt-bindings/interrupt-controller/arm-gic.h',
      'include/dt-bindings/interrupt-controller/irq.h',
    ]);
    const out = squash(r.text);
    assert.match(out, /^interrupts = <0 7 4>,$/m);
    assert.match(out, /^<1 14 \(\(\(\(1 << \(4\)\) - 1\) << 8\) \| 8\)>;$/m);
    assert.match(out, /^gpios = <&gpio0 3 1>;$/m);
    assert.match(out, /^flags = <\(\(2 \| 4\) \| 16\)>;$/m);
    // Markers describe the include chain for the DTS lexer.
    assert.match(r.text, /# 1 "include\/dt-bindings\/interrupt-controller\/irq.h" 1\n/);
    assert.match(r.text, /# 7 "include\/dt-bindings\/interrupt-controller\/arm-gic.h" 2\n/);
  });

  test('function-like macros with arithmetic, evaluated in #if as well', () => {
    const r = run('20-arith-gic.dts');
    assert.deepEqual(r.diagnostics, []);
    const out = squash(r.text);
    assert.match(
      out,
      /^interrupts = <0 \(\(40\) - 32\) 4>, <0 \(\(0x40\) - 32\) 4>, <1 9 \(\(\(\(1 << \(8\)\) - 1\) << 8\) \| 4\)>;$/m,
    );
    assert.match(out, /^reg = <0x0 0x80000000 0x0 \(\(512\) << 20\)>;$/m);
  });
});
