// Runs our checks on a corpus row and compares with what dtc 1.6.1 printed.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parseCheckFlags, renderDtcCheckDiagnostic, runChecks } from '../../src/checks/index.js';
import { TreeIndex } from '../../src/dt/lookup.js';
import type { PhandleFormat } from '../../src/dt/model.js';
import {
  allFlagValues,
  checkFlags,
  CORPUS_DIR,
  corpusRows,
  dtbStderr,
  flagValue,
  type CorpusRow,
} from './corpus.js';
import { diffMultisets, lineOf, parseDtcStderr } from './dtc-stderr.js';
import { parseText } from './parse-helper.js';

const ORIGINS = ['dtc-tests/', 'linux/', 'zephyr/', 'qemu/'];
const CRASHED = new Set([124, 134, 139]);

export interface RowOutcome {
  row: CorpusRow;
  status: 'match' | 'mismatch' | 'parse-error-both' | 'parse-disagree';
  missing: string[];
  extra: string[];
  verdict?: { ours: number; dtc: number };
  /** Our checks rendered as dtc prints them (positions, order, "also defined at", the final verdict line). */
  rendered?: string;
  dtcStderr?: string;
}

export function compareRow(row: CorpusRow): RowOutcome {
  const path = join(CORPUS_DIR, row.file);
  const dir = dirname(path);
  const text = readFileSync(path, 'utf8');
  const includeDirs = allFlagValues(row.flags, '-i').map((d) => join(dir, d));
  const parsed = parseText(text, basename(path), dir, includeDirs);
  if (!parsed.tree) {
    return { row, status: row.exitDtb === 1 ? 'parse-error-both' : 'parse-disagree', missing: [], extra: [] };
  }
  if (row.exitDtb === 1) return { row, status: 'parse-disagree', missing: [], extra: [] };
  const flags = parseCheckFlags(checkFlags(row.flags));
  assert.ok(flags.config, `flags of ${row.file}`);
  const format = (flagValue(row.flags, '-H') ?? 'epapr') as PhandleFormat;
  const r = runChecks(parsed.tree, new TreeIndex(parsed.tree.root), {
    config: flags.config,
    phandleFormat: format,
    generateSymbols: row.flags.includes('-@'),
  });
  const quiet = row.flags.filter((f) => /^-q+$/.test(f)).reduce((n, f) => n + f.length - 1, 0);
  const shown = r.diagnostics.filter((d) => (d.severity === 'warning' ? quiet < 1 : quiet < 2));
  const ours = shown.map((d) => `${d.code.slice(4)}|${lineOf(d.message)}`);
  const theirs = parseDtcStderr(dtbStderr(row)).map((l) => `${l.check}|${l.message}`);
  const { missing, extra } = diffMultisets(ours, theirs);
  const force = row.flags.includes('-f');
  const ourExit = r.hasErrors && !force ? 2 : 0;
  const status = missing.length === 0 && extra.length === 0 && ourExit === row.exitDtb ? 'match' : 'mismatch';
  const outName = basename(row.outputs.find((o) => o.endsWith('.dtb')) ?? row.file.replace(/\.dts$/, '.dtb'));
  let rendered = shown.map((d) => renderDtcCheckDiagnostic(d, outName)).join('');
  if (r.hasErrors)
    rendered += force
      ? 'Warning: Input tree has errors, output forced\n'
      : 'ERROR: Input tree has errors, aborting (use -f to force output)\n';
  return {
    row,
    status,
    missing,
    extra,
    verdict: { ours: ourExit, dtc: row.exitDtb },
    rendered,
    dtcStderr: dtbStderr(row),
  };
}

export function eligibleRows(): CorpusRow[] {
  return corpusRows().filter(
    (r) => ORIGINS.some((o) => r.file.startsWith(o)) && !CRASHED.has(r.exitDtb) && !CRASHED.has(r.exitDts),
  );
}
