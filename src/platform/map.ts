import { describeS2Attributes } from '../hv/attributes.js';
import { accessText, attrNames, memoryTypeKey } from './attr-text.js';
import type { IoMapping, Platform, Vm } from './model.js';
import { vmLabel } from './model.js';
import { cmpBig, IntervalIndex, type PaRange } from './range.js';

/**
 * The memory maps `vmshare map` draws: the physical address space cut into
 * segments where nothing changes (RAM, invalid, reserved, hypervisor memory,
 * which VM owns it as RAM, which VMs map it as io-memory and how, which
 * importers may receive it by page granting), and each VM's IPA space.
 */
export interface PlatformMap {
  readonly manifest: string;
  readonly physical: readonly PhysSegment[];
  readonly vms: readonly VmMap[];
}

export interface PhysSegment {
  readonly start: bigint;
  readonly end: bigint;
  /** Inside a RAM bank of the hypervisor DT. */
  readonly ram: boolean;
  readonly invalid: boolean;
  readonly hypervisor: boolean;
  /** Names of the reserved-memory nodes covering it. */
  readonly reserved: readonly string[];
  /** VMs that own it as RAM. */
  readonly owners: readonly MapRef[];
  /** io-memory mappings of it. */
  readonly sharers: readonly Sharer[];
  /** Importers whose vm-memory window accepts it (the owner's granted pages). */
  readonly grantableTo: readonly MapRef[];
}

export interface MapRef {
  readonly vmId: number;
  readonly vm: string;
  readonly node: string;
  /** IPA at which this VM sees the segment's start. */
  readonly ipa?: bigint;
}

export interface Sharer extends MapRef {
  readonly access: string;
  readonly memoryType: string;
  readonly attributes: string;
  readonly attributeNames?: string;
  readonly allowSharing: boolean;
}

export interface VmMap {
  readonly id: number;
  readonly name: string;
  readonly identityRam: boolean;
  readonly segments: readonly IpaSegment[];
}

export interface IpaSegment {
  readonly start: bigint;
  readonly end: bigint;
  readonly kind: 'ram' | 'io-memory' | 'vm-memory';
  readonly node: string;
  /** PA the segment maps (RAM, io-memory); for a window, the exporter's RAM range it accepts (IPA == PA). */
  readonly pa: { readonly start: bigint; readonly end: bigint };
  readonly identity: boolean;
  readonly access?: string;
  readonly memoryType?: string;
  readonly attributes?: string;
  readonly attributeNames?: string;
  /** Other VMs mapping the same physical bytes as io-memory. */
  readonly sharedWith: readonly string[];
  /** vm-memory windows: the exporter. */
  readonly exporter?: string;
}

interface Item {
  readonly pa: PaRange;
  readonly apply: (s: SegmentBuilder, start: bigint) => void;
  readonly key: string;
}

interface SegmentBuilder {
  ram: boolean;
  invalid: boolean;
  hypervisor: boolean;
  reserved: string[];
  owners: MapRef[];
  sharers: Sharer[];
  grantableTo: MapRef[];
}

export function buildMap(p: Platform): PlatformMap {
  const names = new Map(p.vms.map((v) => [v.id, vmLabel(v)]));
  const importersOf = new Map<number, MapRef[]>();
  for (const vm of p.vms)
    for (const w of vm.imports)
      if (w.exporterId !== vm.id && names.has(w.exporterId))
        importersOf.set(w.exporterId, [
          ...(importersOf.get(w.exporterId) ?? []),
          { vmId: vm.id, vm: vmLabel(vm), node: w.name },
        ]);

  const items: Item[] = [];
  let k = 0;
  for (const r of p.physical.ram) items.push({ pa: r.pa, key: `r${k++}`, apply: (s) => (s.ram = true) });
  for (const r of p.physical.invalid)
    items.push({ pa: r.pa, key: `i${k++}`, apply: (s) => (s.invalid = true) });
  for (const r of p.physical.hypervisor)
    items.push({ pa: r.pa, key: `h${k++}`, apply: (s) => (s.hypervisor = true) });
  for (const r of p.physical.reserved)
    items.push({ pa: r.pa, key: `s${k++}`, apply: (s) => s.reserved.push(r.name) });
  for (const vm of p.vms) {
    for (const r of vm.ram) {
      const imps = importersOf.get(vm.id) ?? [];
      items.push({
        pa: r.pa,
        key: `o${k++}`,
        apply: (s, start) => {
          s.owners.push({
            vmId: vm.id,
            vm: vmLabel(vm),
            node: r.name,
            ipa: r.ipa.start + (start - r.pa.start),
          });
          s.grantableTo.push(...imps);
        },
      });
    }
    for (const io of vm.io) {
      items.push({ pa: io.pa, key: `m${k++}`, apply: (s, start) => s.sharers.push(sharer(vm, io, start)) });
    }
  }

  // Elementary segments between consecutive boundaries, merged when nothing changes.
  const bounds = new Set<bigint>();
  for (const it of items) {
    bounds.add(it.pa.start);
    bounds.add(it.pa.end);
  }
  const points = [...bounds].sort(cmpBig);
  const byStart = [...items].sort((a, b) => cmpBig(a.pa.start, b.pa.start));
  const active = new Set<Item>();
  const physical: PhysSegment[] = [];
  let next = 0;
  let prevKey = '';
  for (let i = 0; i + 1 < points.length; i++) {
    const start = points[i];
    const end = points[i + 1];
    for (const it of active) if (it.pa.end <= start) active.delete(it);
    while (next < byStart.length && byStart[next].pa.start <= start) {
      if (byStart[next].pa.end > start) active.add(byStart[next]);
      next++;
    }
    if (active.size === 0) {
      prevKey = '';
      continue;
    }
    const key = [...active].map((a) => a.key).join(',');
    const last = physical[physical.length - 1];
    if (key === prevKey && last && last.end === start) {
      physical[physical.length - 1] = { ...last, end };
      continue;
    }
    prevKey = key;
    const s: SegmentBuilder = {
      ram: false,
      invalid: false,
      hypervisor: false,
      reserved: [],
      owners: [],
      sharers: [],
      grantableTo: [],
    };
    for (const it of active) it.apply(s, start);
    physical.push({ start, end, ...s });
  }

  // Who else maps the same bytes, for the IPA maps.
  const allIo: { vm: Vm; io: IoMapping }[] = [];
  for (const vm of p.vms) for (const io of vm.io) allIo.push({ vm, io });
  const ioIndex = new IntervalIndex(allIo, (x) => x.io.pa);
  const ramOf = new Map(p.vms.map((v) => [v.id, v.ram]));

  const vms: VmMap[] = p.vms.map((vm) => {
    const segs: IpaSegment[] = [];
    for (const r of vm.ram)
      segs.push({
        start: r.ipa.start,
        end: r.ipa.end,
        kind: 'ram',
        node: r.name,
        pa: { start: r.pa.start, end: r.pa.end },
        identity: r.identity,
        sharedWith: [],
      });
    for (const io of vm.io) {
      const others = ioIndex
        .overlapping(io.pa)
        .filter((x) => x.io !== io)
        .map((x) => vmLabel(x.vm));
      const names = attrNames(io.attrUpper, io.attrLower);
      segs.push({
        start: io.ipa.start,
        end: io.ipa.end,
        kind: 'io-memory',
        node: io.name,
        pa: { start: io.pa.start, end: io.pa.end },
        identity: io.identity,
        access: accessText(io.attributes),
        memoryType: memoryTypeKey(io.attributes),
        attributes: describeS2Attributes(io.attrUpper, io.attrLower),
        ...(names ? { attributeNames: names } : {}),
        sharedWith: [...new Set(others)],
      });
    }
    for (const w of vm.imports) {
      const exporterRam = ramOf.get(w.exporterId) ?? [];
      for (const ipa of w.ipa) {
        const src = exporterRam.find((r) => r.pa.start === ipa.start);
        segs.push({
          start: ipa.start,
          end: ipa.end,
          kind: 'vm-memory',
          node: w.name,
          pa: { start: src ? src.pa.start : ipa.start, end: src ? src.pa.end : ipa.end },
          identity: true,
          sharedWith: [],
          exporter: names.get(w.exporterId) ?? `vm${w.exporterId}`,
        });
      }
    }
    segs.sort((a, b) => cmpBig(a.start, b.start) || cmpBig(a.end, b.end));
    return { id: vm.id, name: vm.name, identityRam: vm.identityRam, segments: segs };
  });
  return { manifest: p.manifestFile, physical, vms };
}

function sharer(vm: Vm, io: IoMapping, start: bigint): Sharer {
  const names = attrNames(io.attrUpper, io.attrLower);
  return {
    vmId: vm.id,
    vm: vmLabel(vm),
    node: io.name,
    ipa: io.ipa.start + (start - io.pa.start),
    access: accessText(io.attributes),
    memoryType: memoryTypeKey(io.attributes),
    attributes: describeS2Attributes(io.attrUpper, io.attrLower),
    ...(names ? { attributeNames: names } : {}),
    allowSharing: io.allowSharing,
  };
}

/** The map as JSON-ready data: addresses as `0x...` strings (exact beyond 2^53). */
export function mapToJson(m: PlatformMap): unknown {
  return JSON.parse(
    JSON.stringify(m, (_k, v: unknown) => (typeof v === 'bigint' ? '0x' + v.toString(16) : v)),
  );
}
