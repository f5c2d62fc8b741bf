import type { HvConfig, IoMapping as HvIo, PhysRange, RamRange } from '../hv/config.js';
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
  if (problems.length > 0) return { problems };
  return {
    config: {
      ramBanks: ramBanks.filter((r): r is PhysRange => r !== undefined),
      invalidRegions: invalidRegions.filter((r): r is PhysRange => r !== undefined),
      vms,
      limits: {
        grantRecordsPerExporter: p.limits.grantRecords,
        regionsPerCall: p.limits.grantRegionsPerCall,
      },
    },
    problems,
  };
}
