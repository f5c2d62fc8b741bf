import type { Diagnostic } from '../diag/diagnostic.js';
import { DeviceTree, type PhandleFormat } from '../dt/model.js';
import { TreeIndex } from '../dt/lookup.js';
import { generateLabelTree, generateFixups, generateLocalFixups } from '../dt/generate.js';
import { sortTree } from '../dt/sort.js';
import { preprocess } from '../dts/preprocess/index.js';
import { parseDts } from '../dts/parse.js';
import { readDtb } from '../dtb/read.js';
import { runChecks, type CheckConfig } from '../checks/index.js';
import { latin1Decode } from './text.js';

/**
 * Source → checked, final tree: the part of dtc's main() between reading the
 * input and writing the output, with no file system or console access of its
 * own (everything comes through `readFile`), so the platform builder and the
 * browser can use it too.
 */
export interface CompileOptions {
  inputFormat: 'dts' | 'dtb';
  /** Path of the input as given (display name in messages; `-` is standard input). */
  fileName: string;
  readFile(path: string): Uint8Array | undefined;
  /** `/include/` and `/incbin/` search path (dtc's -i); also `#include` with the preprocessor. */
  includeDirs: readonly string[];
  /** When set, the built-in C preprocessor runs first (DTS input only). */
  cpp?: { defines: readonly { name: string; value?: string }[]; undefines: readonly string[] };
  checks?: CheckConfig;
  phandleFormat: PhandleFormat;
  /** -b: overrides the boot CPU guessed from /cpus. */
  bootCpuid?: number;
  /** -@ */
  symbols: boolean;
  /** -A */
  autoAliases: boolean;
  /** -s */
  sort: boolean;
  /** -f: build the output although the checks found errors. */
  force: boolean;
}

export type CompileStage =
  /** Tree ready; checks found no error (or -f forced past them). */
  | 'ok'
  /** The input could not be read or parsed (dtc exit 1). */
  | 'input-failed'
  /** The checks found errors and output was not forced (dtc exit 2). */
  | 'check-failed';

export interface CompileResult {
  stage: CompileStage;
  /** Present when stage is 'ok'. */
  tree?: DeviceTree;
  /** True when check errors were overridden by -f. */
  forced: boolean;
  diagnostics: Diagnostic[];
  /** Every file read (input, includes, incbins), for -d dependency files. */
  files: string[];
}

export function compile(opts: CompileOptions): CompileResult {
  const diagnostics: Diagnostic[] = [];
  const bytes = opts.readFile(opts.fileName);
  if (!bytes) {
    diagnostics.push({
      severity: 'error',
      code: 'dtc/io',
      message: `Couldn't open "${opts.fileName}": No such file or directory`,
    });
    return { stage: 'input-failed', forced: false, diagnostics, files: [] };
  }
  const displayName = opts.fileName === '-' ? '<stdin>' : opts.fileName;
  let tree: DeviceTree | undefined;
  let files: string[] = [opts.fileName];

  if (opts.inputFormat === 'dtb') {
    const r = readDtb(bytes, displayName);
    diagnostics.push(...r.diagnostics);
    tree = r.tree;
  } else {
    let text = latin1Decode(bytes);
    if (opts.cpp) {
      const pp = preprocess(displayName, text, {
        includeDirs: opts.includeDirs,
        defines: opts.cpp.defines,
        undefines: opts.cpp.undefines,
        readFile: (p) => {
          const b = opts.readFile(p);
          return b ? latin1Decode(b) : undefined;
        },
      });
      diagnostics.push(...pp.diagnostics);
      files = [...new Set([...files, ...pp.files])];
      if (!pp.ok) return { stage: 'input-failed', forced: false, diagnostics, files };
      text = pp.text;
    }
    const r = parseDts(text, {
      fileName: displayName,
      includeDirs: opts.includeDirs,
      readFile: opts.readFile,
      // One run reports every error of the file (dtc stops at its first syntax error).
      recoverSyntaxErrors: true,
    });
    diagnostics.push(...r.diagnostics);
    files = [...new Set([...files, ...r.files])];
    tree = r.tree;
  }
  if (!tree) return { stage: 'input-failed', forced: false, diagnostics, files };

  if (opts.bootCpuid !== undefined) tree.bootCpuidPhys = opts.bootCpuid >>> 0;
  const index = new TreeIndex(tree.root);
  const checked = runChecks(tree, index, {
    config: opts.checks,
    phandleFormat: opts.phandleFormat,
    generateSymbols: opts.symbols,
  });
  diagnostics.push(...checked.diagnostics);
  if (checked.hasErrors && !opts.force) return { stage: 'check-failed', forced: false, diagnostics, files };

  // dtc's order after process_checks: aliases, symbols, fixups (plugins), sort.
  if (opts.autoAliases)
    diagnostics.push(...generateLabelTree(tree, index, 'aliases', false, opts.phandleFormat));
  if (opts.symbols)
    diagnostics.push(...generateLabelTree(tree, index, '__symbols__', true, opts.phandleFormat));
  if (tree.plugin) {
    diagnostics.push(...generateFixups(tree, index));
    generateLocalFixups(tree, index);
  }
  if (opts.sort) sortTree(tree);
  if (diagnostics.some((d) => d.severity === 'error') && !checked.hasErrors && !opts.force)
    return { stage: 'check-failed', forced: false, diagnostics, files };
  return { stage: 'ok', tree, forced: checked.hasErrors, diagnostics, files };
}
