import { spanIn, type Span, type SpanFile } from '../diag/span.js';

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

/**
 * The label list of every item that has none: shared and frozen (a push
 * throws). Code that adds a label goes through `addLabelTo` (dt/merge.ts),
 * which gives the item a list of its own first. Most properties and nodes
 * carry no label; one empty array each was a measurable share of a large
 * tree's memory and of the garbage collector's copying.
 */
export const NO_LABELS: Label[] = Object.freeze([] as Label[]) as Label[];

// Fields are `declare`d and assigned in the constructors rather than
// declared as class fields: V8 runs class-field initialisers as
// define-property operations through an extra function, a measurable cost
// for the millions of nodes and properties of large trees.
export class Property {
  declare labels: Label[];
  declare deleted: boolean;
  declare name: string;
  declare value: Uint8Array;
  declare markers: Marker[];
  // The source span, kept in the property itself rather than as a Span
  // object of its own (one object fewer per property for the parser to
  // allocate and the young-generation GC to copy): `sf` is the file (shared
  // by every span of that file) and sl/sc/el/ec the positions; or, when the
  // span was assigned whole, `sf` is that Span and `sl` is -1.
  declare private sf: SpanFile | Span | undefined;
  declare private sl: number;
  declare private sc: number;
  declare private el: number;
  declare private ec: number;

  constructor(name: string, value: Uint8Array, markers: Marker[], span?: Span) {
    this.name = name;
    this.value = value;
    this.markers = markers;
    this.sf = span;
    this.sl = -1;
    this.sc = 0;
    this.el = 0;
    this.ec = 0;
    this.labels = NO_LABELS;
    this.deleted = false;
  }

  /** Where the property was (last) defined; built on demand (see the fields). */
  get span(): Span | undefined {
    const f = this.sf;
    if (f === undefined || this.sl < 0) return f as Span | undefined;
    return spanIn(f as SpanFile, this.sl, this.sc, this.el, this.ec);
  }

  set span(s: Span | undefined) {
    this.sf = s;
    this.sl = -1;
  }

  /** Sets the span from its parts without building a Span (the parser's hot path). */
  setSpan(file: SpanFile, line: number, col: number, endLine: number, endCol: number): void {
    this.sf = file;
    this.sl = line;
    this.sc = col;
    this.el = endLine;
    this.ec = endCol;
  }

  /** The value as a DTB carries it (no markers). */
  get length(): number {
    return this.value.length;
  }
}

export class Node {
  declare properties: Property[];
  declare children: Node[];
  declare labels: Label[];
  declare deleted: boolean;
  declare parent: Node | undefined;
  /** Every site this node was defined or extended at, first one first. */
  declare spans: Span[];
  /** 0 = none yet; set from explicit `phandle`/`linux,phandle` or by allocation. */
  declare phandle: number;
  /** `/omit-if-no-ref/`: dropped unless referenced (by phandle or path). */
  declare omitIfNoRef: boolean;
  declare isReferenced: boolean;
  /** The full node name (`name@unit`), empty for the root. */
  declare name: string;

  /** `name` is the full node name (`name@unit`), empty for the root. */
  constructor(name: string) {
    this.name = name;
    this.properties = [];
    this.children = [];
    this.labels = NO_LABELS;
    this.deleted = false;
    this.parent = undefined;
    this.spans = [];
    this.phandle = 0;
    this.omitIfNoRef = false;
    this.isReferenced = false;
  }

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

/**
 * The live nodes in pre-order (deleted subtrees skipped), as an array: the
 * hot whole-tree passes use this rather than the generator, which costs an
 * iterator step per node.
 */
export function liveNodes(node: Node): Node[] {
  const out: Node[] = [];
  const stack: Node[] = [node];
  while (stack.length > 0) {
    const n = stack.pop()!;
    out.push(n);
    const kids = n.children;
    for (let i = kids.length - 1; i >= 0; i--) {
      const c = kids[i];
      if (!c.deleted) stack.push(c);
    }
  }
  return out;
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
