import type { PhysRegion, Platform, SourceRef } from '../model.js';
import { vmLabel } from '../model.js';
import { formatRange, IntervalIndex, RangeSet, sweepOverlaps, type PaRange } from '../range.js';
import type { Reporter } from '../report.js';

/** Something that owns physical memory as memory: the hypervisor, reserved memory, a VM's RAM. */
export interface Owner {
  readonly pa: PaRange;
  readonly what: string;
  readonly source: SourceRef;
}

export function owners(p: Platform): Owner[] {
  const out: Owner[] = [];
  for (const h of p.physical.hypervisor)
    out.push({ pa: h.pa, what: "the hypervisor's memory", source: h.source });
  for (const r of p.physical.reserved)
    out.push({ pa: r.pa, what: `reserved memory ${r.name}`, source: r.source });
  for (const vm of p.vms)
    for (const r of vm.ram) out.push({ pa: r.pa, what: `${vmLabel(vm)}'s RAM ${r.name}`, source: r.source });
  return out;
}

/**
 * Rules 2 and 3 (and the RAM consistency they rest on): invalid regions are
 * RAM nobody owns; a VM's RAM is RAM; io-memory that is RAM must be in an
 * invalid region, else the hypervisor or a VM owns it as memory.
 */
export function checkPhysical(p: Platform, rep: Reporter): void {
  const ram = new RangeSet(p.physical.ram.map((r) => r.pa));
  const invalid = new RangeSet(p.physical.invalid.map((r) => r.pa));
  const ramText =
    p.physical.ram.length > 0
      ? `physical RAM is ${p.physical.ram.map((r) => formatRange(r.pa)).join(', ')}`
      : 'the hypervisor DT declares no RAM';
  const ownerList = owners(p);
  const ownerIndex = new IntervalIndex(ownerList, (o) => o.pa);

  for (const inv of p.physical.invalid) {
    const outside = ram.uncovered(inv.pa);
    if (outside.length > 0)
      rep.report(
        'platform/invalid-region-outside-ram',
        inv.source,
        `${regionText(inv)}: ${outside.map(formatRange).join(', ')} is not RAM (${ramText})`,
        {
          hint: 'an invalid region is RAM withheld from everyone; put it inside a memory node of the hypervisor DT',
        },
      );
    const o = ownerIndex.first(inv.pa);
    if (o)
      rep.report(
        'platform/invalid-region-owned',
        inv.source,
        `${regionText(inv)} overlaps ${o.what} ${formatRange(o.pa)}`,
        {
          related: [rep.related(`${o.what} is here`, o.source)],
          hint: "invalid memory must belong to nobody: shrink or move the invalid region, or the owner's range",
        },
      );
  }
  sweepOverlaps(
    p.physical.invalid,
    (r) => r.pa,
    (a, b, head) => {
      if (head) return;
      rep.report('platform/invalid-region-overlap', a.source, `${regionText(a)} overlaps ${regionText(b)}`, {
        related: [rep.related('the other invalid region', b.source)],
        hint: 'list each invalid range once; merge or separate overlapping entries',
      });
    },
  );

  for (const vm of p.vms) {
    for (const r of vm.ram) {
      const outside = ram.uncovered(r.pa);
      if (outside.length > 0)
        rep.report(
          'platform/vm-ram-outside-ram',
          r.source,
          `RAM ${formatRange(r.pa)}: ${outside.map(formatRange).join(', ')} is not physical RAM (${ramText})`,
          {
            hint: "a VM's memory node gives a PA range inside the hypervisor DT's memory nodes",
          },
        );
    }
  }
  // A VM's RAM is its own: no other VM's RAM and not the hypervisor's memory (reserved memory is assigned to a VM, so it may be a VM's RAM).
  const exclusive = ownerList.filter((o) => !o.what.startsWith('reserved memory'));
  sweepOverlaps(
    exclusive,
    (o) => o.pa,
    (a, b, head) => {
      if (head) return;
      const [vmSide, other] = a.source.tree === 'vplatform' ? [a, b] : [b, a];
      if (vmSide.source.tree !== 'vplatform') return;
      rep.report(
        'platform/ram-overlap',
        vmSide.source,
        `RAM ${formatRange(vmSide.pa)} overlaps ${other.what} ${formatRange(other.pa)}`,
        {
          related: [rep.related(`${other.what} is here`, other.source)],
          hint: 'RAM is never shared by mapping it twice: share through invalid memory (io-memory) or page granting',
        },
      );
    },
  );

  // Rule 3.
  for (const vm of p.vms) {
    for (const io of vm.io) {
      const inRam = ram.covered(io.pa);
      if (inRam.length === 0) continue; // a device window: needs no invalid region
      const owned: { start: bigint; end: bigint }[] = [];
      for (const part of inRam) owned.push(...invalid.uncovered(part));
      if (owned.length === 0) continue;
      const o = ownerIndex.first(owned[0]);
      rep.report(
        'platform/io-memory-in-owned-ram',
        io.source,
        `io-memory PA ${formatRange(io.pa)} is RAM, but ${owned.map(formatRange).join(', ')} is not inside an invalid region${o ? ` (it is ${o.what})` : ' (the hypervisor gives it out as memory)'}`,
        {
          ...(o ? { related: [rep.related(`${o.what} is here`, o.source)] } : {}),
          hint: 'declare the range invalid in the hypervisor DT: &invalid_region { reg = <...>; };',
        },
      );
    }
  }
}

function regionText(r: PhysRegion): string {
  return `invalid region ${formatRange(r.pa)}`;
}
