import type { Platform, Vm, VmMemoryWindow } from '../model.js';
import { vmLabel } from '../model.js';
import { formatRange, hexAddr, IntervalIndex, RangeSet } from '../range.js';
import type { Reporter } from '../report.js';

/**
 * Rules 8 and 9: page granting's configuration. An importer's vplatform
 * `vm-memory@<id>` window and its guest DT twin in `/reserved-memory` name an
 * existing VM other than itself; both VMs map their RAM at IPA == PA, or
 * every grant fails (-EOPNOTSUPP).
 */
export function checkVmMemory(p: Platform, rep: Reporter): void {
  const byId = new Map(p.vms.map((v) => [v.id, v]));
  for (const vm of p.vms) {
    const seen = new Map<number, VmMemoryWindow>();
    for (const w of vm.imports) {
      const exporter = byId.get(w.exporterId);
      if (!exporter) {
        rep.report(
          'platform/vm-memory-unknown-vm',
          w.source,
          `vl,vm-id = <${w.exporterId}> names no VM of the platform (VMs: ${p.vms.map((v) => `${v.id} ${v.name}`).join(', ')})`,
          {
            hint: 'vl,vm-id is the id of the exporter VM as the manifest lists it',
          },
        );
        continue;
      }
      if (exporter.id === vm.id) {
        rep.report(
          'platform/vm-memory-self',
          w.source,
          `vl,vm-id = <${w.exporterId}> is ${vmLabel(vm)} itself: a VM cannot import its own memory`,
          {
            hint: 'vl,vm-id names the exporter, the VM that grants pages to this one',
          },
        );
        continue;
      }
      const dup = seen.get(w.exporterId);
      if (dup) {
        rep.report(
          'platform/vm-memory-duplicate',
          w.source,
          `a second vm-memory node for exporter ${vmLabel(exporter)}`,
          {
            related: [rep.related('first vm-memory node for it', dup.source)],
            hint: 'one window per exporter: remove the duplicate',
          },
        );
        continue;
      }
      seen.set(w.exporterId, w);
      if (!w.guestTwin) {
        rep.report(
          'platform/vm-memory-no-guest-twin',
          w.source,
          `the guest DT (${vm.guestFile}) has no /reserved-memory/vm-memory@${w.exporterId.toString(16)} with vl,vm-id = <${w.exporterId}>`,
          {
            hint: `add to the guest DT: reserved-memory { #address-cells = <2>; #size-cells = <1>; ranges; vm-memory@${w.exporterId.toString(16)} { compatible = "vl,vm-memory"; reg = <0 0 0>; vl,vm-id = <${w.exporterId}>; }; };`,
          },
        );
      }
      checkIdentity(vm, exporter, w, rep);
    }
    for (const g of vm.guest.vmMemoryNodes) {
      if (!g.inReservedMemory)
        rep.report(
          'platform/vm-memory-guest-placement',
          g.source,
          `the guest's vm-memory node must be a child of /reserved-memory, not of ${parentPath(g.source.path)}`,
          {
            hint: 'move it into /reserved-memory, where the hypervisor fills its reg at VM start',
          },
        );
      if (g.exporterId !== undefined && !vm.imports.some((w) => w.exporterId === g.exporterId))
        rep.report(
          'platform/vm-memory-no-vplatform-twin',
          g.source,
          `no vm-memory node with vl,vm-id = <${g.exporterId}> in ${vmLabel(vm)}'s vplatform (${vm.vplatformFile}): the hypervisor provisions no window and leaves reg empty`,
          {
            hint: `add vm-memory@${g.exporterId.toString(16)} { compatible = "vl,vm-memory"; vl,vm-id = <${g.exporterId}>; }; to the vplatform, or remove this node`,
          },
        );
    }
    const rm = vm.guest.reservedMemory;
    if (rm && vm.guest.vmMemoryNodes.some((g) => g.inReservedMemory)) {
      const problems: string[] = [];
      if (rm.addressCells !== rm.rootAddressCells || rm.sizeCells !== rm.rootSizeCells)
        problems.push(
          `#address-cells/#size-cells are ${rm.addressCells}/${rm.sizeCells}, the root's are ${rm.rootAddressCells}/${rm.rootSizeCells}`,
        );
      if (rm.ranges !== 'empty')
        problems.push(
          rm.ranges === 'absent' ? 'it has no ranges property' : 'its ranges translates addresses',
        );
      if (problems.length > 0)
        rep.report('platform/reserved-memory-format', rm.source, `/reserved-memory: ${problems.join('; ')}`, {
          hint: "the reserved-memory binding wants the root's #address-cells and #size-cells and an empty ranges;",
        });
    }
  }
}

function checkIdentity(importer: Vm, exporter: Vm, w: VmMemoryWindow, rep: Reporter): void {
  for (const side of [importer, exporter]) {
    const moved = side.ram.find((r) => !r.identity);
    if (!moved) continue;
    rep.report(
      'platform/grant-needs-identity-ram',
      w.source,
      `${vmLabel(importer)} imports from ${vmLabel(exporter)}, but ${side === importer ? 'the importer' : 'the exporter'} ${vmLabel(side)} maps RAM PA ${formatRange(moved.pa)} at IPA ${hexAddr(moved.ipa.start)}: every grant between them fails with -EOPNOTSUPP`,
      {
        related: [rep.related(`${vmLabel(side)}'s non-identity RAM`, moved.source)],
        hint: 'page granting needs IPA == PA RAM on both sides (technical note 2.1.2): drop ipa-base from the RAM, or share statically through invalid memory',
      },
    );
  }
}

function parentPath(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

/**
 * Rule 10: a statically shared region is IO memory for the guest: Linux has no
 * page descriptors for it, so drivers that need pages (DMA) cannot use it. A
 * guest DT that describes it as memory (a memory node, or a reserved-memory
 * child such as a shared-dma-pool) expects what it will not get.
 */
export function checkGuestHints(p: Platform, rep: Reporter): void {
  const ram = new RangeSet(p.physical.ram.map((r) => r.pa));
  for (const vm of p.vms) {
    const shared = vm.io.filter((io) => io.allowSharing || ram.intersects(io.pa));
    if (shared.length === 0) continue;
    const index = new IntervalIndex(shared, (io) => io.ipa);
    for (const g of [...vm.guest.memory, ...vm.guest.reserved]) {
      const io = index.first(g.ipa);
      if (!io) continue;
      const kind = g.compatible.length > 0 ? `${g.name} (${g.compatible.join(', ')})` : g.name;
      rep.report(
        'platform/static-share-is-io-memory',
        g.source,
        `describes IPA ${formatRange(g.ipa)} as memory (${kind}), but ${vmLabel(vm)} gets it as statically shared io-memory ${io.name} (PA ${formatRange(io.pa)}): the guest has no page descriptors for it, so Linux drivers that need pages cannot use it for DMA`,
        {
          related: [rep.related('the io-memory mapping', io.source)],
          hint: 'use it through ioremap/memremap as IO memory, or share by page granting (vm-memory) when drivers must DMA into it',
        },
      );
    }
  }
}
