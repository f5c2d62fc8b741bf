import type { Diagnostic, Severity } from '../diag/diagnostic.js';
import { parseCheckFlags, type CheckConfig } from '../checks/index.js';
import { RULES_BY_CODE } from './codes.js';
import { extractPlatform } from './extract.js';
import { loadPlatform, type LoadedPlatform, type LoadOptions } from './load.js';
import type { Platform } from './model.js';
import { Reporter } from './report.js';
import { checkCapacity } from './rules/capacity.js';
import { checkIpaSpaces, checkUnitAddresses } from './rules/ipa.js';
import { checkPhysical } from './rules/physical.js';
import { checkSharing } from './rules/sharing.js';
import { checkGuestHints, checkVmMemory } from './rules/vm-memory.js';
import { checkVlinks } from './rules/vlinks.js';

/**
 * `-W code` / `-E code` / `-W no-code`: per-code severity for platform rules;
 * `dtc/<check>` codes go to dtc's own flag logic (prerequisites included).
 */
export interface PlatformCheckConfig {
  readonly overrides: ReadonlyMap<string, Severity | 'off'>;
  readonly dtc?: CheckConfig;
}

export function parsePlatformCheckFlags(flags: readonly { kind: 'W' | 'E'; arg: string }[]): {
  config?: PlatformCheckConfig;
  diagnostics: Diagnostic[];
} {
  const overrides = new Map<string, Severity | 'off'>();
  const dtcFlags: { kind: 'W' | 'E'; arg: string }[] = [];
  for (const f of flags) {
    const off = f.arg.startsWith('no-');
    const code = off ? f.arg.slice(3) : f.arg;
    if (code.startsWith('dtc/')) {
      dtcFlags.push({ kind: f.kind, arg: (off ? 'no-' : '') + code.slice(4) });
      continue;
    }
    if (!RULES_BY_CODE.has(code))
      return {
        diagnostics: [
          {
            severity: 'error',
            code: 'platform/unknown-code',
            message: `unknown rule code '${code}' in -${f.kind} ${f.arg}`,
            hint: "codes are platform/<rule> (see 'vmshare check --list') or dtc/<check name>",
          },
        ],
      };
    overrides.set(code, off ? 'off' : f.kind === 'W' ? 'warning' : 'error');
  }
  let dtc: CheckConfig | undefined;
  if (dtcFlags.length > 0) {
    const r = parseCheckFlags(dtcFlags);
    if (!r.config) return { diagnostics: r.diagnostics };
    dtc = r.config;
  }
  return { config: { overrides, ...(dtc ? { dtc } : {}) }, diagnostics: [] };
}

export interface CheckSummary {
  readonly errors: number;
  readonly warnings: number;
  readonly infos: number;
}

export interface CheckResult {
  /** Absent when the input was unusable. */
  readonly platform?: Platform;
  readonly loaded?: LoadedPlatform;
  /** Manifest, dtc and platform findings, after -W/-E. */
  readonly diagnostics: readonly Diagnostic[];
  readonly summary: CheckSummary;
  /** True when the manifest or a tree could not be read or parsed (exit 2). */
  readonly unusable: boolean;
}

/** Every platform rule over the model, in rule order. */
export function runRules(p: Platform, rep: Reporter): void {
  checkPhysical(p, rep); // rules 2, 3
  checkSharing(p, rep); // rules 4, 5
  checkIpaSpaces(p, rep); // rule 6
  checkUnitAddresses(p, rep); // rule 7
  checkVmMemory(p, rep); // rules 8, 9
  checkGuestHints(p, rep); // rule 10
  checkVlinks(p, rep); // rule 11
  checkCapacity(p, rep); // rule 12
}

/** Builds the model from loaded trees and judges it. */
export function checkLoaded(loaded: LoadedPlatform, config?: PlatformCheckConfig): CheckResult {
  const rep = new Reporter(new Map(loaded.vms.map((v) => [v.id, v.name])));
  const platform = extractPlatform(loaded, rep);
  runRules(platform, rep);
  const diagnostics = applyOverrides([...loaded.dtcDiagnostics, ...rep.items], config);
  return { platform, loaded, diagnostics, summary: summarize(diagnostics), unusable: false };
}

/** Manifest → load → model → rules: `vmshare check`. */
export function checkPlatformFile(
  manifestFile: string,
  opts: LoadOptions,
  config?: PlatformCheckConfig,
): CheckResult {
  const r = loadPlatform(manifestFile, { ...opts, ...(config?.dtc ? { dtcChecks: config.dtc } : {}) });
  if (!r.loaded) return { diagnostics: r.diagnostics, summary: summarize(r.diagnostics), unusable: true };
  return checkLoaded(r.loaded, config);
}

function applyOverrides(ds: readonly Diagnostic[], config?: PlatformCheckConfig): Diagnostic[] {
  if (!config || config.overrides.size === 0) return [...ds];
  const out: Diagnostic[] = [];
  for (const d of ds) {
    const o = config.overrides.get(d.code);
    if (o === 'off') continue;
    out.push(o ? { ...d, severity: o } : d);
  }
  return out;
}

export function summarize(ds: readonly Diagnostic[]): CheckSummary {
  let errors = 0;
  let warnings = 0;
  let infos = 0;
  for (const d of ds) {
    if (d.severity === 'error') errors++;
    else if (d.severity === 'warning') warnings++;
    else infos++;
  }
  return { errors, warnings, infos };
}
