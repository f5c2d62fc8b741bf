// Values: bytes and markers exactly as dtc 1.6.1's grammar actions build them.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { tree, hex, markerSig, at } from './helpers.js';

function prop(value: string, files: Record<string, string | Uint8Array> = {}) {
  const t = tree(`/dts-v1/;\n/ { n { p = ${value}; }; };\n`, files);
  const p = at(t.root, 'n').properties[0];
  return { hex: hex(p.value), markers: markerSig(p) };
}

describe('property values: bytes and markers', () => {
  const cases: [string, string, string, string][] = [
    // [name, value source, bytes hex, markers]
    ['cells', '<1 0x2 0X3 010>', '00000001000000020000000300000008', '0:type-u32'],
    [
      'integer suffixes are ignored',
      '<1U 2L 3UL 4LL 5ULL>',
      '0000000100000002000000030000000400000005',
      '0:type-u32',
    ],
    ['empty cell list', '<>', '', '0:type-u32'],
    ['/bits/ 8', '/bits/ 8 <1 0xff>', '01ff', '0:type-u8'],
    ['/bits/ 16', '/bits/ 16 <0x1234 5>', '12340005', '0:type-u16'],
    ['/bits/ 64', '/bits/ 64 <0x1122334455667788>', '1122334455667788', '0:type-u64'],
    ['sign-extended negative in 8 bits', '/bits/ 8 <(-1)>', 'ff', '0:type-u8'],
    ['string gets one NUL', '"abc"', '61626300', '0:type-string'],
    ['string list', '"a", "bc"', '6100626300', '0:type-string 2:type-string'],
    ['string escapes', '"\\a\\b\\t\\n\\v\\f\\r\\\\\\"\\q"', '0708090a0b0c0d5c227100', '0:type-string'],
    ['octal and hex escapes', '"\\101\\0z\\x41\\x4g\\777"', '41007a410467ff00', '0:type-string'],
    ['byte string', '[00 0a FF]', '000aff', '0:type-u8'],
    ['byte string without spaces', '[0001dead]', '0001dead', '0:type-u8'],
    ['empty byte string', '[]', '', '0:type-u8'],
    [
      'mixed components concatenate without padding',
      '"a", <1>, [02]',
      '61000000000102',
      '0:type-string 2:type-u32 6:type-u8',
    ],
    ['phandle reference', '<&lbl 5>', 'ffffffff00000005', '0:type-u32 0:ref-phandle:lbl'],
    ['path reference in cells', '<&{/a/b}>', 'ffffffff', '0:type-u32 0:ref-phandle:/a/b'],
    ['path reference as value (no bytes yet)', '&lbl', '', '0:type-string:lbl 0:ref-path:lbl'],
    ['path reference after a string', '"x", &{/n}', '7800', '0:type-string 2:type-string:/n 2:ref-path:/n'],
    [
      'value labels',
      'a: <b: 1 c: 2 d:> e:, f: "x" g:',
      '000000010000000278' + '00',
      '0:label:a 0:type-u32 0:label:b 4:label:c 8:label:d 8:label:e 8:label:f 8:type-string 10:label:g',
    ],
    ['byte string labels', '[01 x: 02]', '0102', '0:type-u8 1:label:x'],
    ['char literals', "<'a' '\\n' '\\''>", '000000610000000a00000027', '0:type-u32'],
    [
      'expressions with C precedence',
      '<(1 + 2 * 3) (10 - 4 / 2) (1 << 4 | 1) (7 % 4) ((1 < 2) + (2 >= 3)) (!0) (~0) (-1) (1 ? 2 : 3) (0 ? 2 : 0 ? 4 : 5) (3 && 0 || 1) (6 & 3 ^ 1) (1 == 1) (1 != 1)>',
      '00000007' +
        '00000008' +
        '00000011' +
        '00000003' +
        '00000001' +
        '00000001' +
        'ffffffff' +
        'ffffffff' +
        '00000002' +
        '00000005' +
        '00000001' +
        '00000003' +
        '00000001' +
        '00000000',
      '0:type-u32',
    ],
    [
      '64-bit wrap and shifts >= 64',
      '/bits/ 64 <(0xffffffffffffffff + 2) (1 << 64) (1 << 63) (0x8000000000000000 >> 70)>',
      '0000000000000001' + '0000000000000000' + '8000000000000000' + '0000000000000000',
      '0:type-u64',
    ],
    ['incbin whole file', '/incbin/("b.bin")', '61626364', ''],
    ['incbin offset and length', '/incbin/("b.bin", 1, 2)', '6263', ''],
    ['incbin past the end reads nothing', '/incbin/("b.bin", 10, 2)', '', ''],
    ['incbin length past the end is clipped', '<1>, /incbin/("b.bin", 2, 100)', '000000016364', '0:type-u32'],
  ];
  for (const [name, src, bytes, markers] of cases) {
    test(name, () => {
      const got = prop(src, { 'b.bin': 'abcd' });
      assert.equal(got.hex, bytes);
      assert.equal(got.markers, markers);
    });
  }

  test('non-ASCII bytes (Latin-1 decoded text) are copied verbatim, also from included files', () => {
    const bytes = new TextEncoder().encode('/dts-v1/;\n/ { p = "\u00e9\u20ac"; /include/ "i.dtsi" };\n');
    const text = Buffer.from(bytes).toString('latin1');
    const t = tree(text, { 'i.dtsi': new TextEncoder().encode('q = "\u00e9";') });
    assert.equal(hex(t.root.properties[0].value), 'c3a9e282ac00');
    assert.equal(hex(t.root.properties[1].value), 'c3a900');
  });

  test('empty property has no bytes and no markers', () => {
    const t = tree('/dts-v1/;\n/ { p; };\n');
    assert.equal(t.root.properties[0].value.length, 0);
    assert.equal(t.root.properties[0].markers.length, 0);
  });

  test('a backslash-escaped property name lets a keyword-like name through', () => {
    const t = tree('/dts-v1/;\n/ { \\#foo = <1>; \\n { }; };\n');
    assert.equal(t.root.properties[0].name, '#foo');
    assert.equal(t.root.children[0].name, 'n');
  });

  test('/memreserve/ entries with labels and expressions', () => {
    const t = tree(
      "/dts-v1/;\na: b: /memreserve/ 0x1000 (0x10 * 2);\n/memreserve/ 'a' 0xffffffffffffffff;\n/ { };\n",
    );
    assert.deepEqual(
      t.memreserves.map((m) => [m.address, m.size, m.labels.map((l) => l.name).join(',')]),
      [
        [0x1000n, 0x20n, 'a,b'],
        [0x61n, 0xffffffffffffffffn, ''],
      ],
    );
  });
});
