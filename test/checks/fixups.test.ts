import { describe, test } from 'node:test';
import { strict as assert } from 'node:assert';
import { runChecks } from '../../src/checks/index.js';
import { TreeIndex } from '../../src/dt/lookup.js';
import type { DeviceTree, PhandleFormat } from '../../src/dt/model.js';
import { cells, node, pathRef, strs, tree } from './build.js';

function run(t: DeviceTree, phandleFormat: PhandleFormat = 'epapr', generateSymbols = false) {
  return runChecks(t, new TreeIndex(t.root), { phandleFormat, generateSymbols });
}

const u32s = (b: Uint8Array) =>
  Array.from({ length: b.length / 4 }, (_, i) => new DataView(b.buffer, b.byteOffset).getUint32(i * 4));

describe('reference fixups (tree built in code)', () => {
  test('phandle references allocate phandles in walk order past explicit values', () => {
    const t = tree(
      node(
        '',
        [['refs', cells({ ref: 'b' }, { ref: 'a' }, { ref: 'b' })]],
        [
          node('a', [], [], { labels: ['a'] }),
          node('x', [['phandle', cells(1)]]),
          node('b', [], [], { labels: ['b'] }),
        ],
      ),
    );
    const r = run(t);
    assert.deepEqual(r.diagnostics, []);
    assert.equal(r.hasErrors, false);
    assert.deepEqual(u32s(t.root.properties[0].value), [2, 3, 2]);
    const [a, , b] = t.root.children;
    assert.equal(b.phandle, 2);
    assert.deepEqual(
      b.properties.map((p) => p.name),
      ['phandle'],
    );
    assert.equal(a.phandle, 3);
  });

  test('-H both appends linux,phandle then phandle; legacy only linux,phandle', () => {
    for (const [fmt, names] of [
      ['both', ['linux,phandle', 'phandle']],
      ['legacy', ['linux,phandle']],
    ] as const) {
      const t = tree(node('', [['r', cells({ ref: 'a' })]], [node('a', [], [], { labels: ['a'] })]));
      run(t, fmt);
      assert.deepEqual(
        t.root.children[0].properties.map((p) => p.name),
        names,
      );
    }
  });

  test('phandle = <&self> allocates without adding a property', () => {
    const t = tree(node('', [], [node('a', [['phandle', cells({ ref: 'a' })]], [], { labels: ['a'] })]));
    const r = run(t);
    assert.deepEqual(r.diagnostics, []);
    const a = t.root.children[0];
    assert.equal(a.phandle, 1);
    assert.deepEqual(u32s(a.properties[0].value), [1]);
    assert.equal(a.properties.length, 1);
  });

  test('path references splice the path and shift later markers', () => {
    const v = strs('x');
    const p = pathRef('a');
    const value = {
      bytes: v.bytes,
      markers: [...v.markers, { ...p.markers[0], offset: 2 }, { offset: 2, kind: 'type-string' as const }],
    };
    const t = tree(node('', [['p', value]], [node('a@1', [['reg', cells(1, 1)]], [], { labels: ['a'] })]));
    t.root.properties.unshift();
    run(t);
    const prop = t.root.properties[0];
    assert.equal(new TextDecoder().decode(prop.value), 'x\0/a@1\0');
    assert.deepEqual(
      prop.markers.map((m) => m.offset),
      [0, 2, 7],
    );
    assert.equal(t.root.children[0].isReferenced, true);
  });

  test('path references with markers out of offset order follow dtc marker by marker', () => {
    const value = {
      bytes: new TextEncoder().encode('AB'),
      markers: [
        { offset: 2, kind: 'ref-path' as const, ref: 'a' },
        { offset: 0, kind: 'ref-path' as const, ref: 'b' },
      ],
    };
    const t = tree(
      node('', [['p', value]], [node('a', [], [], { labels: ['a'] }), node('b', [], [], { labels: ['b'] })]),
    );
    run(t);
    // "/a\0" goes in at 2, which moves the second marker to 3; "/b\0" then goes in there.
    assert.equal(new TextDecoder().decode(t.root.properties[0].value), 'AB//b\0a\0');
    assert.deepEqual(
      t.root.properties[0].markers.map((m) => m.offset),
      [2, 3],
    );
  });

  test('unresolved references are errors outside overlays and 0xffffffff inside', () => {
    const t = tree(node('', [['r', cells({ ref: 'nope' })]]));
    const r = run(t);
    assert.equal(r.hasErrors, true);
    assert.deepEqual(
      r.diagnostics.map((d) => [d.code, d.message]),
      [['dtc/phandle_references', '/: Reference to non-existent node or label "nope"\n']],
    );
    const o = tree(node('', [['r', cells({ ref: 'nope' })]]), true);
    const ro = run(o);
    assert.equal(ro.hasErrors, false);
    assert.deepEqual(u32s(o.root.properties[0].value), [0xffffffff]);
  });

  test('omit_unused_nodes deletes unreferenced nodes, keeping labelled ones under -@', () => {
    const mk = () =>
      tree(
        node(
          '',
          [['r', cells({ ref: 'used' })]],
          [
            node('used', [], [], { labels: ['used'], omit: true }),
            node('unused', [], [node('kid', [], [], { labels: ['k'] })], { labels: ['u'], omit: true }),
            node('plain', [], [], { omit: true }),
          ],
        ),
      );
    const t = mk();
    run(t);
    assert.deepEqual(
      t.root.children.map((c) => [c.name, c.deleted]),
      [
        ['used', false],
        ['unused', true],
        ['plain', true],
      ],
    );
    assert.equal(t.root.children[1].children[0].deleted, true);
    assert.equal(t.root.children[1].labels[0].deleted, true);
    const s = mk();
    run(s, 'epapr', true);
    assert.deepEqual(
      s.root.children.map((c) => c.deleted),
      [false, false, true],
    );
  });

  test('a correct name property is removed; an incorrect one is an error', () => {
    const t = tree(
      node(
        '',
        [],
        [
          node('n@1', [
            ['name', strs('n')],
            ['reg', cells(1, 1)],
          ]),
        ],
      ),
    );
    run(t);
    assert.deepEqual(
      t.root.children[0].properties.map((p) => p.name),
      ['reg'],
    );
    const b = tree(node('', [], [node('n', [['name', strs('m')]])]));
    const r = run(b);
    assert.equal(r.hasErrors, true);
    assert.equal(
      r.diagnostics[0].message,
      '/n: "name" property is incorrect ("m" instead of base node name)',
    );
  });

  test('explicit phandle errors: zero, mismatch, duplicate, reference to another node', () => {
    const t = tree(
      node(
        '',
        [],
        [
          node('z', [['phandle', cells(0)]]),
          node('m', [
            ['phandle', cells(5)],
            ['linux,phandle', cells(6)],
          ]),
          node('d', [['phandle', cells(5)]]),
          node('o', [['phandle', cells({ ref: 'z' })]], [], {}),
        ],
      ),
    );
    t.root.children[0].labels = [...t.root.children[0].labels, { name: 'z', deleted: false }];
    const r = run(t);
    assert.deepEqual(
      r.diagnostics.map((d) => d.message),
      [
        '/z:phandle: bad value (0x0) in phandle property',
        "/m: mismatching 'phandle' and 'linux,phandle' properties",
        '/d: duplicated phandle 0x5 (seen before at /m)',
        '/o: phandle is a reference to another node',
      ],
    );
    assert.equal(r.hasErrors, true);
  });

  test('after the first error-level failure no further check runs (dtc short-circuits)', () => {
    const t = tree(node('', [['r', cells({ ref: 'nope' })]], [node('a', []), node('a', [])]));
    const r = run(t);
    assert.deepEqual(
      r.diagnostics.map((d) => d.code),
      ['dtc/duplicate_node_names'],
    );
    assert.deepEqual(u32s(t.root.properties[0].value), [0]);
  });

  test('node messages list the other definition sites; property messages do not', () => {
    const n = node('n@1', [['reg', cells(1)]]);
    n.spans.push({ file: 'u.dts', line: 9, col: 1, endLine: 9, endCol: 5 });
    const t = tree(
      node(
        '',
        [
          ['#address-cells', cells(1)],
          ['#size-cells', cells(0)],
        ],
        [n, node('m@1', [['reg', cells(1)]])],
      ),
    );
    const r = run(t);
    const d = r.diagnostics.find((x) => x.code === 'dtc/unique_unit_address')!;
    assert.equal(d.message, '/n@1: duplicate unit-address (also used in node /m@1)');
    assert.deepEqual(d.related, [{ message: 'also defined at', span: n.spans[1] }]);
  });
});
