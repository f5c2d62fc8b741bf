import type { Platform, SourceRef } from '../model.js';
import { vmLabel } from '../model.js';
import { formatRange, hexAddr, sweepOverlaps, type IpaRange } from '../range.js';
import type { Reporter } from '../report.js';

interface IpaItem {
  readonly ipa: IpaRange;
  readonly what: string;
  readonly source: SourceRef;
}

/** Rule 6: inside one VM's IPA space RAM, io-memory and vm-memory windows never overlap. */
export function checkIpaSpaces(p: Platform, rep: Reporter): void {
  const names = new Map(p.vms.map((v) => [v.id, vmLabel(v)]));
  for (const vm of p.vms) {
    const items: IpaItem[] = [];
    for (const r of vm.ram) items.push({ ipa: r.ipa, what: `RAM ${r.name}`, source: r.source });
    for (const io of vm.io) items.push({ ipa: io.ipa, what: `io-memory ${io.name}`, source: io.source });
    const windowFor = new Set<number>();
    for (const w of vm.imports) {
      // A second window for the same exporter is reported by rule 8 (vm-memory-duplicate), not again here.
      if (windowFor.has(w.exporterId)) continue;
      windowFor.add(w.exporterId);
      for (const ipa of w.ipa)
        items.push({
          ipa,
          what: `the vm-memory window for ${names.get(w.exporterId) ?? `vm${w.exporterId}`}'s grants`,
          source: w.source,
        });
    }
    sweepOverlaps(
      items,
      (i) => i.ipa,
      (a, b, head) => {
        if (head) return;
        rep.report(
          'platform/ipa-overlap',
          // Point at ipa-base when the range was moved: that is where its IPA comes from.
          a.source.ipaSpan ? { ...a.source, propSpan: a.source.ipaSpan } : a.source,
          `${a.what} at IPA ${formatRange(a.ipa)} overlaps ${b.what} at IPA ${formatRange(b.ipa)} in ${vmLabel(vm)}'s IPA space`,
          {
            related: [rep.related(`${b.what} is here`, b.source)],
            hint: "move one of them (ipa-base for RAM and io-memory); a vm-memory window sits at IPA == PA of the exporter's RAM",
          },
        );
      },
    );
  }
}

/**
 * Rule 7: the binding's unit addresses say where a node sits in the IPA
 * space, `vl,io-memory@<ipa>-<size>`, `memory@<ipa>`, `vm-memory@<vm id>`, as
 * dtc's unit_address_vs_reg does for ordinary nodes (lower-case hex, no
 * leading zeros, like dtc's "%llx").
 */
export function checkUnitAddresses(p: Platform, rep: Reporter): void {
  for (const vm of p.vms) {
    for (const io of vm.io) {
      if (io.index !== 0) continue;
      const want = `${io.ipa.start.toString(16)}-${(io.ipa.end - io.ipa.start).toString(16)}`;
      const unit = unitOf(io.name);
      if (unit !== want)
        rep.report(
          'platform/unit-address-mismatch',
          io.source,
          `unit address ${unit === undefined ? '(none)' : `'${unit}'`} should be '${want}' (IPA ${hexAddr(io.ipa.start)}${io.moved ? ' from ipa-base' : ''}, size ${hexAddr(io.ipa.end - io.ipa.start)})`,
          {
            hint: `name the node ${basename(io.name)}@${want}`,
            ...(io.source.span ? { span: io.source.span } : {}),
          },
        );
    }
    for (const r of vm.ram) {
      if (r.index !== 0) continue;
      const unit = unitOf(r.name);
      const want = r.ipa.start.toString(16);
      if (unit !== undefined && unit !== want)
        rep.report(
          'platform/unit-address-mismatch',
          r.source,
          `unit address '${unit}' should be '${want}' (the RAM's IPA start${r.identity ? '' : ', from ipa-base'})`,
          {
            hint: `name the node ${basename(r.name)}@${want}`,
            ...(r.source.span ? { span: r.source.span } : {}),
          },
        );
    }
    for (const w of vm.imports) checkVmIdUnit(w.name, w.exporterId, w.source, rep);
    for (const g of vm.guest.vmMemoryNodes)
      if (g.exporterId !== undefined) checkVmIdUnit(g.name, g.exporterId, g.source, rep);
  }
}

function checkVmIdUnit(name: string, id: number, src: SourceRef, rep: Reporter): void {
  const unit = unitOf(name);
  // The note writes vm-memory@3 for VM 3; ids above 9 may be written in hex (dtc's convention) or decimal.
  if (unit === id.toString(16) || unit === id.toString(10)) return;
  rep.report(
    'platform/unit-address-mismatch',
    src,
    `unit address ${unit === undefined ? '(none)' : `'${unit}'`} should be the exporter's VM id ${id} (vl,vm-id)`,
    {
      hint: `name the node vm-memory@${id.toString(16)}`,
    },
  );
}

function unitOf(name: string): string | undefined {
  const at = name.indexOf('@');
  return at < 0 ? undefined : name.slice(at + 1);
}

function basename(name: string): string {
  const at = name.indexOf('@');
  return at < 0 ? name : name.slice(0, at);
}
