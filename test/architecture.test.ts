import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { join, relative, dirname, resolve } from 'node:path';

/**
 * The layers of ARCHITECTURE.md import one way. This test reads every import
 * in src/ and fails on an import the table does not allow, and on node
 * built-ins in the layers that must run in a browser or a worker.
 */
const ALLOWED: Record<string, readonly string[]> = {
  util: [],
  diag: ['util'],
  dt: ['util', 'diag'],
  dts: ['util', 'diag', 'dt'],
  dtb: ['util', 'diag', 'dt'],
  checks: ['util', 'diag', 'dt'],
  compile: ['util', 'diag', 'dt', 'dts', 'dtb', 'checks'],
  platform: ['util', 'diag', 'dt', 'dts', 'dtb', 'checks', 'compile', 'hv'],
  hv: ['util'],
  boot: ['util', 'diag', 'hv', 'platform'],
  guest: ['util', 'hv'],
  sim: ['util', 'diag', 'hv', 'boot', 'guest', 'platform'],
  cli: ['util', 'diag', 'dt', 'dts', 'dtb', 'checks', 'compile', 'platform', 'hv', 'boot', 'guest', 'sim'],
  web: ['util', 'diag', 'hv', 'sim'],
};
/** Layers that must not use node built-ins (they run in workers and browsers). */
const PORTABLE = new Set(['util', 'diag', 'dt', 'dts', 'dtb', 'checks', 'compile', 'hv', 'guest', 'web']);

const SRC = resolve('src');

function files(dir: string, out: string[] = []): string[] {
  for (const n of readdirSync(dir)) {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) files(p, out);
    else if (n.endsWith('.ts')) out.push(p);
  }
  return out;
}

test('every src import follows the layer table', () => {
  const problems: string[] = [];
  for (const f of files(SRC)) {
    const layer = relative(SRC, f).split('/')[0];
    assert.ok(
      layer in ALLOWED,
      `src/${layer} is not in the layer table (add it to ARCHITECTURE.md and here)`,
    );
    const text = readFileSync(f, 'utf8');
    for (const m of text.matchAll(/^\s*(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]/gm)) {
      const spec = m[1];
      if (spec.startsWith('node:')) {
        if (PORTABLE.has(layer)) problems.push(`${relative('.', f)}: ${layer}/ must not import ${spec}`);
        continue;
      }
      if (!spec.startsWith('.')) continue;
      const target = resolve(dirname(f), spec);
      const tl = relative(SRC, target).split('/')[0];
      if (tl !== layer && !ALLOWED[layer].includes(tl))
        problems.push(`${relative('.', f)}: ${layer}/ may not import ${tl}/ (${spec})`);
    }
  }
  assert.deepEqual(problems, []);
});

test('every src folder has a README', () => {
  const missing = readdirSync(SRC)
    .filter((d) => statSync(join(SRC, d)).isDirectory())
    .filter((d) => !existsSync(join(SRC, d, 'README.md')));
  assert.deepEqual(missing, []);
});
