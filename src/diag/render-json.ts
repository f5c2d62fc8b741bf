import type { Diagnostic } from './diagnostic.js';

/** A diagnostic as a plain JSON object with a stable field order. */
export function diagnosticToJson(d: Diagnostic): object {
  return {
    severity: d.severity,
    code: d.code,
    message: d.message,
    ...(d.span ? { span: d.span } : {}),
    ...(d.related ? { related: d.related } : {}),
    ...(d.hint ? { hint: d.hint } : {}),
  };
}

/** One JSON object per diagnostic, stable field order, for machines. */
export function renderJson(ds: readonly Diagnostic[]): string {
  return JSON.stringify(ds.map(diagnosticToJson), null, 2);
}
