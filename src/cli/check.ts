import type { CliIo } from './io.js';
import { getopt } from './getopt.js';
import { VERSION } from './version.js';
import { platformLoadOptions, sourceLookup } from './platform-io.js';
import { renderText } from '../diag/render-text.js';
import { diagnosticToJson } from '../diag/render-json.js';
import {
  checkPlatformFile,
  parsePlatformCheckFlags,
  type CheckResult,
  type CheckSummary,
} from '../platform/check.js';
import { RULES } from '../platform/codes.js';
import { renderSarif } from '../platform/render-sarif.js';

export const CHECK_USAGE = `Usage: vmshare check <manifest.yaml> [options]

Checks a platform (hypervisor DT, every VM's vplatform and guest DT) against
the memory-sharing rules and reports every finding with its location.

Options:
  -W <code>            Report <code> as a warning (-W no-<code>: not at all)
  -E <code>            Report <code> as an error
                       (codes: platform/<rule>, or dtc/<check> for dtc's checks)
      --format <fmt>   text (default), json or sarif
      --list           List the platform rule codes and exit
  -h, --help           This text

Exit status: 0 no errors, 1 errors found, 2 unusable input or bad options.
`;

export function runCheck(argv: readonly string[], io: CliIo): number {
  const g = getopt(argv, [
    { key: 'W', hasArg: true },
    { key: 'E', hasArg: true },
    { key: 'format', long: 'format', hasArg: true },
    { key: 'list', long: 'list', hasArg: false },
    { key: 'h', long: 'help', hasArg: false },
  ]);
  if (!g.ok) {
    io.stderr(`vmshare check: ${g.message}\n${CHECK_USAGE}`);
    return 2;
  }
  let format = 'text';
  const flags: { kind: 'W' | 'E'; arg: string }[] = [];
  for (const o of g.opts) {
    if (o.key === 'h') {
      io.stdout(CHECK_USAGE);
      return 0;
    }
    if (o.key === 'list') {
      io.stdout(listRules());
      return 0;
    }
    if (o.key === 'W' || o.key === 'E') flags.push({ kind: o.key, arg: o.value! });
    if (o.key === 'format') format = o.value!;
  }
  if (!['text', 'json', 'sarif'].includes(format)) {
    io.stderr(`vmshare check: unknown format '${format}' (text, json or sarif)\n`);
    return 2;
  }
  if (g.operands.length !== 1) {
    io.stderr(`vmshare check: expected one manifest file\n${CHECK_USAGE}`);
    return 2;
  }
  const parsed = parsePlatformCheckFlags(flags);
  if (!parsed.config) {
    for (const d of parsed.diagnostics) io.stderr(renderText(d) + '\n');
    return 2;
  }
  const result = checkPlatformFile(g.operands[0], platformLoadOptions(io), parsed.config);
  io.stdout(renderCheck(result, g.operands[0], format as 'text' | 'json' | 'sarif', io));
  return checkExitCode(result);
}

export function checkExitCode(r: CheckResult): number {
  return r.unusable ? 2 : r.summary.errors > 0 ? 1 : 0;
}

export function renderCheck(
  r: CheckResult,
  manifest: string,
  format: 'text' | 'json' | 'sarif',
  io: CliIo,
): string {
  if (format === 'sarif') return renderSarif(r.diagnostics, { name: 'vmshare', version: VERSION }) + '\n';
  if (format === 'json')
    return (
      JSON.stringify(
        {
          manifest,
          usable: !r.unusable,
          summary: r.summary,
          ...(r.platform ? { vms: r.platform.vms.map((v) => ({ id: v.id, name: v.name })) } : {}),
          diagnostics: r.diagnostics.map(diagnosticToJson),
        },
        null,
        2,
      ) + '\n'
    );
  const sources = sourceLookup(io);
  const parts = r.diagnostics.map((d) => renderText(d, sources) + '\n');
  parts.push(summaryLine(r, manifest));
  return parts.join('\n');
}

export function summaryLine(r: CheckResult, manifest: string): string {
  const s: CheckSummary = r.summary;
  const counts = `${plural(s.errors, 'error')}, ${plural(s.warnings, 'warning')}, ${plural(s.infos, 'info')}`;
  if (r.unusable) return `${manifest}: unusable input (${counts})\n`;
  const trees = r.platform ? 1 + 2 * r.platform.vms.length : 0;
  return `${manifest}: ${counts} (${plural(r.platform?.vms.length ?? 0, 'VM')}, ${trees} device trees)\n`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function listRules(): string {
  const w = Math.max(...RULES.map((r) => r.code.length));
  return (
    RULES.map(
      (r) => `${r.code.padEnd(w)}  ${r.severity.padEnd(7)}  rule ${String(r.rule).padStart(2)}  ${r.summary}`,
    ).join('\n') + '\n'
  );
}
