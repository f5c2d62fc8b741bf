import type { Diagnostic } from './diagnostic.js';
import { formatSpanStart } from './span.js';

/** Source texts by display file name, for caret excerpts (optional). */
export type SourceLookup = (file: string) => string | undefined;

/**
 * gcc/dtc-style text: `file:line:col: error[code]: message`, then the include
 * chain, related locations, a caret excerpt when the source is known, and the hint.
 */
export function renderText(d: Diagnostic, sources?: SourceLookup): string {
  const out: string[] = [];
  if (d.span?.includedFrom) {
    for (const site of d.span.includedFrom) out.push(`In file included from ${site.file}:${site.line}:`);
  }
  const where = d.span ? `${formatSpanStart(d.span)}: ` : '';
  out.push(`${where}${d.severity}[${d.code}]: ${d.message}`);
  if (d.span && sources) {
    const text = sources(d.span.file);
    if (text !== undefined) {
      const line = nthLine(text, d.span.line);
      if (line !== undefined) {
        const width = d.span.endLine === d.span.line ? Math.max(1, d.span.endCol - d.span.col) : 1;
        out.push(`  ${line}`);
        out.push(`  ${' '.repeat(Math.max(0, d.span.col - 1))}${'^'.repeat(Math.min(width, 200))}`);
      }
    }
  }
  for (const r of d.related ?? []) {
    out.push(`  note: ${r.span ? formatSpanStart(r.span) + ': ' : ''}${r.message}`);
  }
  if (d.hint) out.push(`  hint: ${d.hint}`);
  return out.join('\n');
}

function nthLine(text: string, n: number): string | undefined {
  let start = 0;
  for (let i = 1; i < n; i++) {
    const nl = text.indexOf('\n', start);
    if (nl < 0) return undefined;
    start = nl + 1;
  }
  const end = text.indexOf('\n', start);
  return text.slice(start, end < 0 ? text.length : end).replace(/\t/g, ' ');
}
