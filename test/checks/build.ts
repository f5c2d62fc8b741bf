// Builds device trees in code (no parser needed): values carry the markers
// the DTS parser would record, so the checks see source-like input.
import { DeviceTree, Node, Property, type Marker } from '../../src/dt/model.js';

export interface Value {
  bytes: Uint8Array;
  markers: Marker[];
}

type CellItem = number | { ref: string };

/** `< ... >`: 32-bit cells; `{ref}` is `&label` (or `&{/path}`). */
export function cells(...items: CellItem[]): Value {
  const bytes = new Uint8Array(items.length * 4);
  const markers: Marker[] = [{ offset: 0, kind: 'type-u32' }];
  items.forEach((it, i) => {
    const v = typeof it === 'number' ? it : 0;
    if (typeof it !== 'number') markers.push({ offset: i * 4, kind: 'ref-phandle', ref: it.ref });
    bytes[i * 4] = v >>> 24;
    bytes[i * 4 + 1] = (v >>> 16) & 0xff;
    bytes[i * 4 + 2] = (v >>> 8) & 0xff;
    bytes[i * 4 + 3] = v & 0xff;
  });
  return { bytes, markers };
}

/** `"a", "b"` */
export function strs(...s: string[]): Value {
  const enc = new TextEncoder();
  const parts = s.map((x) => enc.encode(x));
  const bytes = new Uint8Array(parts.reduce((a, p) => a + p.length + 1, 0));
  const markers: Marker[] = [];
  let o = 0;
  for (const p of parts) {
    markers.push({ offset: o, kind: 'type-string' });
    bytes.set(p, o);
    o += p.length + 1;
  }
  return { bytes, markers };
}

/** `[ .. ]` */
export function bytes(...b: number[]): Value {
  return { bytes: new Uint8Array(b), markers: [{ offset: 0, kind: 'type-u8' }] };
}

/** `&label` outside `< >`: a path reference. */
export function pathRef(ref: string): Value {
  return { bytes: new Uint8Array(0), markers: [{ offset: 0, kind: 'ref-path', ref }] };
}

export const empty: Value = { bytes: new Uint8Array(0), markers: [] };

export type PropSpec = [name: string, value?: Value, labels?: string[]];

export interface NodeOpts {
  labels?: string[];
  omit?: boolean;
}

let line = 1;

/** A node defined at a fresh line of `t.dts`. */
export function node(name: string, props: PropSpec[] = [], children: Node[] = [], opts: NodeOpts = {}): Node {
  const n = new Node(name);
  const l = line++;
  n.spans.push({ file: 't.dts', line: l, col: 1, endLine: l, endCol: 10 });
  for (const [pname, v, labels] of props) {
    const val = v ?? empty;
    const p = new Property(
      pname,
      val.bytes.slice(),
      val.markers.map((m) => ({ ...m })),
      {
        file: 't.dts',
        line: l,
        col: 2,
        endLine: l,
        endCol: 8,
      },
    );
    for (const lb of labels ?? []) p.labels = [...p.labels, { name: lb, deleted: false }];
    n.addProperty(p);
  }
  for (const c of children) n.addChild(c);
  for (const lb of opts.labels ?? []) n.labels = [...n.labels, { name: lb, deleted: false }];
  if (opts.omit) n.omitIfNoRef = true;
  return n;
}

export function tree(root: Node, plugin = false): DeviceTree {
  const t = new DeviceTree(root);
  t.plugin = plugin;
  return t;
}
