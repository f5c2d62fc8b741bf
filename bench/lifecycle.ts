/**
 * Lifecycle benchmarks (`lifecycleSuite`): the revocation sweep when an
 * exporter stops holding many live page grants to 4 importers (records
 * dropped, stage-2 and SMMU tables updated, TLBs invalidated), and the
 * one-thread latency of an RPC round trip over a vlink and of a
 * cross-interrupt dispatch, on the model's scheduler.
 */
import { performance } from 'node:perf_hooks';
import type { HvConfig, Ipa, Pa, VmConfig } from '../src/hv/index.js';
import { Hypervisor, VM_MEM_CPU, VM_MEM_DMA, VM_MEM_READ, VM_MEM_WRITE } from '../src/hv/index.js';
import { GuestHost } from '../src/guest/host.js';
import { RpcEndpoint } from '../src/guest/rpc.js';
import { VlinkDriver } from '../src/guest/vlink-lib.js';
import type { Link } from '../src/guest/vlink-lib.js';
import type { Suite, SuiteArgs } from './suite.js';

const MiB = 1024 * 1024;
const PG = 4096;
const EXP_RAM = 0x1_0000_0000;
const IMP_RAM = 0x4000_0000;
const IMPORTERS = 4;
const FLAGS = VM_MEM_READ | VM_MEM_WRITE | VM_MEM_CPU | VM_MEM_DMA;

function sweepConfig(pages: number): HvConfig {
  const vm = (id: number, pa: number, size: number, windows: number[]): VmConfig => ({
    id,
    name: `vm${id}`,
    ram: [{ pa: pa as Pa, ipa: pa as Ipa, sizeBytes: size }],
    io: [],
    vmMemory: windows.map((exporterId) => ({ exporterId })),
  });
  const vms = [vm(1, EXP_RAM, pages * PG, [])];
  for (let i = 0; i < IMPORTERS; i++) vms.push(vm(2 + i, IMP_RAM + i * 16 * MiB, 16 * MiB, [1]));
  return {
    ramBanks: [
      { pa: IMP_RAM as Pa, sizeBytes: IMPORTERS * 16 * MiB },
      { pa: EXP_RAM as Pa, sizeBytes: pages * PG },
    ],
    invalidRegions: [],
    vms,
    limits: { grantRecordsPerExporter: 1 << 22, regionsPerCall: 1024 },
  };
}

/**
 * Boots the exporter and 4 importers and grants `grants` pages: 'blocks'
 * gives each importer one contiguous quarter (one region per call),
 * 'interleaved' gives page p to importer p mod 4 (no two neighbouring pages
 * in one importer: every page is its own unmap run, the worst case).
 */
function grantedPlatform(grants: number, pattern: 'blocks' | 'interleaved'): Hypervisor {
  const r = Hypervisor.boot(sweepConfig(grants));
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  const hv = r.hv;
  hv.trace.enabled = false;
  const per = grants / IMPORTERS;
  for (let i = 0; i < IMPORTERS; i++) {
    if (pattern === 'blocks') {
      const rc = hv.memGrant(1, 2 + i, FLAGS, 1, [{ addr: EXP_RAM + i * per * PG, size: per * PG }]);
      if (rc !== 0) throw new Error(`grant ${rc}`);
      continue;
    }
    const rgns: { addr: number; size: number }[] = [];
    for (let k = 0; k < per; k++) {
      rgns.push({ addr: EXP_RAM + (k * IMPORTERS + i) * PG, size: PG });
      if (rgns.length === 1024 || k === per - 1) {
        const rc = hv.memGrant(1, 2 + i, FLAGS, rgns.length, rgns);
        if (rc !== 0) throw new Error(`grant ${rc}`);
        rgns.length = 0;
      }
    }
  }
  if (hv.grants.recordsInUse(1) !== grants) throw new Error('grant count');
  return hv;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

function sweep(quick: boolean): string[][] {
  const rows: string[][] = [];
  const sizes = quick ? [10_000] : [10_000, 100_000, 400_000];
  for (const pattern of ['blocks', 'interleaved'] as const)
    for (const n of sizes) {
      const runs = quick ? 1 : n >= 400_000 ? 3 : n >= 100_000 ? 5 : 9;
      const times: number[] = [];
      // One warm-up sweep first (not counted): the first call of each code path runs unoptimised.
      for (let k = -1; k < runs; k++) {
        const hv = grantedPlatform(n, pattern);
        const t0 = performance.now();
        // No vlinks: nothing to wait for, the revocation runs inside stop (gated path, 4 importers).
        const rc = hv.lifecycle.stop(1);
        const t = performance.now() - t0;
        if (rc !== 0 || hv.state(1) !== 'OFF' || hv.grants.list().length !== 0)
          throw new Error('sweep failed');
        if (k >= 0) times.push(t);
      }
      const m = median(times);
      rows.push([
        `revocation sweep, ${n.toLocaleString('en')} grants to 4 importers (${pattern})`,
        `${m.toFixed(1)} ms`,
        `${((m * 1e6) / n).toFixed(0)} ns/grant`,
        n === 100_000 ? '< 100 ms' : '-',
      ]);
    }
  return rows;
}

/** Two VMs, one vlink "rpc", a caller in VM1 and an immediate responder in VM2, the link UP. */
function rpcPair(): { hv: Hypervisor; caller: () => RpcEndpoint } {
  const cfg: HvConfig = {
    ramBanks: [{ pa: IMP_RAM as Pa, sizeBytes: 2 * MiB }],
    invalidRegions: [],
    pmem: { pa: 0x8000_0000 as Pa, sizeBytes: 64 * 1024 },
    vms: [1, 2].map((id) => ({
      id,
      name: `vm${id}`,
      ram: [{ pa: (IMP_RAM + (id - 1) * MiB) as Pa, ipa: (IMP_RAM + (id - 1) * MiB) as Ipa, sizeBytes: MiB }],
      io: [],
      vmMemory: [],
    })),
    vlinks: [
      { name: 'rpc', link: 0, serverId: 1, clientId: 2, serverInfo: '', clientInfo: '', critical: false },
    ],
  };
  const r = Hypervisor.boot(cfg, { autoStart: false });
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  const hv = r.hv;
  const host = new GuestHost(hv);
  let caller: RpcEndpoint | undefined;
  host.install(1, (ddi) => {
    const d: VlinkDriver = new VlinkDriver(ddi, 'rpc', () => ({
      reset: (l: Link) => {
        caller ??= new RpcEndpoint(l, 'caller');
        caller.setup();
      },
      abort: () => caller?.abort(),
    }));
    d.start();
  });
  host.install(2, (ddi) => {
    let resp: RpcEndpoint | undefined;
    const d: VlinkDriver = new VlinkDriver(ddi, 'rpc', () => ({
      reset: (l: Link) => {
        resp ??= new RpcEndpoint(l, 'responder', (req, reply) => reply(0, req));
        resp.setup();
      },
      start: () => resp?.start(),
      abort: () => resp?.abort(),
    }));
    d.start();
  });
  hv.lifecycle.start(1);
  hv.lifecycle.start(2);
  hv.sched.run();
  hv.trace.enabled = false;
  if (!caller || caller.link.state !== 'UP') throw new Error('rpc link not up');
  const c = caller;
  return { hv, caller: () => c };
}

function latency(quick: boolean): string[][] {
  const n = quick ? 2_000 : 50_000;
  const { hv, caller } = rpcPair();
  const payload = new Uint8Array(64).fill(7);
  const rtt: number[] = [];
  for (let i = 0; i < n + 1000; i++) {
    let status = 1;
    const t0 = performance.now();
    const rc = caller().call(payload, (s) => {
      status = s;
    });
    hv.sched.run();
    const t = performance.now() - t0;
    if (rc !== 0 || status !== 0) throw new Error(`rpc call ${rc} ${status}`);
    if (i >= 1000) rtt.push(t * 1000);
  }
  const x = hv.pxirqAlloc(1, 0, 9, 1);
  let got = 0;
  hv.xirqAttach(2, x, () => got++);
  const disp: number[] = [];
  for (let i = 0; i < n + 1000; i++) {
    const t0 = performance.now();
    hv.xirqTrigger(1, x, 2);
    hv.sched.run();
    const t = performance.now() - t0;
    if (i >= 1000) disp.push(t * 1000);
  }
  if (got !== n + 1000) throw new Error('xirq deliveries lost');
  const batch = 100_000;
  const t0 = performance.now();
  for (let i = 0; i < batch; i++) hv.xirqTrigger(1, x, 2);
  hv.sched.run();
  const perDispatch = ((performance.now() - t0) * 1e6) / batch;
  return [
    [
      `RPC round trip over a vlink (64 B, ${n.toLocaleString('en')} calls)`,
      `median ${median(rtt).toFixed(2)} µs`,
      `p99 ${percentile(rtt, 99).toFixed(2)} µs`,
      '-',
    ],
    [
      `cross-interrupt trigger + dispatch (one at a time)`,
      `median ${median(disp).toFixed(2)} µs`,
      `p99 ${percentile(disp, 99).toFixed(2)} µs`,
      '-',
    ],
    [
      `cross-interrupt dispatch, ${batch.toLocaleString('en')} queued`,
      `${perDispatch.toFixed(0)} ns/dispatch`,
      '-',
      '-',
    ],
  ];
}

function print(rows: string[][]): void {
  const head = ['lifecycle benchmark', 'measured', 'detail', 'goal'];
  const width = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(width[i])).join(' | ');
  console.log(line(head));
  console.log(width.map((w) => '-'.repeat(w)).join('-|-'));
  for (const r of rows) console.log(line(r));
}

export const lifecycleSuite: Suite = {
  name: 'lifecycle',
  run: async (args: SuiteArgs) => {
    const rows = [...sweep(args.quick), ...latency(args.quick)];
    print(rows);
    console.log(
      '(wall-clock time; the sweep is the median of 9, 5 or 3 runs (10k, 100k, 400k) after a warm-up run, each on a fresh platform with the trace off)',
    );
  },
};
