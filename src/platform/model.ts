import type { Span } from '../diag/span.js';
import type { S2Attributes } from '../hv/attributes.js';
import type { Limits } from './manifest.js';
import type { IpaRange, PaRange } from './range.js';

/**
 * The typed platform: what the hypervisor DT, every vplatform DT and every
 * guest DT say, as plain immutable data without device-tree syntax. The
 * runtime boots from this alone (RAM, invalid regions, each VM's RAM,
 * io-memory mappings with their attribute words, vm-memory windows, vlinks and
 * the limits); `source` fields only explain where a value came from, for
 * diagnostics and maps. Items that the trees describe wrongly (bad cell
 * counts, missing mandatory properties) are left out of the model and
 * reported while it is built; the rules then judge the rest.
 */
export interface Platform {
  /** Manifest file as given. */
  readonly manifestFile: string;
  readonly limits: Limits;
  readonly criticalVlinkTimeoutMs: number;
  readonly physical: PhysicalMemory;
  /** In id order. */
  readonly vms: readonly Vm[];
  readonly vlinks: readonly Vlink[];
}

/** Where a model item was described: which tree, which node, where in the sources. */
export interface SourceRef {
  readonly tree: TreeRole;
  /** Owning VM for vplatform and guest trees. */
  readonly vmId?: number;
  /** Full node path in its tree, e.g. `/vl,io-memory@d0000000-4000000`. */
  readonly path: string;
  /** First definition site of the node (through includes); absent for DTB input. */
  readonly span?: Span;
  /** Every site the node was defined or extended at (the note's `&invalid_region { reg = ...; }`). */
  readonly spans?: readonly Span[];
  /** The property the value came from, when it matters (`reg`, `ipa-base`, `vl,attributes`). */
  readonly propSpan?: Span;
  /** `ipa-base` of a moved RAM or io-memory range, for messages about its IPA. */
  readonly ipaSpan?: Span;
  /** `vl,attributes` of an io-memory node, for messages about the attribute words. */
  readonly attrSpan?: Span;
}

export type TreeRole = 'hypervisor' | 'vplatform' | 'guest';

export interface PhysicalMemory {
  /** Banks of the hypervisor DT's `device_type = "memory"` nodes, in address order. */
  readonly ram: readonly PhysRegion[];
  /** `/vlm/memory/invalid-region` reg entries: RAM nobody gets as memory, home of static sharing. */
  readonly invalid: readonly PhysRegion[];
  /** The board's `/reserved-memory` children: memory assigned to a VM, ordinary memory to the hypervisor. */
  readonly reserved: readonly PhysRegion[];
  /** `/vlm/memory/hypervisor-region` reg entries, when declared: the hypervisor's own memory. */
  readonly hypervisor: readonly PhysRegion[];
}

export interface PhysRegion {
  readonly pa: PaRange;
  /** Node name (`memory@80000000`, `invalid-region`, a reserved-memory child's name). */
  readonly name: string;
  /** Index of this range among the node's `reg` entries. */
  readonly index: number;
  readonly source: SourceRef;
}

export interface Vm {
  readonly id: number;
  readonly name: string;
  readonly ram: readonly RamMapping[];
  readonly io: readonly IoMapping[];
  /** `vm-memory` nodes of the vplatform: this VM imports memory granted by each exporter. */
  readonly imports: readonly VmMemoryWindow[];
  /** What the guest OS DT says about memory (for the guest-DT hints and the vm-memory twins). */
  readonly guest: GuestView;
  /** True when every RAM range is mapped at IPA == PA (page granting needs it, semantics.md §4 step 5). */
  readonly identityRam: boolean;
  readonly vplatformFile: string;
  readonly guestFile: string;
  /** The vplatform's root node (for findings about the VM as a whole). */
  readonly source: SourceRef;
}

export interface RamMapping {
  readonly pa: PaRange;
  readonly ipa: IpaRange;
  readonly identity: boolean;
  readonly name: string;
  readonly index: number;
  readonly source: SourceRef;
}

export interface IoMapping {
  readonly pa: PaRange;
  readonly ipa: IpaRange;
  /** True when `ipa-base` moves the range (IPA != PA). */
  readonly moved: boolean;
  readonly identity: boolean;
  /** `vl,attributes = <UPPER LOWER>`: descriptor bits 63:32 and 11:0. */
  readonly attrUpper: number;
  readonly attrLower: number;
  readonly attributes: S2Attributes;
  /** `vl,attributes` absent: the hypervisor's default (device nGnRE, read/write, execute-never) is assumed. */
  readonly attributesDefaulted: boolean;
  /** `vl,allow-sharing` present. */
  readonly allowSharing: boolean;
  readonly name: string;
  readonly index: number;
  readonly source: SourceRef;
}

export interface VmMemoryWindow {
  readonly exporterId: number;
  /**
   * Where granted pages appear in the importer: at IPA == PA of the
   * exporter's RAM (semantics.md §4), so the window is the exporter's RAM
   * ranges; empty when the exporter is unknown.
   */
  readonly ipa: readonly IpaRange[];
  readonly name: string;
  readonly source: SourceRef;
  /** The guest DT's `/reserved-memory/vm-memory@<id>` twin, when present. */
  readonly guestTwin?: GuestVmMemoryNode;
}

export interface GuestView {
  /** Guest `device_type = "memory"` ranges (IPA). */
  readonly memory: readonly GuestRegion[];
  /** Guest `/reserved-memory` children with a `reg` (other than the vm-memory nodes). */
  readonly reserved: readonly GuestRegion[];
  /** Every guest node with `compatible = "vl,vm-memory"`, wherever it sits. */
  readonly vmMemoryNodes: readonly GuestVmMemoryNode[];
  /** The guest's `/reserved-memory` node, when present, with what the reserved-memory binding requires of it. */
  readonly reservedMemory?: GuestReservedMemory;
}

export interface GuestReservedMemory {
  readonly addressCells: number;
  readonly sizeCells: number;
  readonly rootAddressCells: number;
  readonly rootSizeCells: number;
  /** `ranges`: absent, empty (identity, as the binding requires) or with a translation. */
  readonly ranges: 'absent' | 'empty' | 'translating';
  readonly source: SourceRef;
}

export interface GuestRegion {
  readonly ipa: IpaRange;
  readonly name: string;
  readonly source: SourceRef;
  /** `compatible` strings of the node (`shared-dma-pool` and friends say the guest means DMA). */
  readonly compatible: readonly string[];
}

export interface GuestVmMemoryNode {
  /** Absent when `vl,vm-id` is missing or malformed (reported). */
  readonly exporterId?: number;
  readonly name: string;
  /** True when the node sits directly in `/reserved-memory`. */
  readonly inReservedMemory: boolean;
  /** The `#address-cells`/`#size-cells` of its parent, for filling `reg` at VM start. */
  readonly addressCells: number;
  readonly sizeCells: number;
  readonly source: SourceRef;
}

export interface Vlink {
  /** `vl,name`, at most 15 characters. */
  readonly name: string;
  /** `vl,link`. */
  readonly link: number;
  readonly serverId: number;
  readonly clientId: number;
  readonly serverInfo: string;
  readonly clientInfo: string;
  /** `vl,critical`: the client's OFF gates the revocation of the server's grants (and vice versa). */
  readonly critical: boolean;
  /** vmshare binding: persistent communication memory the link's sides allocate (`vl,pmem-size`, bytes). */
  readonly pmemBytes: bigint;
  /** vmshare binding: persistent cross-interrupts the link's sides allocate (`vl,xirqs`). */
  readonly xirqs: number;
  readonly nodeName: string;
  readonly source: SourceRef;
}

/** Deep-freezes a freshly built model (cheap, once): nothing downstream can drift from what was checked. */
export function freezeDeep<T>(v: T): T {
  if (v === null || typeof v !== 'object' || Object.isFrozen(v)) return v;
  Object.freeze(v);
  for (const k of Object.keys(v as object)) freezeDeep((v as Record<string, unknown>)[k]);
  return v;
}

export function vmLabel(vm: { readonly id: number; readonly name: string }): string {
  return vm.name === `vm${vm.id}` ? vm.name : `${vm.name} (vm${vm.id})`;
}
