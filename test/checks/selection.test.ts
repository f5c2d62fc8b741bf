// The checks visit only the nodes their selection hints name (select,
// onlyWithProp, onlyWithMarker: lists built once from name and property
// indexes, so that a large tree is not walked ~80 times). The hints must skip
// only nodes a check would ignore: with `exhaustive` every check visits every
// live node, and the diagnostics, the verdict and the fixed-up tree must come
// out the same. Needs no dtc.
import { describe, test } from 'node:test';
import { strict as assert } from 'node:assert';
import { CHECK_TABLE, parseCheckFlags, runChecks } from '../../src/checks/index.js';
import { TreeIndex } from '../../src/dt/lookup.js';
import type { PhandleFormat } from '../../src/dt/model.js';
import { writeDtb } from '../../src/dtb/write.js';
import { parseText } from './parse-helper.js';
import { randomDts } from './random-dts.js';

const SEEDS = 160;

function lcg(seed: number): () => number {
  let s = (seed * 7919 + 17) % 2147483648;
  return () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
}

function run(
  dts: string,
  exhaustive: boolean,
  flags: { kind: 'W' | 'E'; arg: string }[],
  fmt: PhandleFormat,
  sym: boolean,
) {
  const p = parseText(dts, 'sel.dts', '.');
  if (!p.tree) return undefined;
  const res = runChecks(p.tree, new TreeIndex(p.tree.root), {
    config: parseCheckFlags(flags).config,
    phandleFormat: fmt,
    generateSymbols: sym,
    exhaustive,
  });
  return { res, dtb: Buffer.from(writeDtb(p.tree)).toString('hex') };
}

describe('check node selections', () => {
  test(`skip only nodes the checks ignore (${SEEDS} random trees, random -W/-E, -@, -H)`, () => {
    const failures: string[] = [];
    let compared = 0;
    for (let seed = 1; seed <= SEEDS; seed++) {
      const r = lcg(seed);
      const flags: { kind: 'W' | 'E'; arg: string }[] = [];
      // Half the runs switch every check on, so that the ones off by default are covered too.
      if (seed % 2 === 0) for (const c of CHECK_TABLE) flags.push({ kind: 'W', arg: c.name });
      const nf = Math.floor(r() * 4);
      for (let i = 0; i < nf; i++) {
        const name = CHECK_TABLE[Math.floor(r() * CHECK_TABLE.length)].name;
        flags.push({ kind: r() < 0.5 ? 'W' : 'E', arg: (r() < 0.5 ? 'no-' : '') + name });
      }
      const fmt = (['epapr', 'legacy', 'both'] as const)[seed % 3];
      const sym = r() < 0.3;
      const dts = randomDts(seed, r() < 0.2, seed % 3 !== 0);
      const a = run(dts, false, flags, fmt, sym);
      const b = run(dts, true, flags, fmt, sym);
      if (!a || !b) {
        assert.equal(a, b, `seed ${seed}: parse verdict`);
        continue;
      }
      compared++;
      if (JSON.stringify(a.res) !== JSON.stringify(b.res)) failures.push(`seed ${seed}: diagnostics differ`);
      else if (a.dtb !== b.dtb) failures.push(`seed ${seed}: fixed-up trees differ`);
    }
    assert.ok(compared > SEEDS / 2, `only ${compared} trees parsed`);
    assert.deepEqual(failures, []);
  });
});
