// Randomised differential test against the installed dtc 1.6.1: generated
// trees (bus nodes, unit addresses, cell sizes, references, extension blocks,
// half of them "tame" so that dtc does not stop at an early error,
// /omit-if-no-ref/, overlays) with random -W/-E flags, -@ and -f. dtc's whole
// check output must be byte-identical to ours rendered the dtc way, for
// every compiled tree (forced ones with errors too) the fixed-up tree must
// flatten to dtc's very DTB; blobs read back must get dtc's -I dtb checks.
import { describe, test } from 'node:test';
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHECK_TABLE, parseCheckFlags, renderDtcCheckDiagnostic, runChecks } from '../../src/checks/index.js';
import { TreeIndex } from '../../src/dt/lookup.js';
import type { PhandleFormat } from '../../src/dt/model.js';
import { readDtb } from '../../src/dtb/read.js';
import { writeDtb } from '../../src/dtb/write.js';
import { parseText } from './parse-helper.js';
import { randomDts } from './random-dts.js';

const DTC = '/usr/bin/dtc';
const SEEDS = 80;

function lcg(seed: number): () => number {
  let s = (seed * 7919) % 2147483648;
  return () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
}

describe(
  'random trees: checks and fixups match dtc 1.6.1',
  { skip: existsSync(DTC) ? false : 'dtc is not installed' },
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'h4-fuzz-'));
    const src = join(dir, 'fz.dts');
    const out = join(dir, 'fz.dtb');

    test(`stderr of ${SEEDS} random trees with random flags`, () => {
      const failures: string[] = [];
      for (let seed = 1; seed <= SEEDS; seed++) {
        const r = lcg(seed);
        const plugin = r() < 0.2;
        const sym = r() < 0.3;
        const force = r() < 0.3;
        const flags: { kind: 'W' | 'E'; arg: string }[] = [];
        const nf = Math.floor(r() * 4);
        for (let i = 0; i < nf; i++) {
          const name = CHECK_TABLE[Math.floor(r() * CHECK_TABLE.length)].name;
          flags.push({
            kind: r() < 0.5 ? 'W' : 'E',
            arg: (r() < 0.5 ? (r() < 0.5 ? 'no-' : 'no_') : '') + name,
          });
        }
        const dts = randomDts(seed, plugin, seed % 2 === 0);
        writeFileSync(src, dts);
        const args = [
          ...flags.map((f) => `-${f.kind}${f.arg}`),
          ...(sym ? ['-@'] : []),
          ...(force ? ['-f'] : []),
        ];
        const d = spawnSync(DTC, [...args, '-O', 'dtb', '-o', out, src], {
          encoding: 'utf8',
          timeout: 10000,
        });
        if (d.status === null) continue; // dtc 1.6.1 crashed (graph checks): nothing to imitate
        const p = parseText(dts, src, dir);
        if (!p.tree) {
          if (d.status !== 1) failures.push(`seed ${seed}: parse verdict differs`);
          continue;
        }
        const res = runChecks(p.tree, new TreeIndex(p.tree.root), {
          config: parseCheckFlags(flags).config,
          phandleFormat: 'epapr',
          generateSymbols: sym,
        });
        let text = res.diagnostics.map((x) => renderDtcCheckDiagnostic(x, out)).join('');
        if (res.hasErrors)
          text += force
            ? 'Warning: Input tree has errors, output forced\n'
            : 'ERROR: Input tree has errors, aborting (use -f to force output)\n';
        // -@ label-tree warnings come from generation, after the checks.
        const theirs = d.stderr
          .split('\n')
          .filter((l) => !l.startsWith('WARNING: label'))
          .join('\n');
        if (text !== theirs) failures.push(`seed ${seed} [${args.join(' ')}]:\n${text}---\n${theirs}`);
      }
      assert.deepEqual(failures, []);
    });

    test(`fixed-up trees (also forced ones with errors) flatten to dtc's DTB (${SEEDS * 2} random trees, all -H modes)`, () => {
      const failures: string[] = [];
      let compared = 0;
      for (let seed = 1; seed <= SEEDS * 2; seed++) {
        const fmt = (['epapr', 'legacy', 'both'] as const)[seed % 3] as PhandleFormat;
        const dts = randomDts(seed, false, seed % 2 === 0);
        writeFileSync(src, dts);
        // -f: trees with check errors are written too, with the fixups dtc got
        // to before its checks stopped; ours must stop at the same point.
        const d = spawnSync(DTC, ['-f', '-q', '-q', '-q', '-H', fmt, '-O', 'dtb', '-o', out, src], {
          encoding: 'utf8',
          timeout: 10000,
        });
        if (d.status !== 0) continue;
        const p = parseText(dts, src, dir);
        assert.ok(p.tree, `seed ${seed} parses`);
        runChecks(p.tree, new TreeIndex(p.tree.root), { phandleFormat: fmt });
        compared++;
        if (Buffer.compare(Buffer.from(writeDtb(p.tree)), readFileSync(out)) !== 0)
          failures.push(`seed ${seed} (-H ${fmt})`);
      }
      assert.ok(compared > 20, `only ${compared} trees compiled`);
      assert.deepEqual(failures, []);
    });

    test(`DTB input: checks on ${SEEDS} blobs read back match dtc -I dtb`, () => {
      const failures: string[] = [];
      let compared = 0;
      const blob = join(dir, 'in.dtb');
      for (let seed = 1; seed <= SEEDS; seed++) {
        writeFileSync(src, randomDts(seed, false, seed % 2 === 0));
        // -f keeps trees with check errors: their blobs are inputs too.
        const a = spawnSync(DTC, ['-f', '-q', '-q', '-q', '-O', 'dtb', '-o', blob, src], {
          encoding: 'utf8',
        });
        if (a.status !== 0) continue;
        const d = spawnSync(DTC, ['-I', 'dtb', '-O', 'dtb', '-o', out, blob], {
          encoding: 'utf8',
          timeout: 10000,
        });
        if (d.status === null) continue;
        const t = readDtb(new Uint8Array(readFileSync(blob)), blob);
        assert.ok(t.tree, `seed ${seed} blob reads`);
        const res = runChecks(t.tree, new TreeIndex(t.tree.root), { phandleFormat: 'epapr' });
        let text = res.diagnostics.map((x) => renderDtcCheckDiagnostic(x, out)).join('');
        if (res.hasErrors) text += 'ERROR: Input tree has errors, aborting (use -f to force output)\n';
        compared++;
        if (text !== d.stderr) failures.push(`seed ${seed}:\n${text}---\n${d.stderr}`);
      }
      assert.ok(compared > 20, `only ${compared} blobs`);
      assert.deepEqual(failures, []);
    });

    test('cleanup', () => rmSync(dir, { recursive: true, force: true }));
  },
);
