import { join, relative, isAbsolute } from 'node:path';
import type { CliIo } from './io.js';
import { repoRoot } from './demo.js';
import type { LoadOptions } from '../platform/load.js';
import type { SourceLookup } from '../diag/render-text.js';
import { latin1Decode } from '../compile/text.js';

/**
 * What `check`, `map`, `build` and `demo` share: how the platform loader
 * reads files (through CliIo), where the bundled include/ is, and source
 * texts for caret excerpts.
 */

/** The bundled include/ (nkvdt.h, skeleton.dtsi), relative to cwd when inside it so messages stay short and stable. */
export function bundledIncludeDir(io: CliIo): string {
  const abs = join(repoRoot(), 'include');
  const rel = relative(io.cwd, abs);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : abs;
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
