// Differential test of `vmshare dtc` on the shared real-world corpus (/work/shared/corpus/dts,
// or $VMSHARE_SHARED_CORPUS): every MANIFEST.tsv row except the inputs that make dtc 1.6.1 hang
// or crash (124/134/139), run from the input's own directory with the row's flags. Expected
// results are the recorded dtc references (exit status, .dtb, .out.dts, .stderr); the checks that
// need a compiler run (recompiling our -O dts, dtb -> dts -> dtb) use dtc live when installed.
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { test } from 'node:test';
import { registerCase, readTsv, type Expected, type RunResult } from './harness.js';

const root = process.env.VMSHARE_SHARED_CORPUS ?? '/work/shared/corpus/dts';
const manifest = join(root, 'MANIFEST.tsv');

const read = (rel: string): Uint8Array | undefined => {
  const p = join(root, rel);
  return existsSync(p) ? new Uint8Array(readFileSync(p)) : undefined;
};
const readText = (rel: string | undefined): string | undefined => {
  const b = rel === undefined ? undefined : read(rel);
  return b === undefined ? undefined : new TextDecoder().decode(b);
};

if (!existsSync(manifest)) {
  test('shared corpus', { skip: `${manifest} not present` }, () => {});
} else {
  const rows = readTsv(manifest);
  const header = rows[0];
  const col = (name: string) => header.indexOf(name);
  const [cFile, cFlags, cDtb, cDts, cOut] = ['file', 'dtc_flags', 'exit_dtb', 'exit_dts', 'outputs'].map(col);
  const seen = new Map<string, number>();
  for (const row of rows.slice(1)) {
    const file = row[cFile];
    const exitDtb = Number(row[cDtb]);
    const exitDts = Number(row[cDts]);
    if (exitDtb >= 124 || exitDts >= 124) continue; // dtc 1.6.1 hangs or crashes: never imitated
    const flags = row[cFlags] === '(none)' ? [] : row[cFlags].split(/\s+/).filter((s) => s.length > 0);
    const outputs = (row[cOut] ?? '').split(',').filter((s) => s.length > 0);
    // Linux/Zephyr/QEMU rows list no outputs: their references sit next to the input.
    const base = file.replace(/\.dts$/, '');
    const pick = (suffix: string): string | undefined => {
      const listed = outputs.find(
        (o) => o.endsWith(suffix) && (suffix !== '.stderr' || !/\.dt[bs]\.stderr$/.test(o)),
      );
      if (listed !== undefined || outputs.length > 0) return listed;
      return existsSync(join(root, base + suffix)) ? base + suffix : undefined;
    };
    const dtbRef = pick('.dtb');
    const dtsRef = pick('.out.dts');
    // stderr is `<out>.stderr` when both runs printed the same, else `<out>.dtb.stderr` / `<out>.dts.stderr`.
    const stderrDtb = pick('.dtb.stderr') ?? pick('.stderr');
    const stderrDts = pick('.dts.stderr') ?? pick('.stderr');
    const expected = (): Expected => {
      const dtb: RunResult = {
        status: exitDtb,
        out: dtbRef === undefined ? undefined : read(dtbRef),
        stderr: readText(stderrDtb) ?? '',
      };
      const dts: RunResult | undefined =
        dtsRef === undefined
          ? undefined
          : { status: exitDts, out: read(dtsRef), stderr: readText(stderrDts) ?? '' };
      // A row without a recorded stderr had a silent dtc run (the manifest keeps every non-empty stderr).
      return { dtb, dts, stderrKnown: true };
    };
    const n = (seen.get(file) ?? 0) + 1;
    seen.set(file, n);
    const id = flags.length === 0 ? file : `${file} [${flags.join(' ')}]`;
    registerCase({
      id: n === 1 ? id : `${id} #${n}`,
      cwd: join(root, dirname(file)),
      input: basename(file),
      flags,
      expected,
    });
  }
}
