import type { Diagnostic } from './diagnostic.js';

/** One JSON object per diagnostic, stable field order, for machines. */
export function renderJson(ds: readonly Diagnostic[]): string {
  return JSON.stringify(
    ds.map((d) => ({
      severity: d.severity,
      code: d.code,
      message: d.message,
      ...(d.span ? { span: d.span } : {}),
      ...(d.related ? { related: d.related } : {}),
      ...(d.hint ? { hint: d.hint } : {}),
    })),
    null,
    2,
  );
}
