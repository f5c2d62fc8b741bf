/**
 * A source location as the user sees it: file name and line follow C-preprocessor
 * line markers, so a diagnostic about preprocessed input points into the original
 * .dtsi. Lines and columns are 1-based; the end column is exclusive (as in dtc).
 */
export interface Span {
  readonly file: string;
  readonly line: number;
  readonly col: number;
  readonly endLine: number;
  readonly endCol: number;
  /** Outermost last: where `file` was included from, as recorded by line markers. */
  readonly includedFrom?: readonly IncludeSite[];
}

/** The file part of a span: one object per file (and include chain), shared by its spans. */
export interface SpanFile {
  readonly name: string;
  readonly includedFrom?: readonly IncludeSite[];
}

/** The span at those positions of `file` (the include chain comes with the file). */
export function spanIn(file: SpanFile, line: number, col: number, endLine: number, endCol: number): Span {
  return file.includedFrom
    ? { file: file.name, line, col, endLine, endCol, includedFrom: file.includedFrom }
    : { file: file.name, line, col, endLine, endCol };
}

export interface IncludeSite {
  readonly file: string;
  readonly line: number;
}

export function pointSpan(file: string, line: number, col: number): Span {
  return { file, line, col, endLine: line, endCol: col };
}

/** `file:line:col`, the form editors and CI parse. */
export function formatSpanStart(s: Span): string {
  return `${s.file}:${s.line}:${s.col}`;
}

/** dtc's own form: `file:L.C-L2.C2`, `file:L.C-C2` or `file:L.C`. */
export function formatSpanDtc(s: Span): string {
  if (s.endLine !== s.line) return `${s.file}:${s.line}.${s.col}-${s.endLine}.${s.endCol}`;
  if (s.endCol !== s.col) return `${s.file}:${s.line}.${s.col}-${s.endCol}`;
  return `${s.file}:${s.line}.${s.col}`;
}

/** The span covering both (they must be in the same file; otherwise `a` wins). */
export function joinSpans(a: Span, b: Span): Span {
  if (a.file !== b.file) return a;
  return { ...a, endLine: b.endLine, endCol: b.endCol };
}
