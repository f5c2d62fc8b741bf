import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readdirSync } from 'node:fs';
import type { CliIo } from './io.js';
import { compile } from '../compile/compile.js';
import { writeDtb } from '../dtb/write.js';
import { renderText } from '../diag/render-text.js';
import { walkLive } from '../dt/model.js';

/** The repository root, found from this compiled file (dist/src/cli/demo.js) or the source. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    try {
      if (readdirSync(dir).includes('package.json')) return dir;
    } catch {
      /* keep climbing */
    }
    dir = dirname(dir);
  }
  return process.cwd();
}

/**
 * The main job on the bundled example platform. For now: preprocess and
 * compile every device tree of examples/seed with the bundled include
 * directory, report what dtc-level checks say, and write the DTBs to out/seed.
 */
export async function runDemo(_argv: readonly string[], io: CliIo): Promise<number> {
  const root = repoRoot();
  const seed = join(root, 'examples', 'seed');
  const include = join(root, 'include');
  const outDir = join(root, 'out', 'seed');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(outDir, { recursive: true });
  let failed = 0;
  const files = readdirSync(seed)
    .filter((f) => f.endsWith('.dts'))
    .sort();
  io.stdout(`vmshare demo: compiling the seed platform (${files.length} device trees in examples/seed)\n\n`);
  for (const f of files) {
    const t0 = performance.now();
    const r = compile({
      inputFormat: 'dts',
      fileName: join(seed, f),
      readFile: (p) => io.readFile(p),
      includeDirs: [include],
      cpp: { defines: [], undefines: [] },
      phandleFormat: 'epapr',
      symbols: false,
      autoAliases: false,
      sort: false,
      force: false,
    });
    for (const d of r.diagnostics) io.stdout(renderText(d) + '\n');
    if (r.stage !== 'ok') {
      failed++;
      io.stdout(`  ${f}: FAILED (${r.stage})\n`);
      continue;
    }
    const dtb = writeDtb(r.tree!);
    const out = join(outDir, f.replace(/\.dts$/, '.dtb'));
    io.writeFile(out, dtb);
    let nodes = 0;
    for (const _ of walkLive(r.tree!.root)) nodes++;
    const ms = (performance.now() - t0).toFixed(1);
    io.stdout(`  ${f}: ${nodes} nodes, ${dtb.length} bytes -> out/seed/${f.replace(/\.dts$/, '.dtb')} (${ms} ms)\n`);
  }
  io.stdout(failed ? `\n${failed} tree(s) failed\n` : '\nall trees compiled\n');
  return failed ? 1 : 0;
}
