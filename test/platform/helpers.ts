import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Diagnostic } from '../../src/diag/diagnostic.js';
import { checkPlatformFile, type CheckResult, type PlatformCheckConfig } from '../../src/platform/check.js';
import { normalizePath } from '../../src/platform/paths.js';

/** The repository root: tests run from it (scripts/run-tests.mjs), and paths in findings are relative to it. */
export const ROOT = resolve('.');

export function readRepoFile(p: string): Uint8Array | undefined {
  try {
    return new Uint8Array(readFileSync(resolve(ROOT, p)));
  } catch {
    return undefined;
  }
}

export function check(manifest: string, config?: PlatformCheckConfig): CheckResult {
  return checkPlatformFile(manifest, { readFile: readRepoFile, extraIncludeDirs: ['include'] }, config);
}

/** `code file:line:col` with the file normalized (`x/../common/a.dtsi` -> `common/a.dtsi`). */
export function where(d: Diagnostic): string {
  return d.span
    ? `${d.code} ${normalizePath(d.span.file)}:${d.span.line}:${d.span.col}`
    : `${d.code} (no location)`;
}
