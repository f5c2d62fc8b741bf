import { Property, type Marker, type Node } from '../dt/model.js';
import { getNodeByPath } from '../dt/lookup.js';
import { writeDtb } from '../dtb/write.js';
import { ByteBuilder } from '../util/bytes.js';
import type { LoadedPlatform } from './load.js';
import type { Platform } from './model.js';

/**
 * `vmshare build`: the DTBs the hypervisor boots with — its own tree, every
 * vplatform, and every guest tree with each `/reserved-memory/vm-memory@<id>`
 * `reg` filled with the exporter's RAM ranges, as the hypervisor does at VM
 * start (the technical note: "reg is populated by the Hypervisor during
 * initialization and will contain VM3 memory description"). The loaded trees
 * are left as they were.
 */
export interface BuiltFile {
  /** File name inside the output folder. */
  readonly name: string;
  readonly bytes: Uint8Array;
  readonly what: string;
}

export function buildPlatform(loaded: LoadedPlatform, platform: Platform): BuiltFile[] {
  const out: BuiltFile[] = [];
  out.push({
    name: 'hypervisor.dtb',
    bytes: writeDtb(loaded.hypervisor.tree),
    what: `hypervisor DT (${loaded.hypervisor.file})`,
  });
  const byId = new Map(platform.vms.map((v) => [v.id, v]));
  for (const v of loaded.vms) {
    out.push({
      name: `${v.name}.vplatform.dtb`,
      bytes: writeDtb(v.vplatform.tree),
      what: `vplatform of ${v.name} (${v.vplatform.file})`,
    });
    const vm = byId.get(v.id);
    const restore: (() => void)[] = [];
    const patched: string[] = [];
    for (const g of vm?.guest.vmMemoryNodes ?? []) {
      if (g.exporterId === undefined || !g.inReservedMemory) continue;
      const exporter = byId.get(g.exporterId);
      if (!exporter || exporter.id === v.id) continue;
      const node = getNodeByPath(v.guest.tree.root, g.source.path);
      if (!node) continue;
      const ranges = exporter.ram.map((r) => ({ start: r.pa.start, size: r.pa.end - r.pa.start }));
      restore.push(setReg(node, encodeReg(ranges, g.addressCells, g.sizeCells)));
      patched.push(`${g.name} <- ${exporter.name}'s RAM`);
    }
    try {
      out.push({
        name: `${v.name}.guest.dtb`,
        bytes: writeDtb(v.guest.tree),
        what: `guest DT of ${v.name} (${v.guest.file})${patched.length > 0 ? `, ${patched.join(', ')}` : ''}`,
      });
    } finally {
      for (const r of restore) r();
    }
  }
  return out;
}

/**
 * `reg` entries in the given cells; a range whose size does not fit the size
 * cells (a 4 GiB bank with #size-cells = <1>) is split into pieces that do.
 */
export function encodeReg(
  ranges: readonly { start: bigint; size: bigint }[],
  addressCells: number,
  sizeCells: number,
): Uint8Array {
  const b = new ByteBuilder(ranges.length * (addressCells + sizeCells) * 4);
  const maxSize = sizeCells >= 2 ? (1n << 64n) - 1n : sizeCells === 1 ? 0xfffff000n : 0n;
  const cells = (v: bigint, n: number): void => {
    for (let i = n - 1; i >= 0; i--) b.u32(Number((v >> BigInt(32 * i)) & 0xffffffffn));
  };
  for (const r of ranges) {
    let start = r.start;
    let left = r.size;
    while (left > 0n && maxSize > 0n) {
      const piece = left > maxSize ? maxSize : left;
      cells(start, addressCells);
      cells(piece, sizeCells);
      start += piece;
      left -= piece;
    }
  }
  return b.toBytes();
}

/** Replaces (or adds) `reg`; returns how to undo it. */
function setReg(node: Node, value: Uint8Array): () => void {
  const markers: Marker[] = [{ offset: 0, kind: 'type-u32' }];
  const p = node.getProperty('reg');
  if (p) {
    const oldValue = p.value;
    const oldMarkers = p.markers;
    p.value = value;
    p.markers = markers;
    return () => {
      p.value = oldValue;
      p.markers = oldMarkers;
    };
  }
  const added = new Property('reg', value, markers);
  node.addProperty(added);
  return () => {
    node.properties.splice(node.properties.indexOf(added), 1);
  };
}
