import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { TreeIndex } from '../../src/dt/lookup.js';
import { generateFixups, generateLabelTree, generateLocalFixups } from '../../src/dt/generate.js';
import { sortTree, strcmp } from '../../src/dt/sort.js';
import type { Node } from '../../src/dt/model.js';
import { printDts } from '../../src/dts/print.js';
import { cells, cstr, dtree, node, prop } from '../dtb/tree-builders.js';

function label(n: Node, ...names: string[]): Node {
  for (const name of names) n.labels = [...n.labels, { name, deleted: false }];
  return n;
}

function ref(value: Uint8Array, refs: [number, string][]): ReturnType<typeof prop> {
  return prop('p', value, [
    { offset: 0, kind: 'type-u32' },
    ...refs.map(([offset, r]) => ({ offset, kind: 'ref-phandle' as const, ref: r })),
  ]);
}

describe('generateLabelTree', () => {
  test('symbols in pre-order, existing node reused, duplicate label warned, phandles allocated', () => {
    const existing = node('__symbols__', [prop('a', cstr('/elsewhere'))]);
    const t = dtree(
      node(
        '',
        [],
        [label(node('x'), 'a', 'b'), existing, label(node('y', [], [label(node('z'), 'c')]), 'd')],
      ),
    );
    const index = new TreeIndex(t.root);
    const diags = generateLabelTree(t, index, '__symbols__', true, 'epapr');
    assert.deepEqual(
      diags.map((d) => d.message),
      ['label a already exists in /__symbols__'],
    );
    assert.deepEqual(
      existing.properties.map((p) => p.name),
      ['a', 'b', 'd', 'c'],
    );
    assert.deepEqual(Array.from(existing.getProperty('c')!.value), Array.from(cstr('/y/z')));
    assert.deepEqual(
      [t.root.children[0].phandle, t.root.children[2].phandle, t.root.children[2].children[0].phandle],
      [1, 2, 3],
    );
    assert.equal(t.root.children.length, 3);
  });

  test('no labels anywhere: no node is created', () => {
    const t = dtree(node('', [], [node('x')]));
    generateLabelTree(t, new TreeIndex(t.root), 'aliases', false, 'epapr');
    assert.equal(t.root.children.length, 1);
  });

  test('a node whose labels are all deleted creates the node and gets a phandle, but no entry', () => {
    const n = node('x');
    n.labels = [...n.labels, { name: 'gone', deleted: true }];
    const t = dtree(node('', [], [n]));
    generateLabelTree(t, new TreeIndex(t.root), '__symbols__', true, 'epapr');
    assert.equal(t.root.children[1].name, '__symbols__');
    assert.equal(t.root.children[1].properties.length, 0);
    assert.equal(n.phandle, 1);
  });
});

describe('fixups', () => {
  test('unresolved references become __fixups__ entries in walk order, resolved ones __local_fixups__ cells', () => {
    const inner = node('in', [
      ref(cells(0xffffffff, 1), [
        [0, 'ext'],
        [4, 'me'],
      ]),
    ]);
    const me = label(
      node(
        'me',
        [
          ref(cells(1, 0xffffffff, 0xffffffff), [
            [0, 'me'],
            [4, 'ext'],
            [8, 'ext'],
          ]),
        ],
        [inner],
      ),
      'me',
    );
    me.phandle = 1;
    const t = dtree(node('', [], [me]));
    t.plugin = true;
    const index = new TreeIndex(t.root);
    assert.deepEqual(generateFixups(t, index), []);
    generateLocalFixups(t, index);
    const text = printDts(t);
    assert.match(text, /ext = "\/me:p:4", "\/me:p:8", "\/me\/in:p:0";/);
    assert.match(
      text,
      /__local_fixups__ \{\n\n\t\tme \{\n\t\t\tp = <0x00>;\n\n\t\t\tin \{\n\t\t\t\tp = <0x04>;/,
    );
  });

  test('nothing to fix up: no nodes', () => {
    const t = dtree(node('', [prop('x', cells(1), [{ offset: 0, kind: 'type-u32' }])]));
    const index = new TreeIndex(t.root);
    generateFixups(t, index);
    generateLocalFixups(t, index);
    assert.equal(t.root.children.length, 0);
  });
});

describe('sortTree', () => {
  test('strcmp byte order: upper case first, prefixes first', () => {
    assert.deepEqual(['b', 'B', 'a', 'ab', 'A', 'a@1', 'a-b'].sort(strcmp), [
      'A',
      'B',
      'a',
      'a-b',
      'a@1',
      'ab',
      'b',
    ]);
  });

  test('memreserves by address then size; deleted entries sorted too', () => {
    const gone = prop('a', cells(1));
    gone.deleted = true;
    const t = dtree(
      node(
        '',
        [prop('z', cells(1)), gone, prop('b', cells(2))],
        [node('y'), node('x', [prop('q'), prop('p')])],
      ),
      [
        [2n, 1n],
        [1n, 5n],
        [1n, 2n],
      ],
    );
    sortTree(t);
    assert.deepEqual(
      t.memreserves.map((m) => [m.address, m.size]),
      [
        [1n, 2n],
        [1n, 5n],
        [2n, 1n],
      ],
    );
    assert.deepEqual(
      t.root.properties.map((p) => p.name),
      ['a', 'b', 'z'],
    );
    assert.deepEqual(
      t.root.children.map((c) => c.name),
      ['x', 'y'],
    );
    assert.deepEqual(
      t.root.children[0].properties.map((p) => p.name),
      ['p', 'q'],
    );
  });
});
