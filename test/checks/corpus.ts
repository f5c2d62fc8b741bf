// Shared access to the dtc 1.6.1 reference corpus (../shared/corpus/dts).
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export const CORPUS_DIR = '/work/shared/corpus/dts';

export interface CorpusRow {
  file: string;
  flags: string[];
  exitDtb: number;
  exitDts: number;
  outputs: string[];
}

export function corpusRows(): CorpusRow[] {
  const manifest = join(CORPUS_DIR, 'MANIFEST.tsv');
  if (!existsSync(manifest)) return [];
  const rows: CorpusRow[] = [];
  for (const line of readFileSync(manifest, 'utf8').split('\n')) {
    if (!line || line.startsWith('#') || line.startsWith('file\t')) continue;
    const [file, , flags, exitDtb, exitDts, outputs] = line.split('\t');
    rows.push({
      file,
      flags: flags === '(none)' ? [] : flags.split(' ').filter(Boolean),
      exitDtb: Number(exitDtb),
      exitDts: Number(exitDts),
      outputs: outputs ? outputs.split(',').filter(Boolean) : [],
    });
  }
  return rows;
}

/** The stderr dtc printed for the `-O dtb` run of a row ('' when it printed nothing). */
export function dtbStderr(row: CorpusRow): string {
  let candidates: string[];
  const listed = row.outputs.filter((o) => o.endsWith('.stderr'));
  if (listed.length > 0) {
    candidates = listed.filter((o) => o.endsWith('.dtb.stderr'));
    if (candidates.length === 0) candidates = listed.filter((o) => !o.endsWith('.dts.stderr'));
  } else if (row.outputs.length > 0) {
    // Outputs were kept but no stderr: dtc printed nothing.
    return '';
  } else {
    const stem = join(dirname(row.file), basename(row.file).replace(/\.dts$/, ''));
    candidates = [`${stem}.dtb.stderr`, `${stem}.stderr`];
  }
  for (const c of candidates) {
    const p = join(CORPUS_DIR, c);
    if (existsSync(p)) return readFileSync(p, 'utf8');
  }
  return '';
}

/** The -W/-E flags of a row, in order. */
export function checkFlags(flags: string[]): { kind: 'W' | 'E'; arg: string }[] {
  const out: { kind: 'W' | 'E'; arg: string }[] = [];
  for (let i = 0; i < flags.length; i++) {
    const f = flags[i];
    if (f === '-W' || f === '-E') out.push({ kind: f[1] as 'W' | 'E', arg: flags[++i] });
    else if (f.startsWith('-W') || f.startsWith('-E')) out.push({ kind: f[1] as 'W' | 'E', arg: f.slice(2) });
  }
  return out;
}

export function flagValue(flags: string[], name: string): string | undefined {
  const i = flags.indexOf(name);
  return i >= 0 ? flags[i + 1] : undefined;
}

export function allFlagValues(flags: string[], name: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < flags.length; i++) if (flags[i] === name) out.push(flags[i + 1]);
  return out;
}
