import type { Diagnostic, Related } from '../diag/diagnostic.js';
import type { Span } from '../diag/span.js';
import { formatSpanStart } from '../diag/span.js';
import { ruleInfo } from './codes.js';
import type { SourceRef } from './model.js';

/**
 * Builds platform diagnostics: the severity comes from the catalog, the
 * location from the model item's source, and every message starts with the
 * tree and node it is about (`vm2 /vl,io-memory@d0000000-4000000: ...`) so it
 * reads right even for DTB input, where there are no line numbers.
 */
export class Reporter {
  readonly items: Diagnostic[] = [];

  constructor(private readonly vmNames: ReadonlyMap<number, string>) {}

  report(
    code: string,
    src: SourceRef | undefined,
    message: string,
    extra: { related?: readonly Related[]; hint?: string; span?: Span } = {},
  ): void {
    const info = ruleInfo(code);
    const span = extra.span ?? src?.propSpan ?? src?.span;
    this.items.push({
      severity: info.severity,
      code,
      message: src ? `${this.where(src)}: ${message}` : message,
      ...(span ? { span } : {}),
      ...(extra.related && extra.related.length > 0 ? { related: extra.related } : {}),
      ...(extra.hint ? { hint: extra.hint } : {}),
    });
  }

  /** `vm2 /vl,io-memory@d0000000-4000000`, `hypervisor /vlm/memory/invalid-region`, `vm2 guest /reserved-memory/vm-memory@3`. */
  where(src: SourceRef): string {
    if (src.tree === 'hypervisor') return `hypervisor ${src.path}`;
    const vm = src.vmId !== undefined ? (this.vmNames.get(src.vmId) ?? `vm${src.vmId}`) : '?';
    return src.tree === 'guest' ? `${vm} guest ${src.path}` : `${vm} ${src.path}`;
  }

  /** A related location: "also mapped by vm3 at vplatform-vm3.dts:22:5". */
  related(what: string, src: SourceRef): Related {
    const span = src.span;
    return span
      ? { message: `${what} (${this.where(src)})`, span }
      : { message: `${what} (${this.where(src)})` };
  }
}

export function spanText(src: SourceRef): string {
  return src.span ? formatSpanStart(src.span) : src.path;
}
