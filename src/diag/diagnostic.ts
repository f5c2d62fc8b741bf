import type { Span } from './span.js';

export type Severity = 'error' | 'warning' | 'info';

/** A second location that explains the first ("also mapped by vm3 at ..."). */
export interface Related {
  readonly message: string;
  readonly span?: Span;
}

/**
 * Bad input is reported as data, never thrown: a closed code (`dts/syntax`,
 * `dtc/unit_address_vs_reg`, `platform/...`), a span, and a message that carries
 * the numbers that made the input wrong.
 */
export interface Diagnostic {
  readonly severity: Severity;
  readonly code: string;
  readonly message: string;
  readonly span?: Span;
  readonly related?: readonly Related[];
  readonly hint?: string;
}

/** Collects diagnostics in the order they were found. */
export class DiagnosticBag {
  readonly items: Diagnostic[] = [];
  private errors = 0;

  add(d: Diagnostic): void {
    this.items.push(d);
    if (d.severity === 'error') this.errors++;
  }

  error(code: string, message: string, span?: Span, extra?: Partial<Diagnostic>): void {
    this.add({ severity: 'error', code, message, span, ...extra });
  }

  warning(code: string, message: string, span?: Span, extra?: Partial<Diagnostic>): void {
    this.add({ severity: 'warning', code, message, span, ...extra });
  }

  get errorCount(): number {
    return this.errors;
  }

  get hasErrors(): boolean {
    return this.errors > 0;
  }

  addAll(ds: Iterable<Diagnostic>): void {
    for (const d of ds) this.add(d);
  }
}

/**
 * Thrown only to unwind out of deep input processing once a fatal input error
 * has been recorded (dtc's FATAL ERROR); callers catch it at the layer boundary
 * and return the collected diagnostics. It never reaches the user as a stack.
 */
export class FatalInputError extends Error {
  override name = 'FatalInputError';
  constructor(readonly diagnostic: Diagnostic) {
    super(diagnostic.message);
  }
}
