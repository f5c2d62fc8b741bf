// Bundles the compiled CLI (dist/src/cli/main.js, written by tsc) into dist/cli/:
// one entry module plus one chunk per command loaded on demand, and chunks for
// the code the commands share. Node then resolves and compiles a handful of
// modules instead of ~60 (loading `vmshare dtc` takes ~25 ms instead of
// ~50 ms), and the `dtc` command still loads neither the platform checker nor
// the YAML parser.
// bin/vmshare.js runs dist/cli/main.js. Dependencies (yaml) stay imports of
// node_modules.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';

rmSync('dist/cli', { recursive: true, force: true });
await build({
  entryPoints: ['dist/src/cli/main.js'],
  outdir: 'dist/cli',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
});
