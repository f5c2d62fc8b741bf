import type { Diagnostic, Related } from '../diag/diagnostic.js';
import type { Span } from '../diag/span.js';
import type { TreeIndex } from '../dt/lookup.js';
import type { DeviceTree, Node, PhandleFormat, Property } from '../dt/model.js';

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
  /** Property name -> nodes (pre-order) with a live property of that name; dropped when a check mutates properties. */
  private propIndex: Map<string, Node[]> | undefined;

  nodesWithProp(name: string): readonly Node[] {
    if (!this.propIndex) {
      const idx = new Map<string, Node[]>();
      for (const n of this.preorder ?? []) {
        if (n.deleted) continue;
        for (const p of n.properties) {
          if (p.deleted) continue;
          const list = idx.get(p.name);
          if (!list) idx.set(p.name, [n]);
          else if (list[list.length - 1] !== n) list.push(n);
        }
      }
      this.propIndex = idx;
    }
    return this.propIndex.get(name) ?? [];
  }

  invalidatePropIndex(): void {
    this.propIndex = undefined;
  }

  /** Canonical path ("" for the root, "/a/b@1") -> node, for the first live child of each name. */
  private pathIndex: Map<string, Node> | undefined;
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

  /**
   * dtc's get_node_by_path, answered from a map: leading slashes of each
   * component are skipped, "" is the root, and a rest made only of slashes
   * names nothing. Among same-named siblings only the first is reachable, as
   * in dtc's child scan.
   */
  nodeByPath(path: string): Node | undefined {
    if (!this.pathIndex) {
      const idx = new Map<string, Node>();
      const stack: [Node, string][] = [[this.root, '']];
      if (!this.root.deleted) idx.set('', this.root);
      while (stack.length > 0) {
        const [n, key] = stack.pop()!;
        for (const c of n.children) {
          if (c.deleted) continue;
          const ck = `${key}/${c.name}`;
          if (idx.has(ck)) continue;
          idx.set(ck, c);
          stack.push([c, ck]);
        }
      }
      this.pathIndex = idx;
    }
    let key = '';
    let rest = path;
    while (rest.length > 0) {
      let i = 0;
      while (i < rest.length && rest.charCodeAt(i) === 0x2f) i++;
      if (i === rest.length) return undefined;
      const slash = rest.indexOf('/', i);
      key += `/${slash < 0 ? rest.slice(i) : rest.slice(i, slash)}`;
      rest = slash < 0 ? '' : rest.slice(slash + 1);
    }
    return this.pathIndex.get(key);
  }

  /** dtc's get_node_by_ref: "/" is the root, a path, or a label. */
  nodeByRef(ref: string): Node | undefined {
    if (ref === '/') return this.root;
    return ref.startsWith('/') ? this.nodeByPath(ref) : this.index.nodeByLabel(ref);
  }

  /** After deleting nodes: paths and labels must be looked up afresh. */
  nodesDeleted(): void {
    this.pathIndex = undefined;
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

  /** dtc's node_addr_cells: the default 2 when the node has no #address-cells. */
  nodeAddrCells(n: Node): number {
    const v = this.addrCells.get(n) ?? 0;
    return v === -1 ? 2 : v;
  }

  /** dtc's node_size_cells: the default 1 when the node has no #size-cells. */
  nodeSizeCells(n: Node): number {
    const v = this.sizeCells.get(n) ?? 0;
    return v === -1 ? 1 : v;
  }

  rawAddrCells(n: Node): number {
    return this.addrCells.get(n) ?? 0;
  }

  rawSizeCells(n: Node): number {
    return this.sizeCells.get(n) ?? 0;
  }
}
