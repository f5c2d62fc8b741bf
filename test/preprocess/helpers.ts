import { preprocess, type PreprocessResult } from '../../src/dts/preprocess/index.js';
import { formatSpanStart } from '../../src/diag/span.js';

export interface PpOptions {
  includeDirs?: string[];
  defines?: { name: string; value?: string }[];
  undefines?: string[];
}

/** Preprocesses `main` as `t.dts` with an in-memory file system. */
export function pp(main: string, files: Record<string, string> = {}, opts: PpOptions = {}): PreprocessResult {
  return preprocess('t.dts', main, {
    includeDirs: opts.includeDirs ?? [],
    defines: opts.defines ?? [],
    undefines: opts.undefines ?? [],
    readFile: (p) => (Object.prototype.hasOwnProperty.call(files, p) ? files[p] : undefined),
  });
}

/** Diagnostics as `severity code file:line:col message` lines. */
export function diagLines(r: PreprocessResult): string[] {
  return r.diagnostics.map(
    (d) => `${d.severity} ${d.code} ${d.span ? formatSpanStart(d.span) : '-'} ${d.message}`,
  );
}

/** Output without line markers and blank lines, whitespace runs collapsed (for expansion checks). */
export function squash(text: string): string {
  return text
    .split('\n')
    .filter((l) => !/^# \d+ "/.test(l))
    .map((l) => l.replace(/\s+/g, ' ').trim())
    .filter((l) => l !== '')
    .join('\n');
}
