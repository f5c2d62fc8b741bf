import type { IpaSegment, PhysSegment, PlatformMap } from './map.js';
import { formatSize, hexAddr } from './range.js';

/**
 * The maps as text tables: one row per physical segment (what it is, who
 * owns or maps it and how), then one table per VM's IPA space.
 */
export function renderMapText(m: PlatformMap): string {
  const out: string[] = [];
  out.push(`Physical address map (${m.manifest})`);
  out.push(
    ...table(
      ['PA start', 'PA last', 'size', 'what'],
      m.physical.map((s) => [
        hexAddr(s.start),
        hexAddr(s.end - 1n),
        formatSize(s.end - s.start),
        physWhat(s),
      ]),
    ),
  );
  for (const vm of m.vms) {
    out.push('');
    out.push(
      `${vm.name} (VM ${vm.id}): IPA map${vm.identityRam ? ', RAM identity-mapped' : ', RAM NOT identity-mapped (no page granting)'}`,
    );
    if (vm.segments.length === 0) {
      out.push('  (nothing mapped)');
      continue;
    }
    out.push(
      ...table(
        ['IPA start', 'IPA last', 'size', 'kind', 'maps'],
        vm.segments.map((s) => [
          hexAddr(s.start),
          hexAddr(s.end - 1n),
          formatSize(s.end - s.start),
          s.kind,
          ipaWhat(s),
        ]),
      ),
    );
  }
  return out.join('\n') + '\n';
}

function physWhat(s: PhysSegment): string {
  const parts: string[] = [];
  const base = s.ram
    ? s.invalid
      ? 'RAM, invalid region'
      : 'RAM'
    : s.invalid
      ? 'invalid region outside RAM'
      : 'device window';
  parts.push(base);
  if (s.hypervisor) parts.push('hypervisor memory');
  if (s.reserved.length > 0) parts.push(`reserved memory ${s.reserved.join(', ')}`);
  for (const o of s.owners) parts.push(`RAM of ${o.vm} at IPA ${hexAddr(o.ipa ?? s.start)}`);
  if (s.grantableTo.length > 0)
    parts.push(`grantable to ${s.grantableTo.map((g) => `${g.vm} (${g.node})`).join(', ')}`);
  if (s.sharers.length > 0) {
    const verb = s.sharers.length > 1 ? 'shared by' : 'mapped by';
    parts.push(
      `${verb} ${s.sharers.map((x) => `${x.vm} at IPA ${hexAddr(x.ipa ?? s.start)} ${x.access} ${x.memoryType}${x.allowSharing ? '' : ' (no vl,allow-sharing)'}`).join('; ')}`,
    );
  }
  if (
    s.ram &&
    !s.invalid &&
    s.owners.length === 0 &&
    s.sharers.length === 0 &&
    !s.hypervisor &&
    s.reserved.length === 0
  )
    parts.push('unassigned');
  return parts.join('; ');
}

function ipaWhat(s: IpaSegment): string {
  const pa = `PA ${hexAddr(s.pa.start)}${s.identity ? ' (identity)' : ''}`;
  switch (s.kind) {
    case 'ram':
      return `${pa}, ${s.node}`;
    case 'io-memory':
      return `${pa}, ${s.access} ${s.memoryType}${s.attributeNames ? ` [${s.attributeNames}]` : ''}${s.sharedWith.length > 0 ? `, shared with ${s.sharedWith.join(', ')}` : ''}, ${s.node}`;
    case 'vm-memory':
      return `grants from ${s.exporter} (its RAM at IPA == PA), ${s.node}`;
  }
}

function table(head: string[], rows: string[][]): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]): string =>
    '  ' +
    r
      .map((c, i) => (i === r.length - 1 ? c : i === 2 ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(head), ...rows.map(line)];
}
