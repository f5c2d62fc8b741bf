import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { printDts } from '../../src/dts/print.js';
import { writeDtb } from '../../src/dtb/write.js';
import type { Marker } from '../../src/dt/model.js';
import { cells, cstr, dtree, node, prop } from '../dtb/tree-builders.js';
import { hasDtc, runDtc, skipUnless } from '../dtb/helpers.js';

function bytes(...b: number[]): Uint8Array {
  return new Uint8Array(b);
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** One property printed on its own: the text between the name and the newline. */
function printed(value: Uint8Array, markers: Marker[]): string {
  const text = printDts(dtree(node('', [prop('p', value, markers)])));
  const line = text.split('\n').find((l) => l.startsWith('\tp'))!;
  return line.slice(2);
}

describe('typed values (markers from a DTS source)', () => {
  const cases: { name: string; value: Uint8Array; markers: Marker[]; expect: string }[] = [
    {
      name: 'cells with at least two hex digits',
      value: cells(1, 0x1000),
      markers: [{ offset: 0, kind: 'type-u32' }],
      expect: ' = <0x01 0x1000>;',
    },
    {
      name: 'a phandle reference after the first cell gets an extra space',
      value: cells(1, 3, 1),
      markers: [
        { offset: 0, kind: 'type-u32' },
        { offset: 8, kind: 'type-u32' },
        { offset: 8, kind: 'ref-phandle', ref: 'n' },
      ],
      expect: ' = <0x01 0x03>, < 0x01>;',
    },
    {
      name: 'a reference at offset 0 gets no extra space',
      value: cells(2),
      markers: [
        { offset: 0, kind: 'type-u32' },
        { offset: 0, kind: 'ref-phandle', ref: 'n' },
      ],
      expect: ' = <0x02>;',
    },
    {
      name: 'a path reference after bytes prints two spaces',
      value: concat(bytes(0xab, 0xcd), cstr('/node3')),
      markers: [
        { offset: 0, kind: 'type-u8' },
        { offset: 2, kind: 'type-string' },
        { offset: 2, kind: 'ref-path', ref: 'n3' },
      ],
      expect: ' = [ab cd],  "/node3";',
    },
    {
      name: 'value labels inside arrays and before components',
      value: concat(cells(1, 2), cstr('s')),
      markers: [
        { offset: 0, kind: 'type-u32' },
        { offset: 4, kind: 'label', ref: 'l1' },
        { offset: 8, kind: 'label', ref: 'l2' },
        { offset: 8, kind: 'type-string' },
      ],
      expect: ' = <0x01 l1:0x02>, l2: "s";',
    },
    {
      name: 'a label at the very end',
      value: cells(1),
      markers: [
        { offset: 0, kind: 'type-u32' },
        { offset: 4, kind: 'label', ref: 'end' },
      ],
      expect: ' = <0x01> end:;',
    },
    {
      name: '/bits/ 16',
      value: bytes(0, 1, 0xab, 0xcd),
      markers: [{ offset: 0, kind: 'type-u16' }],
      expect: ' = /bits/ 16 <0x01 0xabcd>;',
    },
    {
      name: '/bits/ 64',
      value: concat(cells(0, 1), cells(0x12, 0x3456789a)),
      markers: [{ offset: 0, kind: 'type-u64' }],
      expect: ' = /bits/ 64 <0x01 0x123456789a>;',
    },
    {
      name: '/bits/ 64 with a one-digit high word',
      value: concat(cells(1, 0), cells(0xffffffff, 0xfffffffe)),
      markers: [{ offset: 0, kind: 'type-u64' }],
      expect: ' = /bits/ 64 <0x100000000 0xfffffffffffffffe>;',
    },
    {
      name: '/bits/ 8 prints as bytes',
      value: bytes(1, 0xff),
      markers: [{ offset: 0, kind: 'type-u8' }],
      expect: ' = [01 ff];',
    },
    {
      name: 'string escapes and the signed-char \\x quirk',
      value: concat(
        bytes(0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x5c, 0x22, 0x00, 0x01, 0x7f, 0xff, 0x41),
        bytes(0),
      ),
      markers: [{ offset: 0, kind: 'type-string' }],
      expect: ' = "\\a\\b\\t\\n\\v\\f\\r\\\\\\"\\0\\x01\\x7f\\xffffffffA";',
    },
    {
      name: 'string list components',
      value: concat(cstr('a'), cstr('bc')),
      markers: [
        { offset: 0, kind: 'type-string' },
        { offset: 2, kind: 'type-string' },
      ],
      expect: ' = "a", "bc";',
    },
    {
      name: 'an empty byte string between components',
      value: concat(cells(1), cstr('x')),
      markers: [
        { offset: 0, kind: 'type-u32' },
        { offset: 4, kind: 'type-u8' },
        { offset: 4, kind: 'type-string' },
      ],
      expect: ' = <0x01>, [ "x";',
    },
    {
      name: 'an empty byte string first (dtc: q = [], <1>)',
      value: cells(1),
      markers: [
        { offset: 0, kind: 'type-u8' },
        { offset: 0, kind: 'type-u32' },
      ],
      expect: ' = [ <0x01>;',
    },
    {
      name: 'an empty byte string last (dtc: r = "a", [])',
      value: cstr('a'),
      markers: [
        { offset: 0, kind: 'type-string' },
        { offset: 2, kind: 'type-u8' },
      ],
      expect: ' = "a" [];',
    },
    {
      name: 'references inside and between components (dtc: s = <1 &t>, &t, <2>)',
      value: concat(cells(1, 1), cstr('/t'), cells(2)),
      markers: [
        { offset: 0, kind: 'type-u32' },
        { offset: 4, kind: 'ref-phandle', ref: 't' },
        { offset: 8, kind: 'type-string' },
        { offset: 8, kind: 'ref-path', ref: 't' },
        { offset: 11, kind: 'type-u32' },
      ],
      expect: ' = <0x01 0x01>,  "/t", <0x02>;',
    },
    {
      name: 'no type marker: the value type is guessed around reference markers',
      value: cells(0xffffffff),
      markers: [{ offset: 0, kind: 'ref-phandle', ref: 'x' }],
      expect: ' = <0xffffffff>;',
    },
  ];
  for (const c of cases) test(c.name, () => assert.equal(printed(c.value, c.markers), c.expect));
});

describe('guessed types (no markers, as from a DTB)', () => {
  const cases: { value: Uint8Array; expect: string }[] = [
    { value: bytes(0x41, 0), expect: ' = "A";' },
    { value: bytes(0x44, 0x44, 0, 0), expect: ' = "DD\\0";' },
    { value: bytes(0x44, 0, 0), expect: ' = [44 00 00];' },
    { value: bytes(0x44, 0x44, 0x44, 0, 0, 0, 0, 0), expect: ' = <0x44444400 0x00>;' },
    { value: bytes(0), expect: ' = [00];' },
    { value: bytes(0xff, 0), expect: ' = [ff 00];' },
    { value: concat(cstr('a'), cstr('b')), expect: ' = "a\\0b";' },
    { value: bytes(0x09, 0x41, 0), expect: ' = "\\tA";' },
    { value: new Uint8Array(0), expect: ';' },
  ];
  for (const c of cases) {
    test(`${Array.from(c.value).join(' ')} -> ${c.expect}`, () =>
      assert.equal(printed(c.value, []), c.expect));
  }

  test('the same values as dtc prints them from a blob', skipUnless([hasDtc, 'no /usr/bin/dtc']), () => {
    const t = dtree(
      node(
        '',
        cases.map((c, i) => prop(`p${i}`, c.value)),
      ),
    );
    const ref = runDtc(['-I', 'dtb', '-O', 'dts', '-'], writeDtb(t));
    assert.equal(printDts(t), ref.stdout.toString('latin1'));
  });
});

describe('layout', () => {
  test('memreserves, labels, nesting, blank line before each child, deleted items skipped', () => {
    const child = node('c@1', [prop('reg', cells(1), [{ offset: 0, kind: 'type-u32' }])]);
    // Label lists start as the shared, frozen NO_LABELS: give the items lists of their own.
    child.labels = [
      { name: 'b', deleted: false },
      { name: 'gone', deleted: true },
      { name: 'a', deleted: false },
    ];
    const dead = node('dead');
    dead.deleted = true;
    const p = prop('x', cells(1), [{ offset: 0, kind: 'type-u32' }]);
    p.labels = [{ name: 'pl', deleted: false }];
    const t = dtree(node('', [p], [child, dead, node('e')]), [[0x1000n, 0x20n]]);
    t.memreserves[0].labels = [...t.memreserves[0].labels, { name: 'm', deleted: false }];
    assert.equal(
      printDts(t),
      '/dts-v1/;\n\nm: /memreserve/\t0x0000000000001000 0x0000000000000020;\n/ {\n\tpl: x = <0x01>;\n\n\tb: a: c@1 {\n\t\treg = <0x01>;\n\t};\n\n\te {\n\t};\n};\n',
    );
  });
});
