/**
 * Hypervisor-model benchmarks (`hvSuite`): memory access through the
 * stage-2 model against raw SharedArrayBuffer access, hypercall throughput,
 * and the table memory a large VM costs. Uses only src/hv and perf_hooks.
 */
import { performance } from 'node:perf_hooks';
import type { HvConfig, Ipa, Pa } from '../src/hv/index.js';
import { Hypervisor, VM_MEM_CPU, VM_MEM_READ, VM_MEM_WRITE, formatSize, isFault } from '../src/hv/index.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const PG = 4096;
const EXPORTER_RAM = 0x4000_0000;
const IMPORTER_RAM = 0x5000_0000;

interface Row {
  name: string;
  value: string;
  baseline: string;
  ratio: string;
  goal: string;
}

function bootPair(exporterBytes: number): Hypervisor {
  const config: HvConfig = {
    ramBanks: [{ pa: EXPORTER_RAM as Pa, sizeBytes: 512 * MiB }],
    invalidRegions: [],
    vms: [
      {
        id: 1,
        name: 'exporter',
        ram: [{ pa: EXPORTER_RAM as Pa, ipa: EXPORTER_RAM as Ipa, sizeBytes: exporterBytes }],
        io: [],
        vmMemory: [],
      },
      {
        id: 2,
        name: 'importer',
        ram: [{ pa: IMPORTER_RAM as Pa, ipa: IMPORTER_RAM as Ipa, sizeBytes: 16 * MiB }],
        io: [],
        vmMemory: [{ exporterId: 1 }],
      },
    ],
  };
  const r = Hypervisor.boot(config);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  r.hv.trace.enabled = false;
  return r.hv;
}

/**
 * CPU time of this process when the host offers it (`process.cpuUsage`, a
 * global, not an import): on a loaded machine wall-clock time measures the
 * scheduler, not the code. Falls back to wall-clock time in browsers.
 */
const cpuClock: (() => number) | undefined =
  typeof process !== 'undefined' && typeof process.cpuUsage === 'function'
    ? () => {
        const c = process.cpuUsage();
        return (c.user + c.system) / 1e6;
      }
    : undefined;
const clockName = cpuClock ? 'CPU time' : 'wall-clock time';

/** Runs `fn` for at least `minMs` of wall-clock time (after one warm-up call); returns seconds per call. */
function timeIt(fn: () => void, minMs = 300): number {
  fn();
  let n = 0;
  const t0 = performance.now();
  const c0 = cpuClock?.() ?? 0;
  let t = t0;
  while (t - t0 < minMs) {
    fn();
    n++;
    t = performance.now();
  }
  const elapsed = cpuClock ? cpuClock() - c0 : (t - t0) / 1000;
  return elapsed / n;
}

function pct(a: number, b: number): string {
  return `${((a / b) * 100).toFixed(0)}%`;
}

function rate(perSec: number, unit: string): string {
  if (perSec >= 1e9) return `${(perSec / 1e9).toFixed(2)} G${unit}/s`;
  if (perSec >= 1e6) return `${(perSec / 1e6).toFixed(2)} M${unit}/s`;
  if (perSec >= 1e3) return `${(perSec / 1e3).toFixed(1)} k${unit}/s`;
  return `${perSec.toFixed(0)} ${unit}/s`;
}

function bulkCopy(rows: Row[], quick: boolean): void {
  const size = quick ? 16 * MiB : 64 * MiB;
  const hv = bootPair(128 * MiB);
  const rc = hv.memGrant(1, 2, VM_MEM_READ | VM_MEM_WRITE | VM_MEM_CPU, 1, [{ addr: EXPORTER_RAM, size }]);
  if (rc !== 0) throw new Error(`grant failed ${rc}`);
  // Touch the exporter's pages first: untouched SharedArrayBuffer pages all read from the
  // kernel's zero page, which would flatter the copy.
  if (hv.cpu(1).fill(EXPORTER_RAM as Ipa, size, 1) !== undefined) throw new Error('fill faulted');
  const view = hv.cpu(2).view(EXPORTER_RAM as Ipa, size, 'read');
  if (isFault(view)) throw new Error(JSON.stringify(view));
  const dst = new Uint8Array(size);
  const rawSrc = new Uint8Array(new SharedArrayBuffer(size)).fill(1);
  const tView = timeIt(() => {
    if (view.read(0, dst) !== undefined) throw new Error('view read faulted');
  });
  const tAcc = timeIt(() => {
    if (hv.cpu(2).read(EXPORTER_RAM as Ipa, dst) !== undefined) throw new Error('read faulted');
  });
  const tRaw = timeIt(() => dst.set(rawSrc));
  const label = formatSize(size);
  rows.push({
    name: `bulk copy ${label} through a view`,
    value: rate(size / tView, 'B'),
    baseline: rate(size / tRaw, 'B') + ' raw SAB',
    ratio: pct(tRaw, tView),
    goal: '>= 90%',
  });
  rows.push({
    name: `bulk copy ${label} through port.read`,
    value: rate(size / tAcc, 'B'),
    baseline: rate(size / tRaw, 'B') + ' raw SAB',
    ratio: pct(tRaw, tAcc),
    goal: '-',
  });
}

function randomLoads(rows: Row[], quick: boolean): void {
  const size = 64 * MiB;
  const hv = bootPair(128 * MiB);
  if (hv.memGrant(1, 2, VM_MEM_READ | VM_MEM_CPU, 1, [{ addr: EXPORTER_RAM, size }]) !== 0)
    throw new Error('grant failed');
  const n = quick ? 1 << 18 : 1 << 21;
  const offs = new Uint32Array(n);
  let seed = 0x12345678;
  for (let i = 0; i < n; i++) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    offs[i] = (seed % (size / 4)) * 4;
  }
  if (hv.cpu(1).fill(EXPORTER_RAM as Ipa, size, 1) !== undefined) throw new Error('fill faulted');
  const port = hv.cpu(2);
  // The baseline reads the same memory (the bank's own typed array, at the
  // granted range's offset), as the goal says: "raw typed-array random
  // loads over the same memory".
  const tr = port.translate(EXPORTER_RAM as Ipa, 'read');
  if (isFault(tr) || !tr.segment) throw new Error('granted range not backed');
  const segOff = tr.pa - tr.segment.basePage * 4096;
  const raw = new Uint32Array(tr.segment.buffer, segOff, size / 4);
  let sink = 0;
  const tHv = timeIt(() => {
    let s = 0;
    for (let i = 0; i < n; i++) {
      const v = port.load32((EXPORTER_RAM + offs[i]) as Ipa);
      if (typeof v === 'number') s = (s + v) | 0;
    }
    sink ^= s;
  }, 1500);
  const tRaw = timeIt(() => {
    let s = 0;
    for (let i = 0; i < n; i++) s = (s + raw[offs[i] >>> 2]) | 0;
    sink ^= s;
  }, 1500);
  // Sequential loads (the range entry, then the TLBs).
  const tSeq = timeIt(() => {
    let s = 0;
    for (let o = 0; o < 4 * MiB; o += 4) {
      const v = port.load32((EXPORTER_RAM + o) as Ipa);
      if (typeof v === 'number') s = (s + v) | 0;
    }
    sink ^= s;
  });
  const tSeqRaw = timeIt(() => {
    let s = 0;
    for (let o = 0; o < MiB; o++) s = (s + raw[o]) | 0;
    sink ^= s;
  });
  // The same with a cache-resident working set (1 MiB): what translation itself costs.
  const small = new Uint32Array(n);
  for (let i = 0; i < n; i++) small[i] = offs[i] % MiB;
  const tHvSmall = timeIt(() => {
    let s = 0;
    for (let i = 0; i < n; i++) {
      const v = port.load32((EXPORTER_RAM + small[i]) as Ipa);
      if (typeof v === 'number') s = (s + v) | 0;
    }
    sink ^= s;
  });
  const tRawSmall = timeIt(() => {
    let s = 0;
    for (let i = 0; i < n; i++) s = (s + raw[small[i] >>> 2]) | 0;
    sink ^= s;
  });
  rows.push({
    name: 'random 4-byte loads (1 MiB, translated)',
    value: rate(n / tHvSmall, 'loads'),
    baseline: rate(n / tRawSmall, 'loads') + ' raw',
    ratio: pct(tRawSmall, tHvSmall),
    goal: '-',
  });
  rows.push({
    name: 'random 4-byte loads (64 MiB, translated)',
    value: rate(n / tHv, 'loads'),
    baseline: rate(n / tRaw, 'loads') + ' raw',
    ratio: pct(tRaw, tHv),
    goal: '>= 50%',
  });
  rows.push({
    name: 'sequential 4-byte loads (4 MiB, translated)',
    value: rate(MiB / tSeq, 'loads'),
    baseline: rate(MiB / tSeqRaw, 'loads') + ' raw',
    ratio: pct(tSeqRaw, tSeq),
    goal: '-',
  });
  if (sink === 0x7fffffff)
    rows.push({ name: 'sink', value: String(sink), baseline: '', ratio: '', goal: '' });
}

function grantDeny(rows: Row[], quick: boolean): void {
  const flags = VM_MEM_READ | VM_MEM_WRITE | VM_MEM_CPU;
  for (const traced of [false, true]) {
    const hv = bootPair(128 * MiB);
    hv.trace.enabled = traced;
    const one = [{ addr: EXPORTER_RAM + 5 * PG, size: PG }];
    const reps = quick ? 2000 : 20000;
    const t1 = timeIt(() => {
      for (let i = 0; i < reps; i++) {
        if (hv.memGrant(1, 2, flags, 1, one) !== 0 || hv.memDeny(1, 2, flags, 1, one) !== 0)
          throw new Error('grant/deny failed');
      }
    });
    rows.push({
      name: `grant+deny 1 page${traced ? ' (trace on)' : ''}`,
      value: rate(reps / t1, 'pairs'),
      baseline: '',
      ratio: '',
      goal: traced ? '-' : '>= 1M pairs/s',
    });
    if (traced) continue;
    const block = [{ addr: EXPORTER_RAM + 2 * MiB, size: 2 * MiB }];
    const reps2 = quick ? 20 : 200;
    const t2 = timeIt(() => {
      for (let i = 0; i < reps2; i++) {
        if (hv.memGrant(1, 2, flags, 1, block) !== 0 || hv.memDeny(1, 2, flags, 1, block) !== 0)
          throw new Error('grant/deny failed');
      }
    });
    rows.push({
      name: 'grant+deny 512 contiguous pages',
      value: rate(reps2 / t2, 'pairs'),
      baseline: rate((512 * reps2) / t2, 'pages'),
      ratio: '',
      goal: '-',
    });
  }
}

function tableMemory(rows: Row[]): void {
  for (const [label, pa] of [
    ['4 GiB identity RAM, 1 GiB aligned', 0x1_0000_0000],
    ['4 GiB identity RAM, 2 MiB aligned', 0x1_0020_0000],
    ['4 GiB identity RAM, 4 KiB aligned', 0x1_0000_1000],
  ] as const) {
    const config: HvConfig = {
      ramBanks: [{ pa: 0x1_0000_0000 as Pa, sizeBytes: 8 * GiB }],
      invalidRegions: [],
      vms: [
        {
          id: 1,
          name: 'big',
          ram: [{ pa: pa as Pa, ipa: pa as Ipa, sizeBytes: 4 * GiB }],
          io: [],
          vmMemory: [],
        },
      ],
    };
    const r = Hypervisor.boot(config);
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    const pages = r.hv.stage2(1).tablePages();
    rows.push({
      name: `stage-2 tables: ${label}`,
      value: `${formatSize(pages * PG)} (${pages} pages)`,
      baseline: 'same again for the SMMU context',
      ratio: '',
      goal: '-',
    });
  }
}

function print(rows: Row[]): void {
  const cols: (keyof Row)[] = ['name', 'value', 'baseline', 'ratio', 'goal'];
  const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => r[c].length)));
  const line = (r: Record<keyof Row, string>) => cols.map((c, i) => r[c].padEnd(width[i])).join(' | ');
  console.log(
    line({ name: 'hv benchmark', value: 'measured', baseline: 'baseline', ratio: 'ratio', goal: 'goal' }),
  );
  console.log(width.map((w) => '-'.repeat(w)).join('-|-'));
  for (const r of rows) console.log(line(r));
}

export const hvSuite = {
  name: 'hv',
  /**
   * Accepts bench/suite.ts's `SuiteArgs` ({ quick, flags }) or a raw flag
   * list; `quick` (or `--quick`) runs smaller sizes (a smoke run).
   */
  run: async (args: { readonly quick: boolean } | readonly string[]): Promise<void> => {
    const quick = Array.isArray(args)
      ? args.includes('--quick')
      : (args as { readonly quick: boolean }).quick;
    const rows: Row[] = [];
    bulkCopy(rows, quick);
    randomLoads(rows, quick);
    grantDeny(rows, quick);
    tableMemory(rows);
    print(rows);
    console.log(
      `(rates from ${clockName}; each figure is the mean over >= 300 ms of repetitions after a warm-up)`,
    );
  },
};
