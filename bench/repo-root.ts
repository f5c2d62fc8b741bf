import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: the nearest directory above this module holding bin/vmshare.js. */
export function repoRoot(): string {
  let d = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    if (existsSync(join(d, 'bin', 'vmshare.js'))) return d;
    d = dirname(d);
  }
  throw new Error('cannot find bin/vmshare.js above bench/');
}
