import type { IoMapping, Platform, Vm } from '../model.js';
import { vmLabel } from '../model.js';
import { formatRange, hexAddr, IntervalIndex, RangeSet, sweepOverlaps } from '../range.js';
import type { Reporter } from '../report.js';
import { accessText, attrWords, explainAttributes, memoryTypeKey } from '../attr-text.js';
import { VDT_S2PTE_LOWER_MEM, VDT_S2PTE_UPPER_MEM } from '../../hv/attributes.js';

interface Sharer {
  readonly vm: Vm;
  readonly io: IoMapping;
}

/**
 * Rules 4 and 5: who maps the same physical bytes. The hypervisor refuses a
 * second mapping of a PA range unless every node mapping it says
 * `vl,allow-sharing`; sharers that disagree on memory type lose coherency
 * (one side's cached lines are invisible to the other's uncached accesses);
 * device attributes on RAM and read-only vs read/write sharers are worth
 * knowing (info).
 */
export function checkSharing(p: Platform, rep: Reporter): void {
  const all: Sharer[] = [];
  for (const vm of p.vms) for (const io of vm.io) all.push({ vm, io });
  const notAllowedReported = new Set<IoMapping>();
  sweepOverlaps(
    all,
    (s) => s.io.pa,
    (a, b, head) => {
      // Rule 4: report on the node that lacks vl,allow-sharing (once per node).
      for (const [x, y] of [
        [a, b],
        [b, a],
      ] as const) {
        if (x.io.allowSharing || notAllowedReported.has(x.io)) continue;
        notAllowedReported.add(x.io);
        const both = !y.io.allowSharing;
        rep.report(
          'platform/io-sharing-not-allowed',
          x.io.source,
          `io-memory PA ${formatRange(x.io.pa)} overlaps ${who(y)} PA ${formatRange(y.io.pa)}, and ${both ? 'neither node has' : 'this node lacks'} vl,allow-sharing`,
          {
            related: [rep.related(`also mapped by ${vmLabel(y.vm)}`, y.io.source)],
            hint: 'the hypervisor refuses to map a PA range twice unless every node mapping it has vl,allow-sharing;',
          },
        );
      }
      if (head) return;
      // Rule 5: compare each sharer with the earlier one it overlaps.
      const ta = memoryTypeKey(a.io.attributes);
      const tb = memoryTypeKey(b.io.attributes);
      if (ta !== tb) {
        rep.report(
          'platform/sharing-memory-type-mismatch',
          { ...a.io.source, ...(a.io.source.attrSpan ? { propSpan: a.io.source.attrSpan } : {}) },
          `shares PA ${formatRange(overlap(a.io, b.io))} with ${who(b)}, as ${ta} where ${vmLabel(b.vm)} uses ${tb}: vl,attributes ${explainAttributes(a.io.attrUpper, a.io.attrLower)} vs ${explainAttributes(b.io.attrUpper, b.io.attrLower)}`,
          {
            related: [rep.related(`${vmLabel(b.vm)} maps it as ${tb}`, b.io.source)],
            hint: 'sharers with different memory types or cacheability lose coherency: give every sharer the same MemAttr',
          },
        );
      }
      if (a.io.attributes.write !== b.io.attributes.write) {
        const [ro, rw] = a.io.attributes.write ? [b, a] : [a, b];
        rep.report(
          'platform/sharing-access-mismatch',
          { ...a.io.source, ...(a.io.source.attrSpan ? { propSpan: a.io.source.attrSpan } : {}) },
          `PA ${formatRange(overlap(a.io, b.io))} is ${accessText(a.io.attributes)} here and ${accessText(b.io.attributes)} in ${who(b)}: ${vmLabel(rw.vm)} writes what ${vmLabel(ro.vm)} can only read`,
          {
            related: [rep.related(`${vmLabel(b.vm)} maps it ${accessText(b.io.attributes)}`, b.io.source)],
            hint: 'intended for a producer/consumer buffer; otherwise give both the same S2AP',
          },
        );
      }
    },
  );

  const ram = new RangeSet(p.physical.ram.map((r) => r.pa));
  const invalid = new IntervalIndex(p.physical.invalid, (r) => r.pa);
  for (const { vm, io } of all) {
    if (io.attributes.kind !== 'device' || !ram.intersects(io.pa)) continue;
    const inv = invalid.first(io.pa);
    const src = { ...io.source, ...(io.source.attrSpan ? { propSpan: io.source.attrSpan } : {}) };
    rep.report(
      'platform/device-attributes-on-ram',
      src,
      `vl,attributes ${explainAttributes(io.attrUpper, io.attrLower)} on PA ${formatRange(io.pa)}, which is RAM${inv ? ` (invalid region ${formatRange(inv.pa)})` : ''}${io.attributesDefaulted ? ' (vl,attributes absent: device memory is the default)' : ''}; as device memory every access of ${vmLabel(vm)} bypasses the caches and unaligned accesses fault`,
      {
        hint: `for the cached, coherent access the technical note describes use <VDT_S2PTE_UPPER_MEM VDT_S2PTE_LOWER_MEM> ${attrWords(VDT_S2PTE_UPPER_MEM, VDT_S2PTE_LOWER_MEM)}; keep device attributes only when a non-coherent agent (DSP, microcontroller) shares the region and every sharer maps it uncached`,
      },
    );
  }
}

function who(s: Sharer): string {
  return `${vmLabel(s.vm)} ${s.io.name}${s.io.moved ? ` (at IPA ${hexAddr(s.io.ipa.start)})` : ''}`;
}

function overlap(a: IoMapping, b: IoMapping): { start: bigint; end: bigint } {
  return {
    start: a.pa.start > b.pa.start ? a.pa.start : b.pa.start,
    end: a.pa.end < b.pa.end ? a.pa.end : b.pa.end,
  };
}
