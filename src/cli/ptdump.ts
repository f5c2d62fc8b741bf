import type { CliIo } from './io.js';
import { getopt } from './getopt.js';
import { platformLoadOptions, sourceLookup } from './platform-io.js';
import { renderText } from '../diag/render-text.js';
import { checkPlatformFile } from '../platform/check.js';
import { bootPlatform } from '../boot/boot.js';

export const PTDUMP_USAGE = `Usage: vmshare ptdump <manifest.yaml> [--vm NAME|ID]... [--smmu] [--force]

Boots the platform in the hypervisor model and prints each VM's stage-2
translation tables as they sit in hypervisor memory, like Linux's ptdump:
coalesced IPA ranges, output address, size, level (block or page), S2AP,
execute-never, shareability, access flag and memory type. --smmu adds the
SMMU context (the tables its devices' DMA goes through). A platform with
check errors is not booted unless --force.
`;

export function runPtdump(argv: readonly string[], io: CliIo): number {
  const g = getopt(argv, [
    { key: 'vm', long: 'vm', hasArg: true },
    { key: 'smmu', long: 'smmu', hasArg: false },
    { key: 'force', long: 'force', hasArg: false },
    { key: 'h', long: 'help', hasArg: false },
  ]);
  if (!g.ok) {
    io.stderr(`vmshare ptdump: ${g.message}\n${PTDUMP_USAGE}`);
    return 2;
  }
  if (g.opts.some((o) => o.key === 'h')) {
    io.stdout(PTDUMP_USAGE);
    return 0;
  }
  if (g.operands.length !== 1) {
    io.stderr(`vmshare ptdump: expected one manifest file\n${PTDUMP_USAGE}`);
    return 2;
  }
  const wanted = g.opts.filter((o) => o.key === 'vm').map((o) => o.value!);
  const smmu = g.opts.some((o) => o.key === 'smmu');
  const force = g.opts.some((o) => o.key === 'force');
  const sources = sourceLookup(io);
  const r = checkPlatformFile(g.operands[0], platformLoadOptions(io));
  if (!r.platform) {
    for (const d of r.diagnostics) io.stderr(renderText(d, sources) + '\n');
    return 2;
  }
  const vms = wanted.length === 0 ? [...r.platform.vms] : [];
  for (const w of wanted) {
    const vm = r.platform.vms.find((v) => v.name === w || String(v.id) === w);
    if (!vm) {
      io.stderr(
        `vmshare ptdump: no VM '${w}' in ${g.operands[0]} (VMs: ${r.platform.vms.map((v) => `${v.name} (${v.id})`).join(', ')})\n`,
      );
      return 2;
    }
    vms.push(vm);
  }
  const booted = bootPlatform(r.platform, { checkErrors: r.summary.errors, force });
  if (!booted.ok) {
    for (const d of booted.diagnostics) io.stderr(renderText(d, sources) + '\n');
    return 1;
  }
  const out: string[] = [];
  for (const vm of vms) {
    out.push(booted.hv.ptdump(vm.id, 'cpu'));
    if (smmu) out.push(booted.hv.ptdump(vm.id, 'smmu'));
  }
  io.stdout(out.join('\n'));
  return 0;
}
