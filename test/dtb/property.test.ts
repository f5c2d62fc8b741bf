import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { readDtb } from '../../src/dtb/read.js';
import { writeDtb } from '../../src/dtb/write.js';
import type { DeviceTree, Node } from '../../src/dt/model.js';
import { dtree, node, prop } from './tree-builders.js';
import { equalBytes, firstDiff, hasDtc, runDtc, skipUnless } from './helpers.js';

const nameChars = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789,._+-'.split(''));
// `name`, `phandle` and `linux,phandle` are avoided: dtc's checks act on them when it reads a blob.
const propName = fc
  .string({ unit: fc.oneof(nameChars, fc.constantFrom('#', '?')), minLength: 1, maxLength: 12 })
  .filter((n) => n !== 'name' && n !== 'phandle' && n !== 'linux,phandle');
const nodeName = fc
  .tuple(
    fc.string({ unit: nameChars, minLength: 1, maxLength: 10 }),
    fc.option(fc.string({ unit: nameChars, minLength: 1, maxLength: 6 })),
  )
  .map(([b, u]) => (u === null ? b : `${b}@${u}`));
const propArb = fc.tuple(propName, fc.uint8Array({ maxLength: 24 }));

interface Shape {
  name: string;
  props: [string, Uint8Array][];
  children: Shape[];
}

/** Nodes nested at most `depth` levels (fast-check's letrec would not bound the depth). */
function shapeArb(depth: number): fc.Arbitrary<Shape> {
  return fc.record({
    name: nodeName,
    props: fc.array(propArb, { maxLength: 5 }),
    children: depth <= 0 ? fc.constant([]) : fc.array(shapeArb(depth - 1), { maxLength: 3 }),
  });
}

const treeArb = fc
  .record({
    props: fc.array(propArb, { maxLength: 5 }),
    children: fc.array(shapeArb(3), { maxLength: 4 }),
    reserves: fc.array(fc.tuple(fc.bigInt(0n, 2n ** 64n - 1n), fc.bigInt(1n, 2n ** 64n - 1n)), {
      maxLength: 3,
    }),
    boot: fc.nat(),
  })
  .map((r) => ({ ...r }));

function build(s: { props: [string, Uint8Array][]; children: Shape[] }, name: string): Node {
  return node(
    name,
    s.props.map(([n, v]) => prop(n, v)),
    s.children.map((c) => build(c, c.name)),
  );
}

function toTree(r: typeof treeArb extends fc.Arbitrary<infer T> ? T : never): DeviceTree {
  return dtree(build(r, ''), r.reserves, r.boot);
}

/** Structural view of a tree for deep comparison. */
function plain(t: DeviceTree): unknown {
  const walk = (n: Node): unknown => ({
    name: n.name,
    props: n.properties.map((p) => [p.name, Array.from(p.value)]),
    children: n.children.map(walk),
  });
  return {
    reserves: t.memreserves.map((m) => [m.address, m.size]),
    boot: t.bootCpuidPhys,
    root: walk(t.root),
  };
}

describe('random trees', () => {
  test('writeDtb then readDtb gives the same tree, for every version', () => {
    fc.assert(
      fc.property(treeArb, fc.constantFrom(17, 16), (r, version) => {
        const t = toTree(r);
        const back = readDtb(writeDtb(t, { version }), 'rand.dtb');
        assert.ok(back.tree, JSON.stringify(back.diagnostics));
        assert.deepEqual(back.diagnostics, []);
        assert.deepEqual(plain(back.tree), plain(t));
      }),
      { numRuns: 200 },
    );
  });

  test('dtc rewrites our blobs unchanged', skipUnless([hasDtc, 'no /usr/bin/dtc']), () => {
    fc.assert(
      fc.property(treeArb, (r) => {
        const ours = writeDtb(toTree(r));
        const ref = runDtc(['-f', '-q', '-q', '-q', '-I', 'dtb', '-O', 'dtb', '-'], ours);
        assert.equal(ref.status, 0, ref.stderr);
        assert.ok(equalBytes(ours, ref.stdout), `first difference at byte ${firstDiff(ours, ref.stdout)}`);
      }),
      { numRuns: 40 },
    );
  });
});
