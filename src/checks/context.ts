import type { Diagnostic, Related } from '../diag/diagnostic.js';
import type { Span } from '../diag/span.js';
import type { TreeIndex } from '../dt/lookup.js';
import { liveNodes, type DeviceTree, type Node, type PhandleFormat, type Property } from '../dt/model.js';

const NO_NODES: readonly Node[] = [];

/** What a bus-bridge check recorded on a node (dtc's `node->bus`). */
export type BusKind = 'pci' | 'simple-bus' | 'i2c-bus' | 'spi-bus' | 'graph-port' | 'graph-ports';

/** The two independent flags dtc keeps per check (`c->warn`, `c->error`). */
export interface CheckLevel {
  warn: boolean;
  error: boolean;
}

/**
 * The state one check run shares between the checks: the tree, its index, the
 * per-node facts dtc stores in `struct node` (`addr_cells`, `size_cells`,
 * `bus`), and the reporting sink. Reporting mirrors dtc's FAIL/FAIL_PROP: the
 * check is marked failed whether or not it is enabled; a diagnostic is only
 * produced when the check is enabled as a warning or an error.
 */
export class CheckContext {
  readonly diagnostics: Diagnostic[] = [];
  /** `node->addr_cells` / `node->size_cells`: -1 when absent, 0 before addr_size_cells ran. */
  readonly addrCells = new Map<Node, number>();
  readonly sizeCells = new Map<Node, number>();
  readonly bus = new Map<Node, BusKind>();
  /** Live nodes in pre-order, taken at the first walk (see run.ts). */
  preorder: Node[] | undefined;

  /** `preorder`, taken now if no walk has taken it yet. */
  livePreorder(): Node[] {
    return (this.preorder ??= liveNodes(this.root));
  }
  /** Property name -> nodes (pre-order) with a live property of that name; dropped when a check mutates properties. */
  private propIndex: Map<string, Node[]> | undefined;

  /** Nodes (pre-order) with two live properties of the same name; built with propIndex. */
  private dupPropNodes: Node[] = [];
  /** Nodes (pre-order) with a property named `name`, deleted ones included; built with propIndex. */
  private rawNamePropNodes: Node[] = [];

  private buildPropIndex(): Map<string, Node[]> {
    const idx = new Map<string, Node[]>();
    const dups: Node[] = [];
    const rawName: Node[] = [];
    const nodes = this.livePreorder();
    for (let i = 0; i < nodes.length; i++) {
      const n = nodes[i];
      if (n.deleted) continue;
      const props = n.properties;
      let dup = false;
      let named = false;
      for (let k = 0; k < props.length; k++) {
        const p = props[k];
        if (p.name === 'name') named = true;
        if (p.deleted) continue;
        const list = idx.get(p.name);
        if (!list) idx.set(p.name, [n]);
        else if (list[list.length - 1] !== n) list.push(n);
        else dup = true;
      }
      if (dup) dups.push(n);
      if (named) rawName.push(n);
    }
    this.propIndex = idx;
    this.dupPropNodes = dups;
    this.rawNamePropNodes = rawName;
    return idx;
  }

  /**
   * Names of properties a check has added since the index was built: the
   * index is still right for every other name (see `propsAdded`).
   */
  private readonly staleNames = new Set<string>();

  /** The index, rebuilt first when it is missing or `stale` says a name it needs is out of date. */
  private props(stale: boolean): Map<string, Node[]> {
    if (this.propIndex && !stale) return this.propIndex;
    this.staleNames.clear();
    return this.buildPropIndex();
  }

  nodesWithProp(name: string): readonly Node[] {
    return this.props(this.staleNames.has(name)).get(name) ?? NO_NODES;
  }

  /** True when some live node has a live property of this name. */
  anyNodeHasProp(name: string): boolean {
    return this.props(this.staleNames.has(name)).has(name);
  }

  /** Nodes (pre-order) with a property named `name` in their raw list (deleted ones included). */
  nodesWithRawNameProp(): readonly Node[] {
    this.props(this.staleNames.size > 0);
    return this.rawNamePropNodes;
  }

  /** Nodes (pre-order) with two or more live properties of one name. */
  nodesWithDuplicateProps(): readonly Node[] {
    this.props(this.staleNames.size > 0);
    return this.dupPropNodes;
  }

  /**
   * A check appended properties of these names (and removed none): only
   * lookups involving them need a fresh index.
   */
  propsAdded(names: readonly string[]): void {
    if (this.propIndex) for (const n of names) this.staleNames.add(n);
  }

  /** Nodes (pre-order) with a live property of any of these names. */
  nodesWithAnyProp(names: readonly string[]): readonly Node[] {
    const idx = this.props(names.some((n) => this.staleNames.has(n)));
    const lists: (readonly Node[])[] = [];
    for (const name of names) {
      const l = idx.get(name);
      if (l) lists.push(l);
    }
    return this.union(lists);
  }

  /** Nodes (pre-order) with a live property whose name passes `test` (tested once per distinct name). */
  nodesWithPropMatching(test: (name: string) => boolean): readonly Node[] {
    let stale = false;
    for (const n of this.staleNames) if (test(n)) stale = true;
    const idx = this.props(stale);
    const lists: (readonly Node[])[] = [];
    for (const [name, l] of idx) if (test(name)) lists.push(l);
    return this.union(lists);
  }

  /** Pre-order position of each node of `preorder`. */
  private positions: Map<Node, number> | undefined;

  /**
   * The union of pre-order node lists, in pre-order. A list of one comes back
   * as it is; otherwise nodes outside the pre-order list (deleted before it
   * was taken) are dropped.
   */
  union(lists: readonly (readonly Node[])[]): readonly Node[] {
    if (lists.length === 0) return NO_NODES;
    if (lists.length === 1) return lists[0];
    return this.inPreorder(lists.flat());
  }

  /** Distinct nodes of the pre-order list, sorted into pre-order (a mark per position: linear). */
  private inPreorder(nodes: readonly Node[]): Node[] {
    const all = this.livePreorder();
    if (!this.positions) {
      const pos = new Map<Node, number>();
      for (let i = 0; i < all.length; i++) pos.set(all[i], i);
      this.positions = pos;
    }
    const pos = this.positions;
    const marks: number[] = [];
    for (let i = 0; i < nodes.length; i++) {
      const p = pos.get(nodes[i]);
      if (p !== undefined) marks.push(p);
    }
    marks.sort((a, b) => a - b);
    const out: Node[] = [];
    for (let i = 0; i < marks.length; i++) if (i === 0 || marks[i] !== marks[i - 1]) out.push(all[marks[i]]);
    return out;
  }

  /**
   * Node names of the pre-order list: full name -> nodes, base name (before
   * the first '@') -> nodes, and the nodes with two or more children. Names
   * and child lists never change during the checks (deletion only flags).
   */
  private nameIndex:
    | { byName: Map<string, Node[]>; byBase: Map<string, Node[]>; multiChild: Node[]; omit: Node[] }
    | undefined;

  private names(): {
    byName: Map<string, Node[]>;
    byBase: Map<string, Node[]>;
    multiChild: Node[];
    omit: Node[];
  } {
    if (!this.nameIndex) {
      const byName = new Map<string, Node[]>();
      const byBase = new Map<string, Node[]>();
      const multiChild: Node[] = [];
      const omit: Node[] = [];
      const nodes = this.livePreorder();
      for (let i = 0; i < nodes.length; i++) {
        const n = nodes[i];
        const name = n.name;
        const l = byName.get(name);
        if (l) l.push(n);
        else byName.set(name, [n]);
        const at = name.indexOf('@');
        if (at >= 0) {
          const base = name.slice(0, at);
          const b = byBase.get(base);
          if (b) b.push(n);
          else byBase.set(base, [n]);
        }
        if (n.children.length >= 2) multiChild.push(n);
        if (n.omitIfNoRef) omit.push(n);
      }
      this.nameIndex = { byName, byBase, multiChild, omit };
    }
    return this.nameIndex;
  }

  /** Nodes (pre-order) with this full name. */
  nodesNamed(name: string): readonly Node[] {
    return this.names().byName.get(name) ?? NO_NODES;
  }

  /** Nodes (pre-order) with this base name (the name before any '@'). */
  nodesWithBaseName(base: string): readonly Node[] {
    // Named exactly `base`, or `base@...` (byBase holds only names with a unit part).
    const idx = this.names();
    return this.union(
      [idx.byName.get(base) ?? NO_NODES, idx.byBase.get(base) ?? NO_NODES].filter((l) => l.length > 0),
    );
  }

  /** Nodes (pre-order) whose full name passes `test` (tested once per distinct name). */
  nodesWithNameMatching(test: (name: string) => boolean): readonly Node[] {
    const lists: Node[][] = [];
    for (const [name, l] of this.names().byName) if (test(name)) lists.push(l);
    return this.union(lists);
  }

  /** Nodes (pre-order) marked /omit-if-no-ref/ (only the parser sets the mark). */
  nodesMarkedOmit(): readonly Node[] {
    return this.names().omit;
  }

  /** Nodes (pre-order) with two or more children (deleted ones included). */
  nodesWithSeveralChildren(): readonly Node[] {
    return this.names().multiChild;
  }

  /** Nodes (pre-order) a bus-bridge check recorded with one of these kinds. */
  nodesWithBus(kinds: readonly BusKind[]): readonly Node[] {
    const out: Node[] = [];
    for (const [n, k] of this.bus) if (kinds.includes(k)) out.push(n);
    return this.inPreorder(out);
  }

  /** The live children (pre-order) of the nodes recorded with this bus kind. */
  childrenOfBus(kind: BusKind): readonly Node[] {
    const out: Node[] = [];
    for (const [n, k] of this.bus) {
      if (k !== kind) continue;
      for (const c of n.children) if (!c.deleted) out.push(c);
    }
    return this.inPreorder(out);
  }

  /** The live parents (pre-order) of these nodes. */
  parentsOf(nodes: readonly Node[]): readonly Node[] {
    const out: Node[] = [];
    for (const n of nodes) if (n.parent && !n.deleted) out.push(n.parent);
    return this.inPreorder(out);
  }

  /** Nodes (pre-order) with a live property carrying a ref-phandle / ref-path marker. */
  private refNodes: { phandle: Node[]; path: Node[] } | undefined;

  /**
   * Markers are never added by the checks and their kinds never change, and
   * properties added by them (phandles) carry no references, so the lists
   * taken once stay valid; deleted nodes are skipped by the walk.
   */
  nodesWithMarker(kind: 'ref-phandle' | 'ref-path'): readonly Node[] {
    if (!this.refNodes) {
      const phandle: Node[] = [];
      const path: Node[] = [];
      const nodes = this.livePreorder();
      for (let i = 0; i < nodes.length; i++) {
        const n = nodes[i];
        if (n.deleted) continue;
        let ph = false;
        let pa = false;
        const props = n.properties;
        for (let k = 0; k < props.length; k++) {
          const p = props[k];
          if (p.deleted) continue;
          const ms = p.markers;
          for (let j = 0; j < ms.length; j++) {
            const kind = ms[j].kind;
            if (kind === 'ref-phandle') ph = true;
            else if (kind === 'ref-path') pa = true;
          }
        }
        if (ph) phandle.push(n);
        if (pa) path.push(n);
      }
      this.refNodes = { phandle, path };
    }
    return kind === 'ref-phandle' ? this.refNodes.phandle : this.refNodes.path;
  }

  invalidatePropIndex(): void {
    this.propIndex = undefined;
    this.staleNames.clear();
  }

  /** Per node with many children: full name -> first live child of that name. */
  private childMaps = new Map<Node, Map<string, Node>>();
  private readonly paths = new Map<Node, string>();

  /** The node's full path, computed once per node. */
  fullPath(n: Node): string {
    let p = this.paths.get(n);
    if (p === undefined) {
      p = n.parent ? `${n.parent === this.root ? '' : this.fullPath(n.parent)}/${n.name}` : '/';
      this.paths.set(n, p);
    }
    return p;
  }

  /** The first live child named `name` (dtc's child scan); a map for long child lists. */
  private liveChild(n: Node, name: string): Node | undefined {
    const kids = n.children;
    if (kids.length <= 8) {
      for (let i = 0; i < kids.length; i++) {
        const c = kids[i];
        if (!c.deleted && c.name === name) return c;
      }
      return undefined;
    }
    let m = this.childMaps.get(n);
    if (!m) {
      m = new Map();
      for (let i = 0; i < kids.length; i++) {
        const c = kids[i];
        if (!c.deleted && !m.has(c.name)) m.set(c.name, c);
      }
      this.childMaps.set(n, m);
    }
    return m.get(name);
  }

  /**
   * dtc's get_node_by_path: leading slashes of each component are skipped,
   * "" is the root, and a rest made only of slashes names nothing. Among
   * same-named siblings only the first live one is reachable, as in dtc's
   * child scan.
   */
  nodeByPath(path: string): Node | undefined {
    let node: Node | undefined = this.root;
    if (path.length === 0) return node.deleted ? undefined : node;
    let i = 0;
    const n = path.length;
    while (i < n) {
      while (i < n && path.charCodeAt(i) === 0x2f) i++;
      if (i === n) return undefined;
      let slash = path.indexOf('/', i);
      if (slash < 0) slash = n;
      node = this.liveChild(node, path.slice(i, slash));
      if (!node) return undefined;
      i = slash + 1;
    }
    return node;
  }

  /** dtc's get_node_by_ref: "/" is the root, a path, or a label. */
  nodeByRef(ref: string): Node | undefined {
    if (ref === '/') return this.root;
    return ref.startsWith('/') ? this.nodeByPath(ref) : this.index.nodeByLabel(ref);
  }

  /** After deleting nodes: paths and labels must be looked up afresh. */
  nodesDeleted(): void {
    // Deleted nodes take their properties with them.
    this.invalidatePropIndex();
    if (this.childMaps.size > 0) this.childMaps = new Map();
    this.index.invalidate();
  }

  /** Set by the runner before each check's walk. */
  current: { name: string; level: CheckLevel; failed: boolean } = {
    name: '',
    level: { warn: false, error: false },
    failed: false,
  };

  constructor(
    readonly tree: DeviceTree,
    readonly index: TreeIndex,
    readonly phandleFormat: PhandleFormat,
    /** dtc's `generate_symbols` (-@): labelled /omit-if-no-ref/ nodes are kept. */
    readonly generateSymbols: boolean,
  ) {}

  get root(): Node {
    return this.tree.root;
  }

  /** dtc's DTSF_PLUGIN. */
  get plugin(): boolean {
    return this.tree.plugin;
  }

  /** FAIL(c, dti, node, ...): a message about the node (all its definition sites). */
  fail(node: Node, text: string): void {
    this.report(node, undefined, text);
  }

  /** FAIL_PROP(c, dti, node, prop, ...): with no property it is a node message, like dtc. */
  failProp(node: Node, prop: Property | undefined, text: string): void {
    this.report(node, prop, text);
  }

  /** check_msg with no node: only "Failed prerequisite" uses it. */
  failBare(text: string): void {
    this.emit(text, undefined, undefined);
  }

  private report(node: Node, prop: Property | undefined, text: string): void {
    this.current.failed = true;
    const lvl = this.current.level;
    if (!lvl.warn && !lvl.error) return;
    const path = this.fullPath(node);
    const message = prop ? `${path}:${prop.name}: ${text}` : `${path}: ${text}`;
    // dtc: the property's position if it has one, else the node's; the other
    // definition sites of the node are listed only for node messages.
    const span = prop?.span ?? node.spans[0];
    let related: Related[] | undefined;
    if (!prop && node.spans.length > 1) {
      related = node.spans.slice(1).map((s) => ({ message: 'also defined at', span: s }));
    }
    this.emit(message, span, related);
  }

  private emit(message: string, span: Span | undefined, related: Related[] | undefined): void {
    const lvl = this.current.level;
    if (!lvl.warn && !lvl.error) return;
    const d: Diagnostic = {
      severity: lvl.error ? 'error' : 'warning',
      code: `dtc/${this.current.name}`,
      message,
      ...(span ? { span } : {}),
      ...(related ? { related } : {}),
    };
    this.diagnostics.push(d);
  }

  /**
   * Set when addr_size_cells runs: from then on a node it did not record
   * (one with neither property, which the check skips) reads as -1, the
   * value dtc's fixup stores for "absent"; before, every node reads as 0.
   */
  cellsFixed = false;

  /** dtc's node_addr_cells: the default 2 when the node has no #address-cells. */
  nodeAddrCells(n: Node): number {
    const v = this.rawAddrCells(n);
    return v === -1 ? 2 : v;
  }

  /** dtc's node_size_cells: the default 1 when the node has no #size-cells. */
  nodeSizeCells(n: Node): number {
    const v = this.rawSizeCells(n);
    return v === -1 ? 1 : v;
  }

  rawAddrCells(n: Node): number {
    return this.addrCells.get(n) ?? (this.cellsFixed ? -1 : 0);
  }

  rawSizeCells(n: Node): number {
    return this.sizeCells.get(n) ?? (this.cellsFixed ? -1 : 0);
  }
}
