import type { Span } from '../diag/span.js';
import { NO_LABELS, Node, Property, type Label } from './model.js';

/**
 * Tree-building operations of dtc's livetree.c, used while a DTS is parsed:
 * add_label, merge_nodes, delete_node, get_node_by_ref. dtc does every
 * lookup by walking the whole tree; here labels and the first child /
 * property of each name are kept in maps that are updated as the tree grows,
 * so 20k `&label { }` blocks over a 250k-node tree stay linear. The maps are
 * only valid while all changes go through this class (i.e. during parsing).
 */

/**
 * dtc's add_label: a label already in the list is revived, else the new one
 * is prepended. The item gets a new list (lists may be the shared, frozen
 * NO_LABELS). Returns the new label, if any.
 */
export function addLabelTo(item: { labels: Label[] }, name: string, span?: Span): Label | undefined {
  const labels = item.labels;
  for (const l of labels) {
    if (l.name === name) {
      l.deleted = false;
      return undefined;
    }
  }
  const label: Label = span ? { name, deleted: false, span } : { name, deleted: false };
  item.labels = labels.length === 0 ? [label] : [label, ...labels];
  return label;
}

/**
 * The label list of a new item from the labels written before it
 * (`a: b: item`), the way dtc's right-recursive grammar adds them: the
 * innermost (last written) first, each prepended, so the list reads in
 * source order.
 */
export function labelsFromWritten(written: readonly { name: string; span?: Span }[]): Label[] {
  if (written.length === 0) return NO_LABELS;
  if (written.length === 1) {
    const w = written[0];
    return [w.span ? { name: w.name, deleted: false, span: w.span } : { name: w.name, deleted: false }];
  }
  const item = { labels: NO_LABELS };
  for (let i = written.length - 1; i >= 0; i--) addLabelTo(item, written[i].name, written[i].span);
  return item.labels;
}

interface LabelHolder {
  node: Node;
  label: Label;
}

export class TreeBuilder {
  /** Label name -> its holder(s); a single holder is stored unwrapped (the common case). */
  private readonly labelMap = new Map<string, LabelHolder | LabelHolder[]>();
  private readonly childIndex = new WeakMap<Node, Map<string, Node>>();
  private readonly propIndex = new WeakMap<Node, Map<string, Property>>();

  constructor(public readonly root: Node) {
    this.registerSubtree(root);
  }

  private registerLabel(node: Node, label: Label): void {
    const cur = this.labelMap.get(label.name);
    if (cur === undefined) this.labelMap.set(label.name, { node, label });
    else if (Array.isArray(cur)) cur.push({ node, label });
    else this.labelMap.set(label.name, [cur, { node, label }]);
  }

  /** Records the labels of a subtree that has just become part of the tree. */
  registerSubtree(top: Node): void {
    const stack: Node[] = [top];
    while (stack.length > 0) {
      const n = stack.pop()!;
      for (const l of n.labels) this.registerLabel(n, l);
      for (const c of n.children) stack.push(c);
    }
  }

  /** dtc's add_label on a node that is in the tree. */
  addNodeLabel(node: Node, name: string, span?: Span): void {
    const l = addLabelTo(node, name, span);
    if (l) this.registerLabel(node, l);
  }

  private children(node: Node): Map<string, Node> {
    let m = this.childIndex.get(node);
    if (!m) {
      m = new Map();
      for (const c of node.children) if (!m.has(c.name)) m.set(c.name, c);
      this.childIndex.set(node, m);
    }
    return m;
  }

  private props(node: Node): Map<string, Property> {
    let m = this.propIndex.get(node);
    if (!m) {
      m = new Map();
      for (const p of node.properties) if (!m.has(p.name)) m.set(p.name, p);
      this.propIndex.set(node, m);
    }
    return m;
  }

  /** dtc's add_child, for a subtree not yet in the tree. */
  addChild(parent: Node, child: Node): void {
    parent.addChild(child);
    const m = this.childIndex.get(parent);
    if (m && !m.has(child.name)) m.set(child.name, child);
    this.registerSubtree(child);
  }

  /**
   * dtc's merge_nodes(old, new): revive `old`, add new's labels, replace
   * same-named properties in place (first match, deleted ones included) or
   * append, apply `/delete-property/` and `/delete-node/` entries, merge
   * same-named children, append the rest, and append new's source spans.
   */
  merge(oldTop: Node, newTop: Node): void {
    const work: [Node, Node][] = [[oldTop, newTop]];
    while (work.length > 0) {
      const [oldNode, newNode] = work.pop()!;
      oldNode.deleted = false;
      for (const l of newNode.labels) this.addNodeLabel(oldNode, l.name, l.span);

      if (newNode.properties.length > 0) {
        const pm = this.props(oldNode);
        for (const np of newNode.properties) {
          if (np.deleted) {
            // delete_property_by_name: the first property of that name, deleted or not.
            const op = pm.get(np.name);
            if (op) deleteProperty(op);
            continue;
          }
          const op = pm.get(np.name);
          if (op) {
            for (const l of np.labels) addLabelTo(op, l.name, l.span);
            op.value = np.value;
            op.markers = np.markers;
            op.deleted = false;
            op.span = np.span;
          } else {
            oldNode.addProperty(np);
            pm.set(np.name, np);
          }
        }
      }

      if (newNode.children.length > 0) {
        const cm = this.children(oldNode);
        // Collisions are merged depth-first in source order (dtc recurses at
        // once); appends at this level do not interact with those merges.
        const pending: [Node, Node][] = [];
        for (const nc of newNode.children) {
          nc.parent = undefined;
          if (nc.deleted) {
            // delete_node_by_name: the first child of that name, deleted or not.
            const oc = cm.get(nc.name);
            if (oc) deleteNode(oc);
            continue;
          }
          const oc = cm.get(nc.name);
          if (oc) pending.push([oc, nc]);
          else this.addChild(oldNode, nc);
        }
        for (let i = pending.length - 1; i >= 0; i--) work.push(pending[i]);
      }

      for (const s of newNode.spans) oldNode.spans.push(s);
    }
  }

  /** dtc's get_node_by_ref: `/` is the root, `/...` a path, anything else a label. */
  lookupRef(ref: string): Node | undefined {
    if (ref === '/') return this.root;
    if (ref.startsWith('/')) return nodeByPathDtc(this.root, ref);
    return this.lookupLabel(ref);
  }

  /** dtc's get_node_by_label: first live holder in a pre-order walk of live nodes. */
  lookupLabel(name: string): Node | undefined {
    const entry = this.labelMap.get(name);
    if (entry === undefined) return undefined;
    if (!Array.isArray(entry)) {
      return !entry.label.deleted && this.isLiveInTree(entry.node) ? entry.node : undefined;
    }
    const holders = entry;
    let best: Node | undefined;
    for (const h of holders) {
      if (h.label.deleted || !this.isLiveInTree(h.node)) continue;
      if (best === undefined || (best !== h.node && preorderBefore(h.node, best))) best = h.node;
    }
    return best;
  }

  private isLiveInTree(node: Node): boolean {
    let n: Node | undefined = node;
    while (n && n !== this.root) {
      if (n.deleted) return false;
      n = n.parent;
    }
    return n === this.root;
  }
}

/** dtc's delete_property. */
export function deleteProperty(p: Property): void {
  p.deleted = true;
  for (const l of p.labels) l.deleted = true;
}

/** dtc's delete_node: the node, its live subtree, their properties and all their labels. */
export function deleteNode(top: Node): void {
  const stack: Node[] = [top];
  while (stack.length > 0) {
    const n = stack.pop()!;
    n.deleted = true;
    for (const c of n.children) if (!c.deleted) stack.push(c);
    for (const p of n.properties) if (!p.deleted) deleteProperty(p);
    for (const l of n.labels) l.deleted = true;
  }
}

/**
 * dtc 1.6.1's get_node_by_path: leading slashes skipped per component, each
 * component equal to a live child's full name; an empty rest is the node
 * itself unless deleted.
 */
export function nodeByPathDtc(root: Node, path: string): Node | undefined {
  let node = root;
  let rest = path;
  for (;;) {
    if (rest.length === 0) return node.deleted ? undefined : node;
    let i = 0;
    while (i < rest.length && rest.charCodeAt(i) === 0x2f) i++;
    rest = rest.slice(i);
    const slash = rest.indexOf('/');
    const comp = slash < 0 ? rest : rest.slice(0, slash);
    let found: Node | undefined;
    for (const c of node.children) {
      if (!c.deleted && c.name === comp) {
        found = c;
        break;
      }
    }
    if (!found) return undefined;
    if (slash < 0) return found;
    node = found;
    rest = rest.slice(slash + 1);
  }
}

/** True when `a` comes before `b` in a pre-order walk (both in the same tree). */
function preorderBefore(a: Node, b: Node): boolean {
  const chain = (n: Node): Node[] => {
    const out: Node[] = [];
    for (let x: Node | undefined = n; x; x = x.parent) out.push(x);
    return out.reverse();
  };
  const ca = chain(a);
  const cb = chain(b);
  let i = 0;
  while (i < ca.length && i < cb.length && ca[i] === cb[i]) i++;
  if (i === ca.length) return true; // a is an ancestor of b
  if (i === cb.length) return false;
  const parent = ca[i - 1];
  return parent.children.indexOf(ca[i]) < parent.children.indexOf(cb[i]);
}
