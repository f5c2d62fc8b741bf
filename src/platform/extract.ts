import type { DeviceTree, Node, Property } from '../dt/model.js';
import { walkLive } from '../dt/model.js';
import { getNodeByPath } from '../dt/lookup.js';
import { decodeS2Attributes, VDT_S2PTE_LOWER_DEV_MEM, VDT_S2PTE_UPPER_DEV } from '../hv/attributes.js';
import type { Manifest } from './manifest.js';
import {
  freezeDeep,
  type GuestRegion,
  type GuestVmMemoryNode,
  type IoMapping,
  type PhysRegion,
  type Platform,
  type RamMapping,
  type SourceRef,
  type TreeRole,
  type Vlink,
  type Vm,
  type VmMemoryWindow,
} from './model.js';
import {
  ADDRESS_SPACE_END,
  formatRange,
  hexAddr,
  ipaRange,
  isPageAligned,
  paRange,
  PAGE_SIZE,
  type IpaRange,
} from './range.js';
import type { Reporter } from './report.js';
import {
  addressCellsOf,
  cellsAt,
  cellsText,
  deviceTypeIs,
  isCompatible,
  propString,
  propU32,
  sizeCellsOf,
  stringList,
  u32At,
} from './dt-read.js';

/** One compiled tree of the platform. */
export interface TreeInput {
  readonly role: TreeRole;
  readonly vmId?: number;
  /** Display name (as in spans). */
  readonly file: string;
  readonly tree: DeviceTree;
}

export interface PlatformTrees {
  readonly manifest: Manifest;
  readonly hypervisor: TreeInput;
  readonly vms: readonly {
    readonly id: number;
    readonly name: string;
    readonly vplatform: TreeInput;
    readonly guest: TreeInput;
  }[];
}

/** Paths of the hypervisor DT the binding fixes (semantics.md §1, §5). */
export const INVALID_REGION_PATH = '/vlm/memory/invalid-region';
export const HYPERVISOR_REGION_PATH = '/vlm/memory/hypervisor-region';
export const VLINKS_PATH = '/vlm/vlinks';
export const VLINK_NAME_MAX = 15;

/**
 * Trees → immutable Platform. Rule 1 (cell counts, alignment, empty and
 * wrapping ranges) and the mandatory properties are judged here, because an
 * item that cannot be read cannot enter the model; everything else is left to
 * the rules, which see only the model.
 */
export function extractPlatform(trees: PlatformTrees, rep: Reporter): Platform {
  const hv = trees.hypervisor;
  const ram: PhysRegion[] = [];
  const reserved: PhysRegion[] = [];
  for (const n of walkLive(hv.tree.root)) {
    if (deviceTypeIs(n, 'memory')) {
      for (const r of readRegions(n, hv, rep, 'RAM bank')) ram.push(r);
    }
  }
  const resNode = getNodeByPath(hv.tree.root, '/reserved-memory');
  if (resNode) {
    for (const c of resNode.liveChildren()) {
      if (!c.getProperty('reg')) continue; // dynamically placed reserved memory (size/alloc-ranges): nothing fixed to check
      for (const r of readRegions(c, hv, rep, 'reserved memory')) reserved.push(r);
    }
  }
  const invalid: PhysRegion[] = [];
  const invNode = getNodeByPath(hv.tree.root, INVALID_REGION_PATH);
  if (invNode && invNode.getProperty('reg'))
    for (const r of readRegions(invNode, hv, rep, 'invalid region')) invalid.push(r);
  const hypervisor: PhysRegion[] = [];
  const hypNode = getNodeByPath(hv.tree.root, HYPERVISOR_REGION_PATH);
  if (hypNode) for (const r of readRegions(hypNode, hv, rep, 'hypervisor memory')) hypervisor.push(r);
  const byStart = (a: PhysRegion, b: PhysRegion): number =>
    a.pa.start < b.pa.start ? -1 : a.pa.start > b.pa.start ? 1 : 0;
  ram.sort(byStart);

  const vmIds = new Set(trees.vms.map((v) => v.id));
  const vms: Vm[] = [];
  // RAM of every VM first: vm-memory windows are the exporter's RAM.
  const ramById = new Map<number, RamMapping[]>();
  const vplatformRoots = new Map<number, Node>();
  for (const v of trees.vms) {
    const root = v.vplatform.tree.root;
    vplatformRoots.set(v.id, root);
    checkVplatformRoot(root, v.vplatform, rep);
    const list: RamMapping[] = [];
    for (const n of walkLive(root)) {
      if (!deviceTypeIs(n, 'memory')) continue;
      for (const m of readMappings(n, v.vplatform, rep, 'RAM')) {
        list.push({
          pa: m.pa,
          ipa: m.ipa,
          identity: m.identity,
          name: n.name,
          index: m.index,
          source: m.source,
        });
      }
    }
    ramById.set(v.id, list);
  }

  for (const v of trees.vms) {
    const root = vplatformRoots.get(v.id)!;
    const io: IoMapping[] = [];
    const imports: VmMemoryWindow[] = [];
    const guest = readGuest(v.guest, rep);
    const twins = new Map<number, GuestVmMemoryNode>();
    for (const g of guest.vmMemoryNodes)
      if (g.exporterId !== undefined && !twins.has(g.exporterId)) twins.set(g.exporterId, g);
    for (const n of walkLive(root)) {
      if (isCompatible(n, 'vl,io-memory')) {
        const attrs = readAttributes(n, v.vplatform, rep);
        if (!attrs) continue; // malformed vl,attributes: reported; guessing a type would only cascade
        const allowSharing = n.getProperty('vl,allow-sharing') !== undefined;
        for (const m of readMappings(n, v.vplatform, rep, 'io-memory')) {
          io.push({
            pa: m.pa,
            ipa: m.ipa,
            moved: m.moved,
            identity: m.identity,
            attrUpper: attrs.upper,
            attrLower: attrs.lower,
            attributes: decodeCached(attrs.upper, attrs.lower),
            attributesDefaulted: attrs.defaulted,
            allowSharing,
            name: n.name,
            index: m.index,
            source: attrs.span ? { ...m.source, attrSpan: attrs.span } : m.source,
          });
        }
      } else if (isCompatible(n, 'vl,vm-memory')) {
        const src = sourceOf(n, v.vplatform);
        const id = readVmId(n, v.vplatform, rep);
        if (id === undefined) continue;
        const exporterRam = ramById.get(id);
        const window: IpaRange[] =
          vmIds.has(id) && id !== v.id && exporterRam
            ? exporterRam.map((r) => ipaRange(r.pa.start, r.pa.end))
            : [];
        const twin = twins.get(id);
        imports.push({
          exporterId: id,
          ipa: window,
          name: n.name,
          source: src,
          ...(twin ? { guestTwin: twin } : {}),
        });
      }
    }
    const ramList = ramById.get(v.id)!;
    vms.push({
      id: v.id,
      name: v.name,
      ram: ramList,
      io,
      imports,
      guest,
      identityRam: ramList.every((r) => r.identity),
      vplatformFile: v.vplatform.file,
      guestFile: v.guest.file,
      source: sourceOf(root, v.vplatform),
    });
  }
  vms.sort((a, b) => a.id - b.id);

  const vlinks = readVlinks(hv, rep);
  return freezeDeep({
    manifestFile: trees.manifest.file,
    limits: trees.manifest.limits,
    criticalVlinkTimeoutMs: trees.manifest.criticalVlinkTimeoutMs,
    physical: { ram, invalid, reserved, hypervisor },
    vms,
    vlinks,
  });
}

const decoded = new Map<string, ReturnType<typeof decodeS2Attributes>>();

/** Platforms reuse a handful of attribute pairs across thousands of nodes: decode each once (the result is frozen with the model). */
function decodeCached(upper: number, lower: number): ReturnType<typeof decodeS2Attributes> {
  const key = `${upper}:${lower}`;
  let d = decoded.get(key);
  if (!d) {
    d = Object.freeze(decodeS2Attributes(upper, lower));
    decoded.set(key, d);
  }
  return d;
}

export function sourceOf(n: Node, t: TreeInput, prop?: Property): SourceRef {
  const span = n.spans[0];
  return {
    tree: t.role,
    ...(t.vmId !== undefined ? { vmId: t.vmId } : {}),
    path: n.fullPath,
    ...(span ? { span } : {}),
    ...(n.spans.length > 1 ? { spans: n.spans } : {}),
    ...(prop?.span ? { propSpan: prop.span } : {}),
  };
}

interface RawRange {
  start: bigint;
  size: bigint;
  index: number;
}

/**
 * `reg` entries under the parent's cells; malformed values and bad ranges are
 * reported (rule 1) and left out. `allowEmpty` accepts size 0 (the guest
 * vm-memory placeholder `<0 0 0>`).
 */
function readReg(
  n: Node,
  t: TreeInput,
  rep: Reporter,
  what: string,
  allowEmpty = false,
): RawRange[] | undefined {
  const p = n.getProperty('reg');
  const src = sourceOf(n, t, p);
  if (!p) {
    rep.report('platform/missing-reg', sourceOf(n, t), `${what} node has no reg`, {
      hint: "give its physical range as reg = <address size> in the parent's cells",
    });
    return undefined;
  }
  const ac = addressCellsOf(n.parent);
  const sc = sizeCellsOf(n.parent);
  const entryBytes = (ac + sc) * 4;
  if (entryBytes === 0 || p.value.length === 0 || p.value.length % entryBytes !== 0) {
    rep.report(
      'platform/reg-cells',
      src,
      `reg is ${p.value.length} bytes ${cellsText(p.value)}, not a non-zero multiple of (#address-cells ${ac} + #size-cells ${sc}) x 4 = ${entryBytes}`,
      {
        hint: `write each entry as ${ac} address cell(s) then ${sc} size cell(s), or fix #address-cells/#size-cells of ${n.parent?.fullPath ?? '/'}`,
      },
    );
    return undefined;
  }
  const out: RawRange[] = [];
  const entries = p.value.length / entryBytes;
  for (let i = 0; i < entries; i++) {
    const start = cellsAt(p.value, i * (ac + sc), ac);
    const size = sc === 0 ? 0n : cellsAt(p.value, i * (ac + sc) + ac, sc);
    const label = entries > 1 ? `reg entry ${i}` : 'reg';
    if (!checkRange(start, size, label, src, rep, allowEmpty)) continue;
    out.push({ start, size, index: i });
  }
  return out;
}

function checkRange(
  start: bigint,
  size: bigint,
  label: string,
  src: SourceRef,
  rep: Reporter,
  allowEmpty: boolean,
): boolean {
  if (size === 0n) {
    if (allowEmpty && start === 0n) return true;
    rep.report('platform/range-empty', src, `${label} at ${hexAddr(start)} has size 0`, {
      hint: 'a range must cover at least one 4 KiB page',
    });
    return false;
  }
  if (start + size > ADDRESS_SPACE_END) {
    rep.report(
      'platform/range-wraps',
      src,
      `${label} ${hexAddr(start)} + size ${hexAddr(size)} ends at ${hexAddr(start + size)}, past 2^64`,
      {
        hint: 'the last byte of a range must be at most 0xffffffffffffffff',
      },
    );
    return false;
  }
  if (!isPageAligned(start) || !isPageAligned(size)) {
    const bad = !isPageAligned(start)
      ? `start ${hexAddr(start)} (offset ${hexAddr(start % PAGE_SIZE)} into its page)`
      : `size ${hexAddr(size)} (${hexAddr(size % PAGE_SIZE)} past a page multiple)`;
    rep.report(
      'platform/range-unaligned',
      src,
      `${label} ${formatRange({ start, end: start + size })}: ${bad} is not 4 KiB aligned`,
      {
        hint: 'stage-2 tables map whole 4 KiB pages: align start and size to 0x1000',
      },
    );
    return false;
  }
  return true;
}

function readRegions(n: Node, t: TreeInput, rep: Reporter, what: string): PhysRegion[] {
  const regs = readReg(n, t, rep, what);
  if (!regs) return [];
  const src = sourceOf(n, t, n.getProperty('reg'));
  return regs.map((r) => ({
    pa: paRange(r.start, r.start + r.size),
    name: n.name,
    index: r.index,
    source: src,
  }));
}

interface RawMapping {
  pa: ReturnType<typeof paRange>;
  ipa: IpaRange;
  moved: boolean;
  identity: boolean;
  index: number;
  source: SourceRef;
}

/** `reg` (PA) plus optional `ipa-base` (one address per reg entry): RAM and io-memory nodes of a vplatform. */
function readMappings(n: Node, t: TreeInput, rep: Reporter, what: string): RawMapping[] {
  const regs = readReg(n, t, rep, what);
  if (!regs) return [];
  const src = sourceOf(n, t, n.getProperty('reg'));
  const ipaProp = n.getProperty('ipa-base');
  let bases: bigint[] | undefined;
  if (ipaProp) {
    const ac = addressCellsOf(n.parent);
    const entries = n.getProperty('reg')!.value.length / ((ac + sizeCellsOf(n.parent)) * 4);
    if (ac === 0 || ipaProp.value.length !== ac * 4 * entries) {
      rep.report(
        'platform/ipa-base-cells',
        sourceOf(n, t, ipaProp),
        `ipa-base is ${ipaProp.value.length} bytes ${cellsText(ipaProp.value)}; with #address-cells ${ac} and ${entries} reg entr${entries === 1 ? 'y' : 'ies'} it must be ${ac * 4 * entries} bytes`,
        {
          hint:
            ac === 2
              ? 'write a 64-bit IPA as two cells: ipa-base = <0x8 0x00000000> for 0x800000000'
              : `give one ${ac}-cell address per reg entry`,
        },
      );
      return [];
    }
    bases = [];
    for (let i = 0; i < entries; i++) bases.push(cellsAt(ipaProp.value, i * ac, ac));
  }
  const out: RawMapping[] = [];
  for (const r of regs) {
    const pa = paRange(r.start, r.start + r.size);
    let ipaStart = r.start;
    if (bases) {
      ipaStart = bases[r.index];
      const ipaSrc = sourceOf(n, t, ipaProp);
      const label = regs.length > 1 ? `ipa-base entry ${r.index}` : 'ipa-base';
      if (!checkRange(ipaStart, r.size, label, ipaSrc, rep, false)) continue;
    }
    out.push({
      pa,
      ipa: ipaRange(ipaStart, ipaStart + r.size),
      moved: bases !== undefined && ipaStart !== r.start,
      identity: ipaStart === r.start,
      index: r.index,
      source: ipaProp?.span ? { ...src, ipaSpan: ipaProp.span } : src,
    });
  }
  return out;
}

/** `vl,attributes = <UPPER LOWER>`; absent → the hypervisor's device default (device nGnRE, RW, XN). */
function readAttributes(
  n: Node,
  t: TreeInput,
  rep: Reporter,
): { upper: number; lower: number; defaulted: boolean; span?: SourceRef['span'] } | undefined {
  const p = n.getProperty('vl,attributes');
  if (!p) return { upper: VDT_S2PTE_UPPER_DEV, lower: VDT_S2PTE_LOWER_DEV_MEM, defaulted: true };
  if (p.value.length !== 8) {
    rep.report(
      'platform/attributes-format',
      sourceOf(n, t, p),
      `vl,attributes is ${p.value.length} bytes ${cellsText(p.value)}, not two cells <UPPER LOWER>`,
      {
        hint: 'vl,attributes = <VDT_S2PTE_UPPER_MEM VDT_S2PTE_LOWER_MEM> (include <nkvdt.h>)',
      },
    );
    return undefined;
  }
  const upper = u32At(p.value, 0);
  const lower = u32At(p.value, 1);
  const a = decodeCached(upper, lower);
  if (a.strayLower !== 0 || a.strayUpper !== 0) {
    const parts: string[] = [];
    if (a.strayUpper !== 0)
      parts.push(`upper bits 0x${a.strayUpper.toString(16)} (output-address or reserved bits)`);
    if (a.strayLower !== 0)
      parts.push(`lower bits 0x${a.strayLower.toString(16)} (descriptor type or RES0 bits)`);
    rep.report(
      'platform/attributes-stray-bits',
      sourceOf(n, t, p),
      `vl,attributes <0x${upper.toString(16)} 0x${lower.toString(16)}> sets ${parts.join(' and ')} outside the stage-2 attribute fields`,
      {
        hint: 'lower word: MemAttr [5:2], S2AP [7:6], SH [9:8], AF [10]; upper word: Contiguous [20], XN [22] (see include/nkvdt.h)',
      },
    );
  }
  return { upper, lower, defaulted: false, ...(p.span ? { span: p.span } : {}) };
}

function readVmId(n: Node, t: TreeInput, rep: Reporter): number | undefined {
  const p = n.getProperty('vl,vm-id');
  const id = propU32(n, 'vl,vm-id');
  if (id === undefined) {
    rep.report(
      'platform/vm-memory-missing-id',
      sourceOf(n, t, p),
      p ? `vl,vm-id is ${cellsText(p.value)}, not one cell` : 'vm-memory node has no vl,vm-id',
      {
        hint: 'vl,vm-id = <exporter VM id>; is mandatory: it names the VM whose granted pages this window accepts',
      },
    );
  }
  return id;
}

function checkVplatformRoot(root: Node, t: TreeInput, rep: Reporter): void {
  const problems: string[] = [];
  if (!stringList(root.getProperty('compatible')).includes('vl,vlm'))
    problems.push('compatible does not list "vl,vlm"');
  const ac = propU32(root, '#address-cells');
  const sc = propU32(root, '#size-cells');
  if (ac !== 2) problems.push(`#address-cells is ${ac ?? 'missing'}, not 2`);
  if (sc !== 1) problems.push(`#size-cells is ${sc ?? 'missing'}, not 1`);
  if (problems.length > 0)
    rep.report('platform/vplatform-root', sourceOf(root, t), `vplatform root: ${problems.join('; ')}`, {
      hint: 'a vplatform root has compatible = "vl,vlm", ...; #address-cells = <2>; #size-cells = <1>;',
    });
}

function readGuest(t: TreeInput, rep: Reporter): Vm['guest'] {
  const memory: GuestRegion[] = [];
  const reserved: GuestRegion[] = [];
  const vmMemoryNodes: GuestVmMemoryNode[] = [];
  const resNode = getNodeByPath(t.tree.root, '/reserved-memory');
  for (const n of walkLive(t.tree.root)) {
    if (isCompatible(n, 'vl,vm-memory')) {
      const id = readVmId(n, t, rep);
      // Rule 1 on the placeholder: the cells must be right, size 0 allowed.
      if (n.getProperty('reg')) readReg(n, t, rep, 'vm-memory', true);
      vmMemoryNodes.push({
        ...(id !== undefined ? { exporterId: id } : {}),
        name: n.name,
        inReservedMemory: resNode !== undefined && n.parent === resNode,
        addressCells: addressCellsOf(n.parent),
        sizeCells: sizeCellsOf(n.parent),
        source: sourceOf(n, t),
      });
      continue;
    }
    const isMem = deviceTypeIs(n, 'memory');
    const isRes = resNode !== undefined && n.parent === resNode && n.getProperty('reg') !== undefined;
    if (!isMem && !isRes) continue;
    const regs = readReg(n, t, rep, isMem ? 'guest memory' : 'guest reserved memory');
    if (!regs) continue;
    const src = sourceOf(n, t, n.getProperty('reg'));
    const compatible = stringList(n.getProperty('compatible'));
    for (const r of regs)
      (isMem ? memory : reserved).push({
        ipa: ipaRange(r.start, r.start + r.size),
        name: n.name,
        source: src,
        compatible,
      });
  }
  if (!resNode) return { memory, reserved, vmMemoryNodes };
  const rangesProp = resNode.getProperty('ranges');
  const reservedMemory = {
    addressCells: addressCellsOf(resNode),
    sizeCells: sizeCellsOf(resNode),
    rootAddressCells: addressCellsOf(t.tree.root),
    rootSizeCells: sizeCellsOf(t.tree.root),
    ranges: !rangesProp
      ? ('absent' as const)
      : rangesProp.value.length === 0
        ? ('empty' as const)
        : ('translating' as const),
    source: sourceOf(resNode, t),
  };
  return { memory, reserved, vmMemoryNodes, reservedMemory };
}

function readVlinks(t: TreeInput, rep: Reporter): Vlink[] {
  const out: Vlink[] = [];
  const parent = getNodeByPath(t.tree.root, VLINKS_PATH);
  if (!parent) return out;
  for (const n of parent.liveChildren()) {
    if (!isCompatible(n, 'vl,vlink') && n.basename !== 'vlink') continue;
    const src = sourceOf(n, t);
    const missing: string[] = [];
    const name = propString(n, 'vl,name');
    const link = propU32(n, 'vl,link');
    const server = propU32(n, 'vl,server');
    const client = propU32(n, 'vl,client');
    if (!name || !name.ok) missing.push(name ? 'vl,name (not one string)' : 'vl,name');
    if (link === undefined) missing.push(n.getProperty('vl,link') ? 'vl,link (not one cell)' : 'vl,link');
    if (server === undefined)
      missing.push(n.getProperty('vl,server') ? 'vl,server (not one cell)' : 'vl,server');
    if (client === undefined)
      missing.push(n.getProperty('vl,client') ? 'vl,client (not one cell)' : 'vl,client');
    if (missing.length > 0 || !name || link === undefined || server === undefined || client === undefined) {
      rep.report('platform/vlink-missing-property', src, `vlink lacks ${missing.join(', ')}`, {
        hint: 'a vlink has vl,name = "..."; vl,link = <n>; vl,server = <vm id>; vl,client = <vm id>;',
      });
      continue;
    }
    const pm = n.getProperty('vl,pmem-size');
    const pmemBytes =
      pm && (pm.value.length === 4 || pm.value.length === 8) ? cellsAt(pm.value, 0, pm.value.length / 4) : 0n;
    out.push({
      name: name.value,
      link,
      serverId: server,
      clientId: client,
      serverInfo: propString(n, 'vl,server-info')?.value ?? '',
      clientInfo: propString(n, 'vl,client-info')?.value ?? '',
      critical: n.getProperty('vl,critical') !== undefined,
      pmemBytes,
      xirqs: propU32(n, 'vl,xirqs') ?? 0,
      nodeName: n.name,
      source: src,
    });
  }
  return out;
}
