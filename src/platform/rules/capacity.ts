import type { Platform } from '../model.js';
import { vmLabel } from '../model.js';
import { formatSize, PAGE_SIZE } from '../range.js';
import type { Reporter } from '../report.js';

/** Rule 12: the platform fits the capacities the hypervisor is configured with (manifest `limits`). */
export function checkCapacity(p: Platform, rep: Reporter): void {
  const lim = p.limits;
  const byId = new Map(p.vms.map((v) => [v.id, v]));
  for (const vm of p.vms) {
    const windows = new Set(vm.imports.filter((w) => w.ipa.length > 0).map((w) => w.exporterId)).size;
    const regions = vm.ram.length + vm.io.length + windows;
    if (regions > lim.regionsPerVm)
      rep.report(
        'platform/capacity-regions',
        vm.source,
        `${vmLabel(vm)} has ${regions} stage-2 regions (${vm.ram.length} RAM, ${vm.io.length} io-memory, ${windows} vm-memory windows), over the limit of ${lim.regionsPerVm} per VM`,
        {
          hint: `merge adjacent regions, or raise limits.regions-per-vm in ${p.manifestFile} to at least ${regions}`,
        },
      );
  }
  const importers = new Map<number, Set<number>>();
  for (const vm of p.vms)
    for (const w of vm.imports)
      if (w.exporterId !== vm.id && byId.has(w.exporterId)) {
        const set = importers.get(w.exporterId) ?? new Set<number>();
        set.add(vm.id);
        importers.set(w.exporterId, set);
      }
  for (const [expId, impSet] of importers) {
    const imps = [...impSet];
    const exporter = byId.get(expId)!;
    const bytes = exporter.ram.reduce((s, r) => s + (r.pa.end - r.pa.start), 0n);
    const pages = bytes / PAGE_SIZE;
    const need = pages * BigInt(imps.length);
    if (need > BigInt(lim.grantRecords))
      rep.report(
        'platform/capacity-grant-records',
        exporter.source,
        `${vmLabel(exporter)} can grant its ${formatSize(bytes)} of RAM (${pages} pages) to ${imps.length} importer(s) (${imps.map((i) => vmLabel(byId.get(i)!)).join(', ')}): up to ${need} grant records, but its grant table holds ${lim.grantRecords}; grants past that fail with -ENOMEM`,
        {
          hint: `raise limits.grant-records in ${p.manifestFile} to ${need} if the exporter may grant all of its RAM at once`,
        },
      );
  }
  let pmem = 0n;
  let xirqs = 0;
  let pmemReported = false;
  let xirqReported = false;
  for (const l of p.vlinks) {
    pmem += l.pmemBytes;
    xirqs += l.xirqs;
    if (!pmemReported && pmem > lim.pmemPoolBytes) {
      pmemReported = true;
      const total = p.vlinks.reduce((s, v) => s + v.pmemBytes, 0n);
      rep.report(
        'platform/capacity-pmem',
        l.source,
        `the vlinks need ${formatSize(total)} of pmem (vl,pmem-size), the pool holds ${formatSize(lim.pmemPoolBytes)}; it runs out at vlink "${l.name}" (${formatSize(pmem)} so far)`,
        {
          hint: `raise limits.pmem-pool in ${p.manifestFile} to at least ${total} bytes, or shrink vl,pmem-size`,
        },
      );
    }
    if (!xirqReported && xirqs > lim.crossInterrupts) {
      xirqReported = true;
      const total = p.vlinks.reduce((s, v) => s + v.xirqs, 0);
      rep.report(
        'platform/capacity-cross-interrupts',
        l.source,
        `the vlinks need ${total} persistent cross-interrupts (vl,xirqs), ${lim.crossInterrupts} are configured; they run out at vlink "${l.name}" (${xirqs} so far)`,
        {
          hint: `raise limits.cross-interrupts in ${p.manifestFile} to at least ${total}`,
        },
      );
    }
  }
}
