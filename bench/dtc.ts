// Benchmark suite `dtc`: whole-process `vmshare dtc` against dtc 1.6.1 on generated hypervisor
// host trees (bench/gen-host-tree.ts) of 1, 4, 10 and 50 MB.
//
// Per size: generate into a temp dir, then time `node bin/vmshare.js dtc -I dts -O dtb -o X in.dts`
// and `dtc -I dts -O dtb -o Y in.dts` in the same run, alternating (median of N wall-clock
// runs; peak RSS from GNU `/usr/bin/time -f %M`), check X and Y are byte-identical, and print
// times, the speed-up (dtc time / our time), RSS and RSS ratio, and throughput in MB/s of input.
// dtc 1.6.1 is roughly quadratic (49–119 s at 10 MB on the development machine, about an hour at
// 50 MB), so it runs once at 10 MB and at 50 MB only with `--with-dtc-50`. Finally
// `-I dtb -O dts` is timed at 10 MB on dtc's blob (outputs compared as text).
// `--quick` shrinks everything (0.25 and 1 MB, fewer runs) for a smoke run.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Suite, SuiteArgs } from './suite.js';
import { generateHostTree } from './gen-host-tree.js';
import { repoRoot } from './repo-root.js';

const DTC = '/usr/bin/dtc';
const TIME = '/usr/bin/time';

interface Measure {
  readonly seconds: number;
  readonly rssKb: number | undefined;
  readonly status: number;
  readonly stderr: string;
}

/** One whole-process run, wall clock around the spawn, peak RSS via GNU time when available. */
function measure(cmd: string, args: readonly string[], cwd: string, scratch: string): Measure {
  const rssFile = join(scratch, 'rss.txt');
  const useTime = existsSync(TIME);
  const argv = useTime ? ['-f', '%M', '-o', rssFile, cmd, ...args] : [...args];
  const t0 = process.hrtime.bigint();
  const r = spawnSync(useTime ? TIME : cmd, argv, { cwd, maxBuffer: 256 << 20 });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  let rssKb: number | undefined;
  if (useTime && existsSync(rssFile)) {
    // GNU time prints "Command exited with non-zero status N" before the value on failures.
    const lines = readFileSync(rssFile, 'utf8').trim().split('\n');
    rssKb = Number(lines[lines.length - 1]);
    rmSync(rssFile, { force: true });
  }
  return { seconds, rssKb, status: r.status ?? 128, stderr: (r.stderr ?? Buffer.alloc(0)).toString('utf8') };
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

interface Series {
  readonly runs: number;
  readonly medianSeconds: number;
  readonly rssKb: number | undefined; // the largest peak over the runs
  readonly failed: Measure | undefined;
}

interface Contender {
  readonly label: string;
  readonly runs: number;
  readonly run: () => Measure;
}

/**
 * Runs the contenders in turn (ours, dtc, ours, dtc, ...) until each has had
 * its runs: on a machine whose speed drifts, alternating spreads the drift
 * over both rather than favouring whichever ran first. A contender stops at
 * its first failed run.
 */
function interleaved(...cs: readonly Contender[]): Series[] {
  const times: number[][] = cs.map(() => []);
  const rss: (number | undefined)[] = cs.map(() => undefined);
  const failed: (Measure | undefined)[] = cs.map(() => undefined);
  const most = Math.max(0, ...cs.map((c) => c.runs));
  for (let i = 0; i < most; i++) {
    cs.forEach((c, k) => {
      if (i >= c.runs || failed[k]) return;
      const m = c.run();
      if (m.status !== 0) {
        process.stdout.write(
          `  ${c.label}: run ${i + 1} exited ${m.status}\n${indent(m.stderr.slice(0, 1500))}\n`,
        );
        failed[k] = m;
        return;
      }
      times[k].push(m.seconds);
      if (m.rssKb !== undefined) rss[k] = Math.max(rss[k] ?? 0, m.rssKb);
      process.stdout.write(
        `  ${c.label}: run ${i + 1}/${c.runs} ${m.seconds.toFixed(3)} s${m.rssKb ? `, ${(m.rssKb / 1024).toFixed(1)} MB RSS` : ''}\n`,
      );
    });
  }
  return cs.map((_, k) => ({
    runs: times[k].length,
    medianSeconds: times[k].length > 0 && !failed[k] ? median(times[k]) : NaN,
    rssKb: rss[k],
    failed: failed[k],
  }));
}

const indent = (s: string) =>
  s
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');

interface Step {
  readonly label: string;
  readonly mb: number;
  readonly oursRuns: number;
  readonly dtcRuns: number;
}

interface Row {
  readonly what: string;
  readonly inputBytes: number;
  readonly ours: Series;
  readonly dtc: Series | undefined;
  readonly identical: string;
}

function fmtTime(s: Series | undefined): string {
  if (!s) return 'skipped';
  if (s.failed) return `FAILED(${s.failed.status})`;
  return `${s.medianSeconds.toFixed(3)} s (n=${s.runs})`;
}
const fmtRss = (kb: number | undefined) => (kb === undefined ? 'n/a' : `${(kb / 1024).toFixed(1)} MB`);

function printTable(rows: readonly Row[]): void {
  const head = [
    'input',
    'size',
    'ours',
    'dtc',
    'dtc/ours',
    'RSS ours',
    'RSS dtc',
    'RSS dtc/ours',
    'ours MB/s',
    'dtc MB/s',
    'outputs',
  ];
  const body = rows.map((r) => {
    const ok = (s: Series | undefined) => s !== undefined && !s.failed && s.runs > 0;
    const mbs = (s: Series | undefined) => (ok(s) ? (r.inputBytes / 1e6 / s!.medianSeconds).toFixed(2) : '-');
    return [
      r.what,
      `${(r.inputBytes / 1e6).toFixed(2)} MB`,
      fmtTime(r.ours),
      fmtTime(r.dtc),
      ok(r.ours) && ok(r.dtc) ? `${(r.dtc!.medianSeconds / r.ours.medianSeconds).toFixed(2)}x` : '-',
      fmtRss(r.ours.rssKb),
      fmtRss(r.dtc?.rssKb),
      r.ours.rssKb && r.dtc?.rssKb ? `${(r.dtc.rssKb / r.ours.rssKb).toFixed(2)}x` : '-',
      mbs(r.ours),
      mbs(r.dtc),
      r.identical,
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ');
  process.stdout.write(`\n${line(head)}\n${line(widths.map((w) => '-'.repeat(w)))}\n`);
  for (const b of body) process.stdout.write(`${line(b)}\n`);
}

function sameFile(a: string, b: string): string {
  if (!existsSync(a) || !existsSync(b)) return 'not compared';
  return Buffer.compare(readFileSync(a), readFileSync(b)) === 0 ? 'identical' : 'DIFFER';
}

async function run(args: SuiteArgs): Promise<void> {
  const root = repoRoot();
  const bin = join(root, 'bin', 'vmshare.js');
  const haveDtc = existsSync(DTC);
  const withDtc50 = args.flags.includes('--with-dtc-50');
  const steps: readonly Step[] = args.quick
    ? [
        { label: '0.25MB', mb: 0.25, oursRuns: 3, dtcRuns: 3 },
        { label: '1MB', mb: 1, oursRuns: 1, dtcRuns: 1 },
      ]
    : [
        { label: '1MB', mb: 1, oursRuns: 9, dtcRuns: 9 },
        { label: '4MB', mb: 4, oursRuns: 3, dtcRuns: 3 },
        { label: '10MB', mb: 10, oursRuns: 3, dtcRuns: 1 },
        { label: '50MB', mb: 50, oursRuns: 1, dtcRuns: withDtc50 ? 1 : 0 },
      ];
  const decompileAt = args.quick ? '1MB' : '10MB';
  if (!haveDtc) process.stdout.write(`${DTC} not installed: timing vmshare only\n`);
  if (!existsSync(TIME)) process.stdout.write(`${TIME} not installed: no peak RSS\n`);

  const scratch = mkdtempSync(join(tmpdir(), 'vmshare-bench-dtc-'));
  const rows: Row[] = [];
  try {
    for (const step of steps) {
      const tree = generateHostTree({ targetBytes: Math.round(step.mb * 1e6), seed: 1 });
      const input = join(scratch, `host-${step.label}.dts`);
      writeFileSync(input, tree.text);
      process.stdout.write(
        `\n${step.label}: ${tree.text.length} bytes, ${tree.vms} VMs, ~${tree.nodes} nodes, ${tree.labels} labels, ${tree.refs} references\n`,
      );
      const oursOut = join(scratch, `ours-${step.label}.dtb`);
      const dtcOut = join(scratch, `dtc-${step.label}.dtb`);
      const [ours, dtcSeries] = interleaved(
        {
          label: 'vmshare',
          runs: step.oursRuns,
          run: () =>
            measure(
              process.execPath,
              [bin, 'dtc', '-I', 'dts', '-O', 'dtb', '-o', oursOut, input],
              scratch,
              scratch,
            ),
        },
        {
          label: 'dtc',
          runs: haveDtc ? step.dtcRuns : 0,
          run: () => measure(DTC, ['-I', 'dts', '-O', 'dtb', '-o', dtcOut, input], scratch, scratch),
        },
      );
      const dtc = haveDtc && step.dtcRuns > 0 ? dtcSeries : undefined;
      rows.push({
        what: `dts->dtb ${step.label}`,
        inputBytes: tree.text.length,
        ours,
        dtc,
        identical: sameFile(oursOut, dtcOut),
      });

      if (step.label === decompileAt) {
        // Decompile dtc's blob (or ours when dtc is absent) with both tools.
        const blob = existsSync(dtcOut) ? dtcOut : oursOut;
        if (existsSync(blob)) {
          const oursDts = join(scratch, 'ours-decompiled.dts');
          const dtcDts = join(scratch, 'dtc-decompiled.dts');
          process.stdout.write(`\n${step.label} -I dtb -O dts (${readFileSync(blob).length} byte blob)\n`);
          const [o, dSeries] = interleaved(
            {
              label: 'vmshare',
              runs: args.quick ? 1 : 3,
              run: () =>
                measure(
                  process.execPath,
                  [bin, 'dtc', '-I', 'dtb', '-O', 'dts', '-o', oursDts, blob],
                  scratch,
                  scratch,
                ),
            },
            {
              label: 'dtc',
              runs: haveDtc ? 1 : 0,
              run: () => measure(DTC, ['-I', 'dtb', '-O', 'dts', '-o', dtcDts, blob], scratch, scratch),
            },
          );
          const d = haveDtc ? dSeries : undefined;
          rows.push({
            what: `dtb->dts ${step.label}`,
            inputBytes: readFileSync(blob).length,
            ours: o,
            dtc: d,
            identical: sameFile(oursDts, dtcDts),
          });
        }
      }
      rmSync(input, { force: true });
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  printTable(rows);
}

export const dtcSuite: Suite = { name: 'dtc', run };
