// Parses DTS text with the project's parser, reading includes from disk.
import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { Diagnostic } from '../../src/diag/diagnostic.js';
import type { DeviceTree } from '../../src/dt/model.js';
import { parseDts } from '../../src/dts/parse.js';

function readFileFrom(dir: string) {
  return (p: string): Uint8Array | undefined => {
    const full = isAbsolute(p) ? p : join(dir, p);
    try {
      return new Uint8Array(readFileSync(full));
    } catch {
      return undefined;
    }
  };
}

/** Parses text as if read from `fileName` (relative includes resolve against `dir`). */
export function parseText(
  text: string,
  fileName: string,
  dir: string,
  includeDirs: readonly string[] = [],
): { tree: DeviceTree | undefined; diagnostics: Diagnostic[] } {
  return parseDts(text, { fileName, includeDirs, readFile: readFileFrom(dir) });
}
