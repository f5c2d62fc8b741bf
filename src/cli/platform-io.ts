import { join, relative, isAbsolute, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readdirSync } from 'node:fs';
import type { CliIo } from './io.js';
import type { LoadOptions } from '../platform/load.js';
import type { SourceLookup } from '../diag/render-text.js';
import { latin1Decode } from '../compile/text.js';

/**
 * What `check`, `map`, `build` and `demo` share: how the platform loader
 * reads files (through CliIo), where the bundled include/ is, and source
 * texts for caret excerpts.
 */

/** The repository root, found from this compiled file (dist/src/cli/) or the source (src/cli/). */
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

/** `abs` relative to cwd when it lies inside it, so messages stay short and stable; else absolute. */
export function displayPath(io: CliIo, abs: string): string {
  const rel = relative(io.cwd, abs);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : abs;
}

/** The bundled include/ (nkvdt.h, skeleton.dtsi). */
export function bundledIncludeDir(io: CliIo): string {
  return displayPath(io, join(repoRoot(), 'include'));
}

export function platformLoadOptions(io: CliIo): LoadOptions {
  return { readFile: (p) => io.readFile(p), extraIncludeDirs: [bundledIncludeDir(io)] };
}

/** Source texts by span file name, read once each. */
export function sourceLookup(io: CliIo): SourceLookup {
  const cache = new Map<string, string | undefined>();
  return (file) => {
    if (!cache.has(file)) {
      const b = io.readFile(file);
      cache.set(file, b ? latin1Decode(b) : undefined);
    }
    return cache.get(file);
  };
}
