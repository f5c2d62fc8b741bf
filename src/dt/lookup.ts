import { Node, Property, liveNodes, type PhandleFormat } from './model.js';

/**
 * Lookups by path, label and phandle with dtc's meaning (first match in a
 * pre-order walk of live nodes), backed by maps so that trees with hundreds of
 * thousands of labels and references stay linear. The index is built on first
 * use; anything that restructures the tree (merging, deleting) must call
 * `invalidate()`. Phandle allocation keeps it current itself.
 */
export class TreeIndex {
  private byLabel: Map<string, Node> | undefined;
  private byPhandle: Map<number, Node> | undefined;

  constructor(public root: Node) {}

  invalidate(): void {
    this.byLabel = undefined;
    this.byPhandle = undefined;
  }

  private build(): void {
    const byLabel = new Map<string, Node>();
    const byPhandle = new Map<number, Node>();
    const nodes = liveNodes(this.root);
    for (let i = 0; i < nodes.length; i++) {
      const n = nodes[i];
      const labels = n.labels;
      for (let k = 0; k < labels.length; k++) {
        const l = labels[k];
        if (!l.deleted && !byLabel.has(l.name)) byLabel.set(l.name, n);
      }
      if (n.phandle !== 0 && n.phandle !== 0xffffffff && !byPhandle.has(n.phandle))
        byPhandle.set(n.phandle, n);
    }
    this.byLabel = byLabel;
    this.byPhandle = byPhandle;
  }

  nodeByLabel(label: string): Node | undefined {
    if (!this.byLabel) this.build();
    return this.byLabel!.get(label);
  }

  nodeByPhandle(phandle: number): Node | undefined {
    if (phandle === 0 || phandle === 0xffffffff) return undefined;
    if (!this.byPhandle) this.build();
    return this.byPhandle!.get(phandle);
  }

  /** Path relative to the root (`/a/b@1`); each component must equal a full node name. */
  nodeByPath(path: string): Node | undefined {
    return getNodeByPath(this.root, path);
  }

  /** `&ref`: a path when it starts with `/`, else a label. */
  nodeByRef(ref: string): Node | undefined {
    return ref.startsWith('/') ? this.nodeByPath(ref) : this.nodeByLabel(ref);
  }

  /** Records a phandle assigned outside `getNodePhandle` (explicit `phandle` properties). */
  notePhandle(node: Node): void {
    if (!this.byPhandle) return;
    if (node.phandle !== 0 && node.phandle !== 0xffffffff && !this.byPhandle.has(node.phandle))
      this.byPhandle.set(node.phandle, node);
  }

  private nextPhandle = 1;

  /**
   * dtc's get_node_phandle: a node without a phandle gets the lowest value not
   * used anywhere in the tree that is at or above a counter which never goes
   * back; `phandle` (epapr), `linux,phandle` (legacy) or both are appended to
   * its properties unless it already has them.
   */
  getNodePhandle(node: Node, format: PhandleFormat): number {
    if (node.phandle !== 0 && node.phandle !== 0xffffffff) return node.phandle;
    if (!this.byPhandle) this.build();
    while (this.byPhandle!.has(this.nextPhandle)) this.nextPhandle++;
    const ph = this.nextPhandle;
    node.phandle = ph;
    this.byPhandle!.set(ph, node);
    if (format !== 'epapr' && !node.getProperty('linux,phandle'))
      node.addProperty(new Property('linux,phandle', phandleCell(ph), [{ offset: 0, kind: 'type-u32' }]));
    if (format !== 'legacy' && !node.getProperty('phandle'))
      node.addProperty(new Property('phandle', phandleCell(ph), [{ offset: 0, kind: 'type-u32' }]));
    return ph;
  }
}

/** The big-endian 32-bit cell of a phandle value (a fresh array per property). */
function phandleCell(ph: number): Uint8Array {
  const cell = new Uint8Array(4);
  cell[0] = ph >>> 24;
  cell[1] = (ph >>> 16) & 0xff;
  cell[2] = (ph >>> 8) & 0xff;
  cell[3] = ph & 0xff;
  return cell;
}

/**
 * dtc's get_node_by_path: components separated by `/` (repeated slashes are
 * one), each equal to the full name (`name@unit`) of a live child.
 */
export function getNodeByPath(root: Node, path: string): Node | undefined {
  let node: Node | undefined = root;
  if (root.deleted) return undefined;
  for (const comp of path.split('/')) {
    if (comp === '') continue;
    node = node.getChild(comp);
    if (!node) return undefined;
  }
  return node;
}
