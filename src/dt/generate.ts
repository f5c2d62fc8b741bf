import type { Diagnostic } from '../diag/diagnostic.js';
import { utf8Encode } from '../util/bytes.js';
import type { TreeIndex } from './lookup.js';
import { Node, Property, type DeviceTree, type Marker, type PhandleFormat } from './model.js';

/**
 * The nodes dtc 1.6.1 generates after the checks (livetree.c): `/aliases`
 * (`-A`) and `/__symbols__` (`-@`) from node labels, and `/__fixups__` and
 * `/__local_fixups__` for overlays (`/plugin/`). dtc runs them in that order:
 * aliases, __symbols__, __fixups__, __local_fixups__.
 *
 * dtc looks up existing properties and subnodes by walking lists; here they go
 * through maps, and values that grow entry by entry are assembled once at the
 * end, so a label referenced 100,000 times stays linear. The result is the
 * same tree dtc builds.
 */

interface WalkItem {
  node: Node;
  next: number;
}

/**
 * Pre-order over live nodes, reading each child list lazily like dtc's
 * for_each_child: nodes appended during the walk are visited if the walk has
 * not yet passed their position.
 */
function* preorder(root: Node): IterableIterator<Node> {
  if (root.deleted) return;
  const stack: WalkItem[] = [{ node: root, next: 0 }];
  yield root;
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    const ch = top.node.children;
    while (top.next < ch.length && ch[top.next].deleted) top.next++;
    if (top.next < ch.length) {
      const c = ch[top.next++];
      yield c;
      stack.push({ node: c, next: 0 });
    } else {
      stack.pop();
    }
  }
}

/** get_subnode() or a new child appended at the end (build_root_node). */
function subnodeOrNew(parent: Node, name: string): Node {
  const existing = parent.getChild(name);
  if (existing) return existing;
  const n = new Node(name);
  parent.addChild(n);
  return n;
}

/** First live property per name of a node, kept current as properties are added. */
class PropertyMap {
  private readonly map = new Map<string, Property>();
  constructor(readonly node: Node) {
    for (const p of node.properties) if (!p.deleted && !this.map.has(p.name)) this.map.set(p.name, p);
  }
  get(name: string): Property | undefined {
    return this.map.get(name);
  }
  add(p: Property): void {
    this.node.addProperty(p);
    if (!this.map.has(p.name)) this.map.set(p.name, p);
  }
}

/**
 * dtc's append_to_property, batched: every append adds a type marker at the
 * current end and the bytes; the new value is built once in `flush()`.
 */
class Appender {
  private readonly chunks: Uint8Array[];
  private readonly markers: Marker[];
  private length: number;
  constructor(readonly prop: Property) {
    this.chunks = prop.value.length > 0 ? [prop.value] : [];
    this.markers = [...prop.markers];
    this.length = prop.value.length;
  }
  append(bytes: Uint8Array, kind: 'type-string' | 'type-u32'): void {
    this.markers.push({ offset: this.length, kind });
    this.chunks.push(bytes);
    this.length += bytes.length;
  }
  flush(): void {
    const v = new Uint8Array(this.length);
    let o = 0;
    for (const c of this.chunks) {
      v.set(c, o);
      o += c.length;
    }
    this.prop.value = v;
    this.prop.markers = this.markers;
  }
}

/** Appends to the property `name` of a node, creating it (at the end) on first use. */
class PropertyAppenders {
  private readonly props: PropertyMap;
  private readonly open = new Map<Property, Appender>();
  constructor(node: Node) {
    this.props = new PropertyMap(node);
  }
  append(name: string, bytes: Uint8Array, kind: 'type-string' | 'type-u32'): void {
    let p = this.props.get(name);
    if (!p) {
      p = new Property(name, new Uint8Array(0), []);
      this.props.add(p);
    }
    let a = this.open.get(p);
    if (!a) {
      a = new Appender(p);
      this.open.set(p, a);
    }
    a.append(bytes, kind);
  }
  flush(): void {
    for (const a of this.open.values()) a.flush();
  }
}

function cstring(s: string): Uint8Array {
  const b = utf8Encode(s);
  const out = new Uint8Array(b.length + 1);
  out.set(b);
  return out;
}

function cell(v: number): Uint8Array {
  return new Uint8Array([(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff]);
}

/**
 * generate_label_tree: one string property per live label (value: the node's
 * full path) in pre-order and label-list order into `/aliases` or
 * `/__symbols__` (reused if it exists, else appended to the root). A label
 * already present there is skipped with dtc's warning. With
 * `allocatePhandles` (`-@`) every node that has a label list gets a phandle,
 * even when all its labels are deleted (dtc tests the list, not the labels).
 * Nothing at all happens when no live node carries a label list.
 */
export function generateLabelTree(
  tree: DeviceTree,
  index: TreeIndex,
  nodeName: 'aliases' | '__symbols__',
  allocatePhandles: boolean,
  format: PhandleFormat,
): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  let any = false;
  for (const n of preorder(tree.root)) {
    if (n.labels.length > 0) {
      any = true;
      break;
    }
  }
  if (!any) return diagnostics;
  const an = subnodeOrNew(tree.root, nodeName);
  const props = new PropertyMap(an);
  for (const node of preorder(tree.root)) {
    if (node.labels.length === 0) continue;
    let path: string | undefined;
    for (const l of node.labels) {
      if (l.deleted) continue;
      if (props.get(l.name)) {
        diagnostics.push({
          severity: 'warning',
          code: 'dt/label-exists',
          message: `label ${l.name} already exists in /${an.name}`,
          span: l.span,
        });
        continue;
      }
      path ??= node.fullPath;
      props.add(new Property(l.name, cstring(path), [{ offset: 0, kind: 'type-string' }]));
    }
    if (allocatePhandles) index.getNodePhandle(node, format);
  }
  return diagnostics;
}

/**
 * generate_fixups_tree: every phandle reference that does not resolve becomes
 * the entry `"<node path>:<property>:<offset>"` appended to the property named
 * after the reference in `/__fixups__` (entries in walk order, duplicates
 * kept, as 1.6.1 appends without checking). The node is created only when
 * there is at least one such reference. dtc dies when a path or property name
 * contains ':'; that is returned as an error (the node is still written).
 */
export function generateFixups(tree: DeviceTree, index: TreeIndex): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  let appenders: PropertyAppenders | undefined;
  for (const node of preorder(tree.root)) {
    let path: string | undefined;
    for (const prop of node.properties) {
      if (prop.deleted) continue;
      for (const m of prop.markers) {
        if (m.kind !== 'ref-phandle' || m.ref === undefined) continue;
        if (resolves(index, tree.root, m.ref)) continue;
        path ??= node.fullPath;
        if (path.includes(':') || prop.name.includes(':')) {
          diagnostics.push({
            severity: 'error',
            code: 'dt/fixup-colon',
            message: `arguments should not contain ':' (${path}:${prop.name})`,
            span: prop.span,
          });
          continue;
        }
        appenders ??= new PropertyAppenders(subnodeOrNew(tree.root, '__fixups__'));
        appenders.append(m.ref, cstring(`${path}:${prop.name}:${m.offset}`), 'type-string');
      }
    }
  }
  appenders?.flush();
  return diagnostics;
}

/**
 * generate_local_fixups_tree: for every phandle reference that resolves, the
 * node's path is mirrored under `/__local_fixups__` (existing nodes reused,
 * missing ones appended) and the reference's byte offset is appended as a
 * cell to the property of the same name there.
 */
export function generateLocalFixups(tree: DeviceTree, index: TreeIndex): void {
  let lfn: Node | undefined;
  const mirror = new Map<Node, Node>();
  const childMaps = new Map<Node, Map<string, Node>>();
  const appenders = new Map<Node, PropertyAppenders>();

  const childOf = (parent: Node, name: string): Node => {
    let m = childMaps.get(parent);
    if (!m) {
      m = new Map();
      for (const c of parent.children) if (!c.deleted && !m.has(c.name)) m.set(c.name, c);
      childMaps.set(parent, m);
    }
    let c = m.get(name);
    if (!c) {
      c = new Node(name);
      parent.addChild(c);
      m.set(name, c);
    }
    return c;
  };
  const mirrorOf = (node: Node): Node => {
    const known = mirror.get(node);
    if (known) return known;
    const mirrored = node.parent ? childOf(mirrorOf(node.parent), node.name) : lfn!;
    mirror.set(node, mirrored);
    return mirrored;
  };

  for (const node of preorder(tree.root)) {
    for (const prop of node.properties) {
      if (prop.deleted) continue;
      for (const m of prop.markers) {
        if (m.kind !== 'ref-phandle' || m.ref === undefined) continue;
        if (!resolves(index, tree.root, m.ref)) continue;
        lfn ??= subnodeOrNew(tree.root, '__local_fixups__');
        const wn = mirrorOf(node);
        let a = appenders.get(wn);
        if (!a) {
          a = new PropertyAppenders(wn);
          appenders.set(wn, a);
        }
        a.append(prop.name, cell(m.offset), 'type-u32');
      }
    }
  }
  for (const a of appenders.values()) a.flush();
}

/** get_node_by_ref: `/` is the root, `/...` a path, anything else a label. */
function resolves(index: TreeIndex, root: Node, ref: string): boolean {
  if (ref === '/') return !root.deleted;
  return index.nodeByRef(ref) !== undefined;
}
