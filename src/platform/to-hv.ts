import type { HvConfig, IoMapping as HvIo, PhysRange, RamRange, VlinkConfig } from '../hv/config.js';
import { ipa, pa, PA_LIMIT } from '../hv/addr.js';
import type { Platform } from './model.js';

/**
 * The checked Platform as the runtime's boot description (hv/config.ts):
 * the proof that the model alone is enough to boot. The runtime keeps
 * addresses as numbers below 2^48 (PA) — exact, fast — so a platform using
 * addresses above that is reported here instead of being truncated.
 */
export function toHvConfig(p: Platform): { config?: HvConfig; problems: string[] } {
  const problems: string[] = [];
  const num = (v: bigint, what: string): number | undefined => {
    if (v > BigInt(PA_LIMIT)) {
      problems.push(`${what} 0x${v.toString(16)} is above the runtime's 48-bit address space`);
      return undefined;
    }
    return Number(v);
  };
  const phys = (start: bigint, end: bigint, what: string): PhysRange | undefined => {
    const s = num(start, what);
    const e = num(end, what);
    return s === undefined || e === undefined ? undefined : { pa: pa(s), sizeBytes: e - s };
  };
  const ramBanks = p.physical.ram.map((r) => phys(r.pa.start, r.pa.end, `RAM bank ${r.name}`));
  const invalidRegions = p.physical.invalid.map((r) => phys(r.pa.start, r.pa.end, 'invalid region'));
  const vms = p.vms.map((vm) => {
    const ram: (RamRange | undefined)[] = vm.ram.map((r) => {
      const x = phys(r.pa.start, r.pa.end, `${vm.name} RAM`);
      const i = num(r.ipa.start, `${vm.name} RAM IPA`);
      return x && i !== undefined ? { pa: x.pa, ipa: ipa(i), sizeBytes: x.sizeBytes } : undefined;
    });
    const io: (HvIo | undefined)[] = vm.io.map((m) => {
      const x = phys(m.pa.start, m.pa.end, `${vm.name} ${m.name}`);
      const i = num(m.ipa.start, `${vm.name} ${m.name} IPA`);
      return x && i !== undefined
        ? {
            pa: x.pa,
            ipa: ipa(i),
            sizeBytes: x.sizeBytes,
            attrUpper: m.attrUpper,
            attrLower: m.attrLower,
            allowSharing: m.allowSharing,
            name: m.name,
          }
        : undefined;
    });
    return {
      id: vm.id,
      name: vm.name,
      ram: ram.filter((r): r is RamRange => r !== undefined),
      io: io.filter((m): m is HvIo => m !== undefined),
      vmMemory: vm.imports.map((w) => ({ exporterId: w.exporterId })),
    };
  });
  const vlinks: VlinkConfig[] = p.vlinks.map((l) => ({
    name: l.name,
    link: l.link,
    serverId: l.serverId,
    clientId: l.clientId,
    serverInfo: l.serverInfo,
    clientInfo: l.clientInfo,
    critical: l.critical,
  }));
  // The pmem pool is hypervisor memory the DTs do not place: put it on the first 1 GiB boundary above
  // every address the platform uses (RAM banks, invalid regions, every VM's IPA layout), since a VM
  // maps its pmem blocks at IPA == PA (hv/pmem.ts).
  let pmem: PhysRange | undefined;
  const pmemBytes = Number(p.limits.pmemPoolBytes);
  if (pmemBytes > 0) {
    let top = 0n;
    for (const r of [...p.physical.ram, ...p.physical.invalid]) if (r.pa.end > top) top = r.pa.end;
    for (const vm of p.vms) {
      for (const r of vm.ram) {
        if (r.ipa.end > top) top = r.ipa.end;
        if (r.pa.end > top) top = r.pa.end;
      }
      for (const m of vm.io) if (m.ipa.end > top) top = m.ipa.end;
    }
    const GiB = 1n << 30n;
    const base = ((top + GiB - 1n) / GiB) * GiB;
    const size = ((BigInt(pmemBytes) + 4095n) / 4096n) * 4096n;
    if (base + size > 1n << 40n)
      problems.push(
        `the pmem pool (0x${size.toString(16)} bytes) finds no room below the 40-bit IPA space above 0x${top.toString(16)}`,
      );
    else pmem = { pa: pa(Number(base)), sizeBytes: Number(size) };
  }
  if (problems.length > 0) return { problems };
  return {
    config: {
      ramBanks: ramBanks.filter((r): r is PhysRange => r !== undefined),
      invalidRegions: invalidRegions.filter((r): r is PhysRange => r !== undefined),
      vms,
      vlinks,
      ...(pmem ? { pmem } : {}),
      persistentXirqs: p.limits.crossInterrupts,
      revocationTimeoutMs: p.criticalVlinkTimeoutMs,
      limits: {
        grantRecordsPerExporter: p.limits.grantRecords,
        regionsPerCall: p.limits.grantRegionsPerCall,
      },
    },
    problems,
  };
}
