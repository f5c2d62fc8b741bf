import { DeviceTree, Node, Property, type Marker } from '../../src/dt/model.js';
import { utf8Encode } from '../../src/util/bytes.js';

/** Small constructors for hand-built trees in tests. */
export function prop(
  name: string,
  value: Uint8Array | string = new Uint8Array(0),
  markers: Marker[] = [],
): Property {
  const v = typeof value === 'string' ? cstr(value) : value;
  return new Property(name, v, markers);
}

export function cstr(s: string): Uint8Array {
  const b = utf8Encode(s);
  const out = new Uint8Array(b.length + 1);
  out.set(b);
  return out;
}

export function cells(...vs: number[]): Uint8Array {
  const out = new Uint8Array(vs.length * 4);
  const dv = new DataView(out.buffer);
  vs.forEach((v, i) => dv.setUint32(i * 4, v >>> 0));
  return out;
}

export function node(name: string, props: Property[] = [], children: Node[] = []): Node {
  const n = new Node(name);
  for (const p of props) n.addProperty(p);
  for (const c of children) n.addChild(c);
  return n;
}

export function dtree(root: Node, memreserves: [bigint, bigint][] = [], bootCpuidPhys = 0): DeviceTree {
  const t = new DeviceTree(root);
  t.memreserves = memreserves.map(([address, size]) => ({ address, size, labels: [] }));
  t.bootCpuidPhys = bootCpuidPhys;
  return t;
}
