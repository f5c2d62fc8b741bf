import type { IpaSegment, PhysSegment, PlatformMap } from './map.js';
import { formatSize, hexAddr } from './range.js';

/**
 * The maps as one SVG picture: a lane per VM (its IPA space, top = low
 * addresses), the physical lane in the middle, and a link from every RAM,
 * io-memory and vm-memory segment to the physical bytes it maps, so a
 * statically shared region shows as links from several lanes meeting in one
 * physical segment. Heights grow with the logarithm of the size: a 4 KiB
 * window and 2 GiB of RAM stay readable in the same picture.
 */
const LANE_W = 250;
const GAP = 170;
const TOP = 70;
const SKIP = 12;

interface Box {
  x: number;
  y: number;
  h: number;
}

export function renderMapSvg(m: PlatformMap): string {
  const half = Math.ceil(m.vms.length / 2);
  const left = m.vms.slice(0, half);
  const right = m.vms.slice(half);
  const laneX = (i: number): number => 20 + i * (LANE_W + GAP);
  const physIndex = left.length;
  const physX = laneX(physIndex);

  const parts: string[] = [];
  const links: string[] = [];
  const physBoxes = layout(m.physical, physX);
  let maxY = TOP;
  for (const b of physBoxes) maxY = Math.max(maxY, b.y + b.h);

  parts.push(laneHeader(physX, 'physical memory (PA)'));
  m.physical.forEach((s, i) =>
    parts.push(segmentRect(physBoxes[i], physFill(s), physLabel(s), physTitle(s))),
  );

  const physStarts = m.physical.map((s) => s.start);
  const findPhys = (pa: bigint): number => {
    let lo = 0;
    let hi = physStarts.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (physStarts[mid] <= pa) lo = mid + 1;
      else hi = mid;
    }
    const i = lo - 1;
    return i >= 0 && m.physical[i].end > pa ? i : -1;
  };

  const lanes = [
    ...left.map((vm, i) => ({ vm, x: laneX(i), side: 'left' as const })),
    ...right.map((vm, i) => ({ vm, x: laneX(physIndex + 1 + i), side: 'right' as const })),
  ];
  for (const lane of lanes) {
    const boxes = layout(lane.vm.segments, lane.x);
    parts.push(laneHeader(lane.x, `${lane.vm.name} (VM ${lane.vm.id}) IPA`));
    lane.vm.segments.forEach((s, i) => {
      const b = boxes[i];
      maxY = Math.max(maxY, b.y + b.h);
      parts.push(segmentRect(b, ipaFill(s), ipaLabel(s), ipaTitle(s, lane.vm.name), s.kind === 'vm-memory'));
      const pi = findPhys(s.pa.start);
      if (pi < 0) return;
      const pb = physBoxes[pi];
      const x1 = lane.side === 'left' ? b.x + LANE_W : b.x;
      const x2 = lane.side === 'left' ? pb.x : pb.x + LANE_W;
      const y1 = b.y + b.h / 2;
      const y2 = pb.y + Math.min(pb.h / 2, 14);
      const mid = (x1 + x2) / 2;
      const cls =
        s.kind === 'io-memory'
          ? s.sharedWith.length > 0
            ? 'link shared'
            : 'link io'
          : s.kind === 'ram'
            ? 'link ram'
            : 'link window';
      links.push(
        `<path class="${cls}" d="M${x1} ${y1} C${mid} ${y1} ${mid} ${y2} ${x2} ${y2}"><title>${esc(`${lane.vm.name} ${s.node}: IPA ${hexAddr(s.start)} -> PA ${hexAddr(s.pa.start)}`)}</title></path>`,
      );
    });
  }
  const width = laneX(lanes.length + 1) - GAP + 20;
  const height = maxY + 50;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="ui-monospace, Menlo, Consolas, monospace" font-size="11">`,
    '<style>',
    '.seg{stroke:#555;stroke-width:1}.lane{font-weight:bold;font-size:13px}.lbl{fill:#111}.sub{fill:#555}',
    '.link{fill:none;stroke-width:2;opacity:.55}.ram{stroke:#4a9a4a}.shared{stroke:#e07b00;stroke-width:3;opacity:.8}.io{stroke:#3b6fd1}',
    '.window{stroke:#8a4fc7;stroke-dasharray:6 4}',
    '</style>',
    `<text x="20" y="24" font-size="15" font-weight="bold">${esc(`Memory map of ${m.manifest}`)}</text>`,
    `<text x="20" y="42" class="sub">green: RAM  orange: shared io-memory  blue: device windows  purple dashed: vm-memory windows (page granting)  grey: invalid/unassigned</text>`,
    ...links,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}

function layout(segs: readonly { start: bigint; end: bigint }[], x: number): Box[] {
  const out: Box[] = [];
  let y = TOP;
  let prevEnd: bigint | undefined;
  for (const s of segs) {
    if (prevEnd !== undefined && s.start !== prevEnd) y += SKIP;
    const h = heightOf(s.end - s.start);
    out.push({ x, y, h });
    y += h;
    prevEnd = s.end;
  }
  return out;
}

function heightOf(size: bigint): number {
  const log2 = size.toString(2).length - 1;
  return Math.max(30, Math.min(110, 30 + (log2 - 12) * 4));
}

function laneHeader(x: number, text: string): string {
  return `<text class="lane" x="${x + LANE_W / 2}" y="${TOP - 10}" text-anchor="middle">${esc(text)}</text>`;
}

function segmentRect(b: Box, fill: string, label: [string, string], title: string, dashed = false): string {
  return [
    `<g><title>${esc(title)}</title>`,
    `<rect class="seg" x="${b.x}" y="${b.y}" width="${LANE_W}" height="${b.h}" fill="${fill}"${dashed ? ' stroke-dasharray="5 3"' : ''}/>`,
    `<text class="lbl" x="${b.x + 6}" y="${b.y + 13}">${esc(label[0])}</text>`,
    `<text class="sub" x="${b.x + 6}" y="${b.y + 26}">${esc(label[1])}</text>`,
    '</g>',
  ].join('');
}

function physFill(s: PhysSegment): string {
  if (s.sharers.length > 1) return '#ffd8a8';
  if (s.sharers.length === 1) return s.ram ? '#ffe8c8' : '#cfe0ff';
  if (s.owners.length > 0) return '#cfe8cf';
  if (s.invalid || s.hypervisor) return '#dddddd';
  return '#f2f2f2';
}

function physLabel(s: PhysSegment): [string, string] {
  const who =
    s.sharers.length > 0
      ? `shared: ${s.sharers.map((x) => x.vm).join(', ')}`
      : s.owners.length > 0
        ? `RAM of ${s.owners.map((o) => o.vm).join(', ')}`
        : s.hypervisor
          ? 'hypervisor'
          : s.invalid
            ? 'invalid (unused)'
            : s.ram
              ? 'RAM, unassigned'
              : 'device window';
  return [
    `${who}${s.invalid && s.sharers.length > 0 ? ' (invalid)' : ''}`,
    `${hexAddr(s.start)} ${formatSize(s.end - s.start)}`,
  ];
}

function physTitle(s: PhysSegment): string {
  const lines = [`PA ${hexAddr(s.start)}..${hexAddr(s.end - 1n)} (${formatSize(s.end - s.start)})`];
  for (const x of s.sharers)
    lines.push(`${x.vm} ${x.node} at IPA ${hexAddr(x.ipa ?? s.start)}: ${x.attributes}`);
  for (const g of s.grantableTo) lines.push(`grantable to ${g.vm} (${g.node})`);
  return lines.join('\n');
}

function ipaFill(s: IpaSegment): string {
  if (s.kind === 'ram') return '#cfe8cf';
  if (s.kind === 'vm-memory') return '#efe3fa';
  return s.sharedWith.length > 0 ? '#ffd8a8' : '#cfe0ff';
}

function ipaLabel(s: IpaSegment): [string, string] {
  const what =
    s.kind === 'ram'
      ? 'RAM'
      : s.kind === 'vm-memory'
        ? `grants from ${s.exporter}`
        : `io ${s.access} ${s.memoryType}`;
  return [
    what,
    `${hexAddr(s.start)} ${formatSize(s.end - s.start)}${s.identity ? '' : ` <- PA ${hexAddr(s.pa.start)}`}`,
  ];
}

function ipaTitle(s: IpaSegment, vm: string): string {
  return `${vm} ${s.node}: IPA ${hexAddr(s.start)}..${hexAddr(s.end - 1n)} -> PA ${hexAddr(s.pa.start)}${s.attributes ? `\n${s.attributes}` : ''}${s.sharedWith.length > 0 ? `\nshared with ${s.sharedWith.join(', ')}` : ''}`;
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
