/**
 * The built-in C preprocessor for device-tree sources: the semantics of
 * `cpp -nostdinc -undef -x assembler-with-cpp -D__DTS__` (Linux
 * scripts/Makefile.lib dtc_cpp_flags), so users need no gcc.
 */
import { InvariantError } from '../../util/assert.js';
import { Engine } from './engine.js';
import type { PreprocessOptions, PreprocessResult } from './types.js';

export type { PreprocessOptions, PreprocessResult } from './types.js';

export function preprocess(fileName: string, text: string, opts: PreprocessOptions): PreprocessResult {
  const engine = new Engine(fileName, opts);
  let out: string;
  try {
    out = engine.run(fileName, text);
  } catch (e) {
    // Bad input is reported as diagnostics; anything else is our own bug.
    if (e instanceof InvariantError) throw e;
    if (e instanceof RangeError) {
      engine.diagnostics.push({
        severity: 'error',
        code: 'cpp/internal-limit',
        message: `preprocessing ${fileName} exceeded an internal limit: ${e.message}`,
      });
      return {
        text: '',
        diagnostics: engine.diagnostics,
        ok: false,
        files: [fileName, ...engine.resolver.files],
      };
    }
    throw e;
  }
  const ok = !engine.diagnostics.some((d) => d.severity === 'error');
  return {
    text: out,
    diagnostics: engine.diagnostics,
    ok,
    files: [fileName, ...engine.resolver.files.filter((f) => f !== fileName)],
  };
}
