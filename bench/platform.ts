// Benchmark suite `platform`: whole-process `node bin/vmshare.js check` on generated platforms
// (bench/gen-platform.ts) of 16, 64 and 256 VMs — 4,000 io-memory nodes and 500 vlinks at 64
// VMs, scaled with the VM count — so the growth per VM can be read off. Median of N wall-clock
// runs, CPU time (user+sys) and peak RSS from GNU `/usr/bin/time` when available. The goal
// (issue 3) is under 1 s whole process at 64 VMs and close to linear growth.
// `--quick`: 16 and 64 VMs, one run each.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Suite, SuiteArgs } from './suite.js';
import { generatePlatform } from './gen-platform.js';
import { repoRoot } from './repo-root.js';

const TIME = '/usr/bin/time';

interface Run {
  readonly seconds: number;
  readonly cpuSeconds?: number;
  readonly rssKb?: number;
  readonly status: number;
  readonly stdout: string;
}

function runOnce(root: string, manifest: string, scratch: string): Run {
  const stats = join(scratch, 'time.txt');
  const useTime = existsSync(TIME);
  const args = [join(root, 'bin', 'vmshare.js'), 'check', manifest];
  const t0 = process.hrtime.bigint();
  const r = useTime
    ? spawnSync(TIME, ['-f', '%U %S %M', '-o', stats, process.execPath, ...args], {
        cwd: root,
        maxBuffer: 64 << 20,
      })
    : spawnSync(process.execPath, args, { cwd: root, maxBuffer: 64 << 20 });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  let cpuSeconds: number | undefined;
  let rssKb: number | undefined;
  if (useTime && existsSync(stats)) {
    const last = readFileSync(stats, 'utf8').trim().split('\n').pop()!.split(' ');
    cpuSeconds = Number(last[0]) + Number(last[1]);
    rssKb = Number(last[2]);
    rmSync(stats, { force: true });
  }
  return {
    seconds,
    status: r.status ?? 128,
    stdout: (r.stdout ?? Buffer.alloc(0)).toString('utf8'),
    ...(cpuSeconds !== undefined ? { cpuSeconds } : {}),
    ...(rssKb !== undefined ? { rssKb } : {}),
  };
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

export const platformSuite: Suite = {
  name: 'platform',
  async run(args: SuiteArgs): Promise<void> {
    const root = repoRoot();
    const sizes = args.quick ? [16, 64] : [16, 64, 256];
    const runs = args.quick ? 1 : 5;
    const scratch = mkdtempSync(join(tmpdir(), 'vmshare-bench-platform-'));
    const out = (s: string): void => void process.stdout.write(s);
    out(`vmshare check, whole process, median of ${runs} run(s)\n`);
    out('   VMs  io-memory  vlinks  trees   DTS MB    wall s   cpu s   ms/VM (wall)   RSS MB\n');
    try {
      let base: { vms: number; seconds: number } | undefined;
      for (const vms of sizes) {
        const gen = generatePlatform(join(scratch, String(vms)), vms);
        const results: Run[] = [];
        for (let i = 0; i < runs; i++) results.push(runOnce(root, gen.manifest, scratch));
        const bad = results.find((r) => r.status !== 0);
        if (bad) {
          out(`  ${vms} VMs: check exited ${bad.status}:\n${bad.stdout.slice(0, 2000)}\n`);
          continue;
        }
        const wall = median(results.map((r) => r.seconds));
        const cpu = results.every((r) => r.cpuSeconds !== undefined)
          ? median(results.map((r) => r.cpuSeconds!))
          : undefined;
        const rss = results.every((r) => r.rssKb !== undefined)
          ? median(results.map((r) => r.rssKb!))
          : undefined;
        out(
          `${String(vms).padStart(6)}  ${String(gen.ioNodes).padStart(9)}  ${String(gen.vlinks).padStart(6)}  ${String(1 + 2 * vms).padStart(5)}  ${(gen.bytes / 1e6).toFixed(2).padStart(7)}  ${wall.toFixed(3).padStart(8)}  ${cpu === undefined ? '      -' : cpu.toFixed(2).padStart(7)}  ${((wall * 1000) / vms).toFixed(1).padStart(13)}  ${rss === undefined ? '      -' : (rss / 1024).toFixed(0).padStart(7)}\n`,
        );
        if (!base) base = { vms, seconds: wall };
        else
          out(
            `        growth vs ${base.vms} VMs: x${(wall / base.seconds).toFixed(2)} time for x${(vms / base.vms).toFixed(0)} VMs\n`,
          );
      }
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  },
};
