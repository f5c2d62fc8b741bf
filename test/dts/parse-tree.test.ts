// Tree building with dtc's livetree semantics: merging, labels, deletion, plugins, spans.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { tree, at, labels, propSig, markerSig, parse, firstError } from './helpers.js';

describe('merging later definitions', () => {
  test('a redefined property keeps its position; new ones are appended', () => {
    const t = tree('/dts-v1/;\n/ { a = <1>; b = <2>; };\n/ { c = <3>; a = <4>; };\n');
    assert.deepEqual(t.root.properties.map(propSig), ['a=00000004', 'b=00000002', 'c=00000003']);
  });

  test('children merge recursively and new children are appended', () => {
    const t = tree('/dts-v1/;\n/ { x { p = <1>; }; y { }; };\n/ { z { }; x { q; }; };\n');
    assert.deepEqual(
      t.root.children.map((c) => c.name),
      ['x', 'y', 'z'],
    );
    assert.deepEqual(at(t.root, 'x').properties.map(propSig), ['p=00000001', 'q=']);
  });

  test('duplicates inside one body are not merged', () => {
    const t = tree('/dts-v1/;\n/ { a = <1>; a = <2>; n { }; n { }; };\n');
    assert.deepEqual(t.root.properties.map(propSig), ['a=00000001', 'a=00000002']);
    assert.equal(t.root.children.length, 2);
  });

  test('duplicates arriving in a later block collapse into the first match', () => {
    const t = tree('/dts-v1/;\n/ { };\n/ { a = <1>; a = <2>; };\n');
    assert.deepEqual(t.root.properties.map(propSig), ['a=00000002']);
  });

  test('&label, &{/path} and newlabel: &ref extend existing nodes', () => {
    const t = tree('/dts-v1/;\n/ { l: n { }; m { }; };\n&l { a; };\n&{/m} { b; };\nnew: &{/m} { c; };\n');
    assert.deepEqual(at(t.root, 'n').properties.map(propSig), ['a=']);
    assert.deepEqual(at(t.root, 'm').properties.map(propSig), ['b=', 'c=']);
    assert.equal(labels(at(t.root, 'm')), 'new');
  });

  test('every definition site of a node is kept, first one first', () => {
    const t = tree('/dts-v1/;\n/ { l: n {\n}; };\n&l { };\n');
    const n = at(t.root, 'n');
    assert.deepEqual(
      n.spans.map((s) => `${s.line}.${s.col}-${s.endLine}.${s.endCol}`),
      ['2.10-3.3', '4.4-4.8'],
    );
    assert.deepEqual(
      t.root.spans.map((s) => `${s.line}.${s.col}-${s.endLine}.${s.endCol}`),
      ['2.3-3.6'],
    );
  });

  test('property span runs from the name to the semicolon (labels excluded)', () => {
    const t = tree('/dts-v1/;\n/ {\n\tl: prop = <1\n\t\t2>;\n};\n');
    const s = t.root.properties[0].span!;
    assert.deepEqual([s.line, s.col, s.endLine, s.endCol], [3, 5, 4, 6]);
  });
});

describe('labels', () => {
  test('a: b: node gives a, b; labels of a re-declared node are prepended one by one', () => {
    const t = tree(
      '/dts-v1/;\n/ { a: b: n { p1: p2: x = <1>; }; };\n/ { x: y: n { q: x = <2>; }; };\nz: &a { };\n',
    );
    const n = at(t.root, 'n');
    assert.equal(labels(n), 'z,y,x,a,b');
    assert.equal(labels(n.properties[0]), 'q,p1,p2');
  });

  test('a repeated label on one item is kept once', () => {
    const t = tree('/dts-v1/;\n/ { a: b: a: n { }; };\n');
    assert.equal(labels(at(t.root, 'n')), 'b,a');
  });

  test('a label held twice resolves to the first holder in pre-order, wherever it was added', () => {
    const t = tree('/dts-v1/;\n/ { a { }; l: b { }; };\n/ { a { l: x { }; }; };\n&l { p; };\n');
    assert.deepEqual(at(t.root, 'a/x').properties.map(propSig), ['p=']);
    assert.deepEqual(at(t.root, 'b').properties.map(propSig), []);
  });

  test('the label a later block re-adds is revived in place', () => {
    const t = tree('/dts-v1/;\n/ { a: b: n { }; };\n/delete-node/ &a;\n/ { b: n { }; };\n');
    assert.equal(labels(at(t.root, 'n')), '!a,b');
  });
});

describe('deletion', () => {
  test('a deleted node keeps its slot and revives in place without its old contents', () => {
    const t = tree(
      '/dts-v1/;\n/ { a: n { x = <1>; y = <2>; c { }; }; m { }; };\n/delete-node/ &a;\n/ { n { y = <3>; }; };\n',
    );
    const n = at(t.root, 'n');
    assert.deepEqual(
      t.root.children.map((c) => c.name),
      ['n', 'm'],
    );
    assert.equal(n.deleted, false);
    assert.deepEqual(n.properties.map(propSig), ['!x=00000001', 'y=00000003']);
    assert.equal(at(t.root, 'n/c').deleted, true);
    assert.equal(labels(n), '!a');
  });

  test('/delete-property/ and /delete-node/ act on what earlier blocks defined', () => {
    const t = tree(
      '/dts-v1/;\n/ { x = <1>; y; c { }; d { }; };\n/ { /delete-property/ x; /delete-node/ c; };\n',
    );
    assert.deepEqual(t.root.properties.map(propSig), ['!x=00000001', 'y=']);
    assert.deepEqual(
      t.root.children.map((c) => `${c.deleted ? '!' : ''}${c.name}`),
      ['!c', 'd'],
    );
  });

  test('inside the defining body a delete is just a deleted entry', () => {
    const t = tree('/dts-v1/;\n/ { n { /delete-property/ x; x = <1>; /delete-node/ c; c {}; }; };\n');
    const n = at(t.root, 'n');
    assert.deepEqual(n.properties.map(propSig), ['!x=', 'x=00000001']);
    assert.deepEqual(
      n.children.map((c) => `${c.deleted ? '!' : ''}${c.name}`),
      ['!c', 'c'],
    );
  });

  test('deleting a node makes its labels unusable', () => {
    const r = parse('/dts-v1/;\n/ { a: n { }; };\n/delete-node/ &{/n};\n&a { };\n');
    assert.equal(r.tree, undefined);
    assert.equal(firstError(r), 'dts/ref-not-found t.dts:4.1-4.3 Label or path a not found');
  });

  test('/omit-if-no-ref/ on a definition and on a reference', () => {
    const t = tree('/dts-v1/;\n/ { /omit-if-no-ref/ l: a { }; m: b { }; c { }; };\n/omit-if-no-ref/ &m;\n');
    assert.deepEqual(
      t.root.children.map((c) => c.omitIfNoRef),
      [true, true, false],
    );
    assert.equal(labels(at(t.root, 'a')), 'l');
  });
});

describe('plugins', () => {
  test('unresolved &label and &{/path} blocks become fragments; resolved labels merge', () => {
    const t = tree(
      '/dts-v1/;\n/plugin/;\n&ext { a; };\n&{/base/x} { b; };\n/ { l: n { }; };\n&l { c; };\n&ext2 { };\n',
    );
    assert.equal(t.plugin, true);
    assert.deepEqual(
      t.root.children.map((c) => c.name),
      ['fragment@0', 'fragment@1', 'n', 'fragment@2'],
    );
    const f0 = at(t.root, 'fragment@0');
    assert.deepEqual(f0.properties.map(propSig), ['target=ffffffff']);
    assert.equal(markerSig(f0.properties[0]), '0:ref-phandle:ext');
    assert.deepEqual(
      f0.children.map((c) => c.name),
      ['__overlay__'],
    );
    assert.deepEqual(at(t.root, 'fragment@0/__overlay__').properties.map(propSig), ['a=']);
    const f1 = at(t.root, 'fragment@1');
    assert.deepEqual(f1.properties.map(propSig), ['target-path=2f626173652f7800']);
    assert.equal(markerSig(f1.properties[0]), '0:type-string:/base/x');
    assert.deepEqual(at(t.root, 'n').properties.map(propSig), ['c=']);
  });
});

describe('boot_cpuid_phys guess', () => {
  const cases: [string, string, number][] = [
    ['reg of the first cpu', '/ { cpus { cpu@1 { reg = <7>; }; cpu@2 { reg = <8>; }; }; };', 7],
    ['no /cpus', '/ { };', 0],
    ['two-cell reg', '/ { cpus { cpu@1 { reg = <0 7>; }; }; };', 0],
    [
      'deleted first cpu gives 0',
      '/ { cpus { c: cpu@1 { reg = <7>; }; cpu@2 { reg = <8>; }; }; };\n/delete-node/ &c;',
      0,
    ],
  ];
  for (const [name, body, want] of cases) {
    test(name, () => assert.equal(tree(`/dts-v1/;\n${body}\n`).bootCpuidPhys, want));
  }
});

describe('includes and line markers', () => {
  test('/include/ works anywhere, even inside a value, and spans name the included file', () => {
    const t = tree('/dts-v1/;\n/ { p = /include/ "v.dtsi" ; };\n', { 'v.dtsi': '<1\n2>' });
    assert.equal(t.root.properties[0].value.length, 8);
  });

  test('include search: the current file directory first, then include dirs', () => {
    const r = parse(
      '/dts-v1/;\n/include/ "a.dtsi"\n',
      { 'inc/a.dtsi': '/ { /include/ "b.dtsi" };', 'inc/b.dtsi': 'x;' },
      ['inc'],
    );
    assert.ok(r.tree);
    assert.deepEqual(r.files, ['t.dts', 'inc/a.dtsi', 'inc/b.dtsi']);
    assert.equal(r.tree.root.properties[0].span?.file, 'inc/b.dtsi');
    assert.deepEqual(r.tree.root.properties[0].span?.includedFrom, [
      { file: 'inc/a.dtsi', line: 1 },
      { file: 't.dts', line: 2 },
    ]);
  });

  test('cpp line markers set file and line; flags 1 and 2 maintain the include chain', () => {
    const src = '# 1 "a.dts"\n/dts-v1/;\n# 1 "b.dtsi" 1\n/ { x; };\n# 3 "a.dts" 2\n/ { y; };\n';
    const t = tree(src);
    const [x, y] = t.root.properties;
    assert.deepEqual(
      [x.span?.file, x.span?.line, x.span?.includedFrom],
      ['b.dtsi', 1, [{ file: 'a.dts', line: 2 }]],
    );
    assert.deepEqual([y.span?.file, y.span?.line, y.span?.includedFrom], ['a.dts', 3, undefined]);
  });

  test('#address-cells at line start is a property name, not a marker', () => {
    const t = tree('/dts-v1/;\n/ {\n#address-cells = <1>;\n};\n');
    assert.equal(t.root.properties[0].name, '#address-cells');
  });

  test('/incbin/ files are listed and searched like includes', () => {
    const r = parse('/dts-v1/;\n/ { p = /incbin/("d/x.bin"); };\n', { 'i/d/x.bin': new Uint8Array([1, 2]) }, [
      'i',
    ]);
    assert.ok(r.tree);
    assert.deepEqual(r.files, ['t.dts', 'i/d/x.bin']);
  });
});

describe('deep input does not overflow the stack', () => {
  test('3330 nested nodes parse; 3331 report memory exhausted', () => {
    const deep = (n: number) => `/dts-v1/;\n/ {${' a {'.repeat(n)}${' };'.repeat(n)} };\n`;
    assert.ok(parse(deep(3330)).tree);
    const r = parse(deep(3331));
    assert.equal(r.tree, undefined);
    assert.equal(firstError(r).split(' ').slice(0, 2).join(' '), 'dts/too-deep t.dts:2.13329-2.13330');
  });

  test("dtc's parser stack: 9988 children of one body parse, 9989 fail at the last child's ';'", () => {
    const flat = (n: number) =>
      `/dts-v1/;\n/ {${Array.from({ length: n }, (_, i) => ` a${i} { };`).join('')} };\n`;
    assert.ok(parse(flat(9988)).tree);
    const r = parse(flat(9989));
    assert.equal(r.tree, undefined);
    assert.equal(firstError(r), 'dts/too-deep t.dts:2.108772-2.108773 memory exhausted');
  });

  test("dtc's parser stack: 9994 /memreserve/ entries parse, 9995 do not", () => {
    const mem = (n: number) => `/dts-v1/;\n${'/memreserve/ 1 2;\n'.repeat(n)}/ { };\n`;
    assert.ok(parse(mem(9994)).tree);
    assert.equal(parse(mem(9995)).tree, undefined);
  });

  test('thousands of nested parentheses are evaluated iteratively', () => {
    const n = 5000;
    const t = tree(`/dts-v1/;\n/ { p = <${'('.repeat(n)}7${')'.repeat(n)}>; };\n`);
    assert.equal(t.root.properties[0].value[3], 7);
  });

  test('deleting a very deep subtree is iterative', () => {
    const n = 3000;
    const t = tree(`/dts-v1/;\n/ { l: x {${' a {'.repeat(n)}${' };'.repeat(n)} }; };\n/delete-node/ &l;\n`);
    assert.equal(t.root.children[0].deleted, true);
  });
});
