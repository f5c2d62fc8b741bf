import type { Span } from '../diag/span.js';

/**
 * The merged device tree, as dtc's livetree keeps it: nodes and properties in
 * source order, deleted items kept in their slot (flagged) so that a later
 * re-definition revives them in place, every definition site of a node, and
 * values as bytes plus markers (labels, references, type hints).
 */

/** What a marker says about the bytes from its offset on (dtc's `enum markertype`). */
export type MarkerKind =
  | 'ref-phandle' // a 32-bit cell to be filled with the phandle of `ref`
  | 'ref-path' // the NUL-terminated full path of `ref` is spliced in at `offset`
  | 'label' // a value label `ref:` at `offset`
  | 'type-u8'
  | 'type-u16'
  | 'type-u32'
  | 'type-u64'
  | 'type-string';

export interface Marker {
  offset: number;
  kind: MarkerKind;
  /** Label name, or reference text (`label` or `/full/path`) without the `&`. */
  ref?: string;
}

/** A label on a node, property or memreserve; deleted with its node. */
export interface Label {
  name: string;
  deleted: boolean;
  /** Where the label was written (for duplicate_label and -@ messages). */
  span?: Span;
}

export class Property {
  labels: Label[] = [];
  deleted = false;

  constructor(
    public name: string,
    public value: Uint8Array,
    public markers: Marker[],
    public span?: Span,
  ) {}

  /** The value as a DTB carries it (no markers). */
  get length(): number {
    return this.value.length;
  }
}

export class Node {
  properties: Property[] = [];
  children: Node[] = [];
  labels: Label[] = [];
  deleted = false;
  parent: Node | undefined;
  /** Every site this node was defined or extended at, first one first. */
  spans: Span[] = [];
  /** 0 = none yet; set from explicit `phandle`/`linux,phandle` or by allocation. */
  phandle = 0;
  /** `/omit-if-no-ref/`: dropped unless referenced (by phandle or path). */
  omitIfNoRef = false;
  isReferenced = false;

  /** `name` is the full node name (`name@unit`), empty for the root. */
  constructor(public name: string) {}

  get basename(): string {
    const at = this.name.indexOf('@');
    return at < 0 ? this.name : this.name.slice(0, at);
  }

  /** The text after the first `@`, or undefined when the name has none. */
  get unitAddress(): string | undefined {
    const at = this.name.indexOf('@');
    return at < 0 ? undefined : this.name.slice(at + 1);
  }

  get fullPath(): string {
    if (!this.parent) return '/';
    const parentPath = this.parent.fullPath;
    return parentPath === '/' ? `/${this.name}` : `${parentPath}/${this.name}`;
  }

  /** The live (non-deleted) property of that name. */
  getProperty(name: string): Property | undefined {
    for (const p of this.properties) if (!p.deleted && p.name === name) return p;
    return undefined;
  }

  /** The live child with that full name. */
  getChild(name: string): Node | undefined {
    for (const c of this.children) if (!c.deleted && c.name === name) return c;
    return undefined;
  }

  *liveProperties(): IterableIterator<Property> {
    for (const p of this.properties) if (!p.deleted) yield p;
  }

  *liveChildren(): IterableIterator<Node> {
    for (const c of this.children) if (!c.deleted) yield c;
  }

  *liveLabels(): IterableIterator<string> {
    for (const l of this.labels) if (!l.deleted) yield l.name;
  }

  /** Appends a property at the end (dtc's add_property). */
  addProperty(p: Property): void {
    this.properties.push(p);
  }

  addChild(c: Node): void {
    c.parent = this;
    this.children.push(c);
  }
}

export interface MemReserve {
  address: bigint;
  size: bigint;
  labels: Label[];
  span?: Span;
}

export type PhandleFormat = 'legacy' | 'epapr' | 'both';

/** dtc's `struct dt_info`: the tree plus what the header carries. */
export class DeviceTree {
  memreserves: MemReserve[] = [];
  /** Set by `/plugin/`: unresolved references become fixups. */
  plugin = false;
  bootCpuidPhys = 0;

  constructor(public root: Node) {}
}

/** Pre-order walk over live nodes (deleted subtrees skipped). */
export function* walkLive(node: Node): IterableIterator<Node> {
  const stack: Node[] = [node];
  while (stack.length > 0) {
    const n = stack.pop()!;
    yield n;
    for (let i = n.children.length - 1; i >= 0; i--) {
      const c = n.children[i];
      if (!c.deleted) stack.push(c);
    }
  }
}
