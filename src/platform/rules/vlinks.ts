import type { Platform, Vlink } from '../model.js';
import { vmLabel } from '../model.js';
import type { Reporter } from '../report.js';
import { VLINK_NAME_MAX } from '../extract.js';

/**
 * Rule 11: vlinks connect two existing, different VMs, once per (name, link,
 * server, client); an importer and its exporter need a critical vlink, the
 * channel whose OFF tells the hypervisor the importer's drivers have drained
 * before the exporter's restart revokes its grants.
 */
export function checkVlinks(p: Platform, rep: Reporter): void {
  const byId = new Map(p.vms.map((v) => [v.id, v]));
  const seen = new Map<string, Vlink>();
  const critical = new Set<string>();
  for (const l of p.vlinks) {
    if (l.name.length > VLINK_NAME_MAX)
      rep.report(
        'platform/vlink-name-too-long',
        l.source,
        `vl,name "${l.name}" has ${l.name.length} characters; at most ${VLINK_NAME_MAX} fit the vlink descriptor`,
        {
          hint: 'shorten the name (guests look vlinks up by it)',
        },
      );
    let ok = true;
    for (const [side, id] of [
      ['vl,server', l.serverId],
      ['vl,client', l.clientId],
    ] as const) {
      if (byId.has(id)) continue;
      ok = false;
      rep.report(
        'platform/vlink-unknown-vm',
        l.source,
        `${side} = <${id}> names no VM of the platform (VMs: ${p.vms.map((v) => `${v.id} ${v.name}`).join(', ')})`,
        {
          hint: 'vlink ends are VM ids as the manifest lists them',
        },
      );
    }
    if (l.serverId === l.clientId) {
      ok = false;
      rep.report(
        'platform/vlink-self',
        l.source,
        `vl,server and vl,client are both ${l.serverId}: a vlink connects two different VMs`,
        {
          hint: 'set vl,client to the peer VM',
        },
      );
    }
    const key = `${l.name}\0${l.link}\0${l.serverId}\0${l.clientId}`;
    const dup = seen.get(key);
    if (dup) {
      rep.report(
        'platform/vlink-duplicate',
        l.source,
        `vlink "${l.name}" link ${l.link} from ${l.serverId} to ${l.clientId} is declared twice`,
        {
          related: [rep.related('first declared', dup.source)],
          hint: 'give the second link another vl,link number, or remove it',
        },
      );
      continue;
    }
    seen.set(key, l);
    if (ok && l.critical) critical.add(pairKey(l.serverId, l.clientId));
  }
  for (const vm of p.vms) {
    for (const w of vm.imports) {
      const exporter = byId.get(w.exporterId);
      if (!exporter || exporter.id === vm.id) continue;
      if (critical.has(pairKey(vm.id, exporter.id))) continue;
      rep.report(
        'platform/import-without-critical-vlink',
        w.source,
        `${vmLabel(vm)} imports ${vmLabel(exporter)}'s memory but no critical vlink joins them: when ${vmLabel(exporter)} stops, its grants to ${vmLabel(vm)} are revoked without waiting for ${vmLabel(vm)}'s drivers to drain`,
        {
          hint: `declare a vlink between ${exporter.id} and ${vm.id} with vl,critical; under /vlm/vlinks in the hypervisor DT (it carries the grant messages too)`,
        },
      );
    }
  }
}

function pairKey(a: number, b: number): string {
  return a < b ? `${a}-${b}` : `${b}-${a}`;
}
