import type { Diagnostic } from '../diag/diagnostic.js';
import type { Platform } from '../platform/model.js';
import { toHvConfig } from '../platform/to-hv.js';
import { Hypervisor, type BootOptions } from '../hv/index.js';

export interface BootPlatformOptions extends BootOptions {
  /** Errors the platform check found; booting is refused when there are any unless `force` (as dtc -f). */
  readonly checkErrors: number;
  readonly force?: boolean;
}

export type BootPlatformResult =
  | { readonly ok: true; readonly hv: Hypervisor }
  | { readonly ok: false; readonly diagnostics: readonly Diagnostic[] };

/**
 * The checked Platform → a configured hypervisor (contract section 3): the
 * platform becomes the runtime's boot description and the model builds every
 * VM's stage-2 tables and SMMU context from it. Refused when the check found
 * errors, unless forced.
 */
export function bootPlatform(platform: Platform, opts: BootPlatformOptions): BootPlatformResult {
  if (opts.checkErrors > 0 && !opts.force)
    return {
      ok: false,
      diagnostics: [
        {
          severity: 'error',
          code: 'boot/platform-has-errors',
          message: `the platform check found ${opts.checkErrors} error(s); the hypervisor does not boot it`,
          hint: "run 'vmshare check' and fix them, or pass --force to boot anyway",
        },
      ],
    };
  const conv = toHvConfig(platform);
  if (!conv.config)
    return {
      ok: false,
      diagnostics: conv.problems.map((p) => ({
        severity: 'error',
        code: 'boot/unrepresentable',
        message: p,
      })),
    };
  const r = Hypervisor.boot(conv.config, opts);
  if (!r.ok)
    return {
      ok: false,
      diagnostics: r.errors.map((e) => ({
        severity: 'error',
        code: e.code,
        message: e.message,
      })),
    };
  return { ok: true, hv: r.hv };
}
