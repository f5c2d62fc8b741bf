import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { VDT_S2PTE_CONSTANTS, decodeS2Attributes } from '../../src/hv/attributes.js';

/** include/nkvdt.h (what device trees use) and hv/attributes.ts (what the checker and runtime decode) must agree. */
test('the bundled nkvdt.h defines exactly the constants of hv/attributes.ts', () => {
  const text = readFileSync('include/nkvdt.h', 'utf8');
  const defs: Record<string, number> = {};
  for (const m of text.matchAll(/^#define (VDT_S2PTE_\w+)\s+(0x[0-9a-fA-F]+)/gm)) defs[m[1]] = Number(m[2]);
  assert.deepEqual(defs, { ...VDT_S2PTE_CONSTANTS });
});

test("the note's example words decode to device memory, its text's to cached normal memory", () => {
  assert.equal(decodeS2Attributes(0, 0x4c4).kind, 'device');
  const mem = decodeS2Attributes(0, 0x7fc);
  assert.deepEqual(
    [mem.kind, mem.inner, mem.read, mem.write, mem.shareability],
    ['normal', 'write-back', true, true, 'inner shareable'],
  );
});
