import { readFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { DeviceTree, PhandleFormat } from '../../src/dt/model.js';
import type { Diagnostic } from '../../src/diag/diagnostic.js';
import { TreeIndex } from '../../src/dt/lookup.js';
import { generateFixups, generateLabelTree, generateLocalFixups } from '../../src/dt/generate.js';
import { sortTree } from '../../src/dt/sort.js';
import { parseDts } from '../../src/dts/parse.js';
import { parseCheckFlags, runChecks } from '../../src/checks/index.js';
import type { DtbWriteOptions } from '../../src/dtb/write.js';
import { CORPUS } from '../dtb/helpers.js';

/** One MANIFEST.tsv row whose dtc runs succeeded, with the flags this pipeline understands. */
export interface CorpusRow {
  file: string;
  flags: string[];
  dtb?: string;
  dts?: string;
}

export function manifestRows(): CorpusRow[] {
  const text = readFileSync(join(CORPUS, 'MANIFEST.tsv'), 'latin1');
  const rows: CorpusRow[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#') || line.startsWith('file\t')) continue;
    const [file, , flagText, exitDtb, exitDts, outputs] = line.split('\t');
    if (exitDtb !== '0' && exitDts !== '0') continue;
    const outs = (outputs ?? '').split(',');
    rows.push({
      file,
      flags: flagText === '(none)' ? [] : flagText.split(' '),
      dtb: exitDtb === '0' ? outs.find((o) => o.endsWith('.dtb')) : undefined,
      dts: exitDts === '0' ? outs.find((o) => o.endsWith('.out.dts')) : undefined,
    });
  }
  return rows;
}

/**
 * dtc's main() for DTS input, reduced to the steps our layers own: parse,
 * checks (which resolve references), then -A, -@, plugin fixups, -s, in
 * dtc 1.6.1's order. Files are read relative to the input's directory, as the
 * corpus was produced.
 */
export function runPipeline(row: CorpusRow): PipelineResult {
  return runPipelineOn(join(CORPUS, row.file), row.flags);
}

export interface PipelineResult {
  tree?: DeviceTree;
  write: DtbWriteOptions;
  error?: string;
  /** Everything the stages reported, in order. */
  diagnostics: Diagnostic[];
}

/** The same for any input file and dtc-style flag list. */
export function runPipelineOn(input: string, flags: readonly string[]): PipelineResult {
  const row = { flags };
  const diagnostics: Diagnostic[] = [];
  const dir = dirname(input);
  const includeDirs: string[] = [];
  const checkFlags: { kind: 'W' | 'E'; arg: string }[] = [];
  const write: DtbWriteOptions = {};
  let format: PhandleFormat = 'epapr';
  let symbols = false;
  let aliases = false;
  let sort = false;
  let force = false;
  let boot: number | undefined;
  for (let i = 0; i < row.flags.length; i++) {
    const f = row.flags[i];
    const arg = (): string => (f.length > 2 ? f.slice(2) : row.flags[++i]);
    switch (f.slice(0, 2)) {
      case '-@':
        symbols = true;
        break;
      case '-A':
        aliases = true;
        break;
      case '-s':
        sort = true;
        break;
      case '-f':
        force = true;
        break;
      case '-q':
        break;
      case '-H':
        format = arg() as PhandleFormat;
        break;
      case '-i':
        includeDirs.push(resolve(dir, arg()));
        break;
      case '-R':
        write.reserveExtra = Number(arg());
        break;
      case '-p':
        write.padBytes = Number(arg());
        break;
      case '-S':
        write.minSize = Number(arg());
        break;
      case '-a':
        write.align = Number(arg());
        break;
      case '-V':
        write.version = Number(arg());
        break;
      case '-b':
        boot = Number(arg());
        break;
      case '-W':
      case '-E':
        checkFlags.push({ kind: f[1] as 'W' | 'E', arg: arg() });
        break;
      default:
        return { write, diagnostics, error: `unsupported flag ${f}` };
    }
  }
  const readFile = (p: string): Uint8Array | undefined => {
    const full = resolve(dir, p);
    return existsSync(full) ? new Uint8Array(readFileSync(full)) : undefined;
  };
  const text = readFileSync(input, 'latin1');
  const name = input.slice(input.lastIndexOf('/') + 1);
  const parsed = parseDts(text, { fileName: name, includeDirs, readFile });
  diagnostics.push(...parsed.diagnostics);
  if (!parsed.tree)
    return {
      write,
      diagnostics,
      error: `parse failed: ${parsed.diagnostics.map((d) => d.message).join('; ')}`,
    };
  const tree = parsed.tree;
  if (boot !== undefined) tree.bootCpuidPhys = boot;
  const config = parseCheckFlags(checkFlags).config;
  const index = new TreeIndex(tree.root);
  const checked = runChecks(tree, index, { config, phandleFormat: format, generateSymbols: symbols });
  diagnostics.push(...checked.diagnostics);
  if (checked.hasErrors && !force) return { write, diagnostics, error: 'checks failed' };
  if (aliases) diagnostics.push(...generateLabelTree(tree, index, 'aliases', false, format));
  if (symbols) diagnostics.push(...generateLabelTree(tree, index, '__symbols__', true, format));
  if (tree.plugin) {
    diagnostics.push(...generateFixups(tree, index));
    generateLocalFixups(tree, index);
  }
  if (sort) sortTree(tree);
  return { tree, write, diagnostics };
}
