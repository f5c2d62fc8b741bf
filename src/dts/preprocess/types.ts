import type { Diagnostic } from '../../diag/diagnostic.js';

export interface PreprocessOptions {
  /** -I directories, searched in order (after the includer's directory for `"file"`). */
  readonly includeDirs: readonly string[];
  /** -D NAME (value undefined = 1), -D NAME=VALUE (value may be empty), in command-line order. */
  readonly defines: readonly { name: string; value?: string }[];
  /** -U NAME, applied after the defines. */
  readonly undefines: readonly string[];
  /** File contents, or undefined when it does not exist / cannot be read. */
  readFile(path: string): string | undefined;
}

export interface PreprocessResult {
  /** Preprocessed text with gcc-style line markers. */
  readonly text: string;
  readonly diagnostics: Diagnostic[];
  /** No error diagnostics (warnings allowed). */
  readonly ok: boolean;
  /** Every file read: the main file first, then included files in first-read order. */
  readonly files: string[];
}
