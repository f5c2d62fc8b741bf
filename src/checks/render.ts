import type { Diagnostic } from '../diag/diagnostic.js';
import { formatSpanDtc } from '../diag/span.js';

/**
 * A check diagnostic as dtc 1.6.1 prints it on stderr (check_msg):
 * `<pos>: Warning (name): /path[:prop]: text` (or `ERROR (name)`), then one
 * `  also defined at <pos>` line per extra definition site. Without a span the
 * position is the output file name (`<stdout>` for `-o -`), which is why
 * "Failed prerequisite" lines differ between -O dtb and -O dts runs.
 */
export function renderDtcCheckDiagnostic(d: Diagnostic, outputName: string): string {
  const name = d.code.startsWith('dtc/') ? d.code.slice(4) : d.code;
  const where = d.span ? formatSpanDtc(d.span) : outputName === '-' ? '<stdout>' : outputName;
  let out = `${where}: ${d.severity === 'error' ? 'ERROR' : 'Warning'} (${name}): ${d.message}\n`;
  for (const r of d.related ?? []) if (r.span) out += `  also defined at ${formatSpanDtc(r.span)}\n`;
  return out;
}
