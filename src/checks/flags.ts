import type { Diagnostic } from '../diag/diagnostic.js';
import type { CheckLevel } from './context.js';
import { CHECK_INDEX, CHECK_TABLE, DEPENDENTS, defaultLevels } from './registry.js';

/** Per-check warning/error flags after -W/-E processing, in check-table order. */
export interface CheckConfig {
  readonly levels: readonly Readonly<CheckLevel>[];
}

/** dtc's enable_warning_error: raising a level also raises it on every prerequisite. */
function enable(levels: CheckLevel[], i: number, warn: boolean, error: boolean): void {
  const l = levels[i];
  if ((warn && !l.warn) || (error && !l.error))
    for (const p of CHECK_TABLE[i].prereqs) enable(levels, CHECK_INDEX.get(p)!, warn, error);
  l.warn = l.warn || warn;
  l.error = l.error || error;
}

/** dtc's disable_warning_error: lowering a level also lowers it on everything that depends on it. */
function disable(levels: CheckLevel[], i: number, warn: boolean, error: boolean): void {
  const l = levels[i];
  if ((warn && l.warn) || (error && l.error)) for (const d of DEPENDENTS[i]) disable(levels, d, warn, error);
  l.warn = l.warn && !warn;
  l.error = l.error && !error;
}

/**
 * Applies `-W name` / `-E name` / `-Wno-name` / `-Eno_name` in command-line
 * order. An unknown name is fatal in dtc (exit 1): no config is returned.
 */
export function parseCheckFlags(flags: readonly { kind: 'W' | 'E'; arg: string }[]): {
  config?: CheckConfig;
  diagnostics: Diagnostic[];
} {
  const levels = defaultLevels();
  for (const f of flags) {
    let name = f.arg;
    let on = true;
    if (name.startsWith('no-') || name.startsWith('no_')) {
      name = name.slice(3);
      on = false;
    }
    const i = CHECK_INDEX.get(name);
    if (i === undefined) {
      return {
        diagnostics: [
          { severity: 'error', code: 'dtc/unknown-check', message: `Unrecognized check name "${name}"` },
        ],
      };
    }
    const warn = f.kind === 'W';
    if (on) enable(levels, i, warn, !warn);
    else disable(levels, i, warn, !warn);
  }
  return { config: { levels }, diagnostics: [] };
}
