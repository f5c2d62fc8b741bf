import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readDtb } from '../../src/dtb/read.js';
import { writeDtb } from '../../src/dtb/write.js';
import { readU32 } from '../../src/util/bytes.js';
import { cells, dtree, node, prop } from './tree-builders.js';
import { hasDtc, runDtc, skipUnless } from './helpers.js';

/** A small valid blob: / { compatible = "a"; n@1 { reg = <1>; }; } with one reservation. */
function base(): Uint8Array {
  return writeDtb(
    dtree(node('', [prop('compatible', 'a')], [node('n@1', [prop('reg', cells(1))])]), [[0x1000n, 0x100n]]),
  );
}

function set32(b: Uint8Array, off: number, v: number): Uint8Array {
  new DataView(b.buffer, b.byteOffset).setUint32(off, v >>> 0);
  return b;
}

const H = {
  totalsize: 4,
  offStruct: 8,
  offStrings: 12,
  offRsv: 16,
  version: 20,
  lastComp: 24,
  sizeStr: 32,
  sizeStruct: 36,
};

function structOff(b: Uint8Array): number {
  return readU32(b, H.offStruct);
}

/** Offset of the first FDT_PROP token (the root's `compatible`). */
function firstProp(b: Uint8Array): number {
  return structOff(b) + 8;
}

interface Case {
  name: string;
  make: () => Uint8Array;
  code: string;
  /** dtc rejects it too (checked when dtc is installed). */
  dtcRejects?: boolean;
}

const cases: Case[] = [
  { name: 'empty file', make: () => new Uint8Array(0), code: 'dtb/truncated', dtcRejects: true },
  {
    name: 'three bytes',
    make: () => new Uint8Array([0xd0, 0x0d, 0xfe]),
    code: 'dtb/truncated',
    dtcRejects: true,
  },
  { name: 'bad magic', make: () => set32(base(), 0, 0xd00dfeee), code: 'dtb/bad-magic', dtcRejects: true },
  {
    name: 'file cut in the middle (totalsize larger than file)',
    make: () => base().slice(0, 60),
    code: 'dtb/truncated',
    dtcRejects: true,
  },
  {
    name: 'totalsize below the smallest header',
    make: () => set32(base(), H.totalsize, 20),
    code: 'dtb/bad-header',
    dtcRejects: true,
  },
  {
    name: 'off_mem_rsvmap past totalsize',
    make: () => set32(base(), H.offRsv, 0x10000),
    code: 'dtb/block-bounds',
    dtcRejects: true,
  },
  {
    name: 'off_dt_struct past totalsize',
    make: () => set32(base(), H.offStruct, 0x10000),
    code: 'dtb/block-bounds',
    dtcRejects: true,
  },
  {
    name: 'off_dt_strings past totalsize',
    make: () => set32(base(), H.offStrings, 0x10000),
    code: 'dtb/block-bounds',
    dtcRejects: true,
  },
  {
    name: 'strings block longer than the blob',
    make: () => set32(base(), H.sizeStr, 0x1000),
    code: 'dtb/block-bounds',
    dtcRejects: true,
  },
  {
    name: 'structure block longer than the blob',
    make: () => set32(base(), H.sizeStruct, 0x1000),
    code: 'dtb/block-bounds',
    dtcRejects: true,
  },
  {
    name: 'structure block inside the header',
    make: () => set32(base(), H.offStruct, 8),
    code: 'dtb/block-overlap',
  },
  {
    name: 'memory reservation block without terminator',
    make: () => {
      const b = base();
      // Point the map at the strings block's tail end: no zero size entry fits.
      return set32(b, H.offRsv, b.length - 12);
    },
    code: 'dtb/memreserve-unterminated',
    dtcRejects: true,
  },
  {
    name: 'first token is not FDT_BEGIN_NODE',
    make: () => {
      const b = base();
      return set32(b, structOff(b), 3);
    },
    code: 'dtb/bad-token',
    dtcRejects: true,
  },
  {
    name: 'invalid token',
    make: () => {
      const b = base();
      return set32(b, firstProp(b), 7);
    },
    code: 'dtb/bad-token',
    dtcRejects: true,
  },
  {
    name: 'premature FDT_END',
    make: () => {
      const b = base();
      return set32(b, firstProp(b), 9);
    },
    code: 'dtb/bad-token',
    dtcRejects: true,
  },
  {
    name: 'property name offset outside the strings block',
    make: () => {
      const b = base();
      return set32(b, firstProp(b) + 8, 0x5000);
    },
    code: 'dtb/string-offset',
    dtcRejects: true,
  },
  {
    name: 'property name not NUL-terminated inside the strings block',
    make: () => {
      const b = base();
      // Shrink the strings block so the name "compatible\0" loses its NUL.
      return set32(b, H.sizeStr, 5);
    },
    code: 'dtb/string-offset',
    dtcRejects: true,
  },
  {
    name: 'property length past the end',
    make: () => {
      const b = base();
      return set32(b, firstProp(b) + 4, 0x100000);
    },
    code: 'dtb/prop-bounds',
    dtcRejects: true,
  },
  {
    name: 'missing FDT_END',
    make: () => {
      const b = base();
      const endAt = structOff(b) + readU32(b, H.sizeStruct) - 4;
      return set32(b, endAt, 2);
    },
    code: 'dtb/missing-end',
    dtcRejects: true,
  },
  {
    name: 'node name without NUL',
    make: () => {
      // A blob whose only node name runs to the end of the file.
      const b = new Uint8Array(40 + 16 + 4 + 8);
      set32(b, 0, 0xd00dfeed);
      set32(b, H.totalsize, b.length);
      set32(b, H.offStruct, 56);
      set32(b, H.offStrings, b.length);
      set32(b, H.offRsv, 40);
      set32(b, H.version, 17);
      set32(b, H.lastComp, 16);
      set32(b, H.sizeStruct, 12);
      set32(b, 56, 1);
      b.fill(0x41, 60);
      return b;
    },
    code: 'dtb/unterminated-name',
    dtcRejects: true,
  },
  {
    name: 'structure tokens run off the end (no FDT_END_NODE)',
    make: () => {
      const b = base();
      // Cut the blob right after the root's name: the next token is missing.
      const cut = structOff(b) + 8;
      const s = b.slice(0, cut);
      set32(s, H.totalsize, cut);
      set32(s, H.offStrings, cut);
      set32(s, H.sizeStr, 0);
      set32(s, H.sizeStruct, 8);
      return s;
    },
    code: 'dtb/truncated-struct',
    dtcRejects: true,
  },
  { name: 'unsupported version 5', make: () => set32(base(), H.version, 5), code: 'dtb/unsupported-version' },
  {
    name: 'last_comp_version 18',
    make: () => set32(set32(base(), H.version, 18), H.lastComp, 18),
    code: 'dtb/unsupported-version',
  },
];

describe('bad blobs give their dtb/... error and never throw', () => {
  for (const c of cases) {
    test(c.name, () => {
      const bytes = c.make();
      const r = readDtb(bytes, 'bad.dtb');
      assert.equal(r.tree, undefined);
      const errors = r.diagnostics.filter((d) => d.severity === 'error');
      assert.equal(errors.length, 1, JSON.stringify(r.diagnostics));
      assert.equal(errors[0].code, c.code, errors[0].message);
      assert.match(errors[0].message, /^bad\.dtb: offset 0x[0-9a-f]+: /);
      assert.equal(errors[0].span?.file, 'bad.dtb');
    });
  }
});

describe('dtc rejects the same blobs', skipUnless([hasDtc, 'no /usr/bin/dtc']), () => {
  for (const c of cases.filter((c) => c.dtcRejects)) {
    test(c.name, () => {
      const r = runDtc(['-I', 'dtb', '-O', 'dts', '-'], c.make());
      assert.notEqual(r.status, 0, 'dtc accepted it');
    });
  }
});

describe('suspicious but readable blobs give warnings', () => {
  test('structure tokens shorter than size_dt_struct', () => {
    const b = base();
    const r = readDtb(set32(b, H.sizeStruct, readU32(b, H.sizeStruct) - 4 + 0), 'w.dtb');
    assert.ok(r.tree);
    assert.deepEqual(
      r.diagnostics.map((d) => d.code),
      ['dtb/struct-size'],
    );
  });

  test('a NOP token is skipped silently in v17', () => {
    const tree = dtree(node('', [prop('a', cells(1))]));
    const b = writeDtb(tree);
    // Replace the property (PROP len nameoff value = 16 bytes) by four NOPs.
    const at = structOff(b) + 8;
    for (let i = 0; i < 4; i++) set32(b, at + 4 * i, 4);
    const r = readDtb(b, 'nop.dtb');
    assert.ok(r.tree);
    assert.deepEqual(r.diagnostics, []);
    assert.equal(r.tree.root.properties.length, 0);
  });

  test('a file longer than totalsize is read up to totalsize', () => {
    const b = base();
    const longer = new Uint8Array(b.length + 100);
    longer.set(b);
    const r = readDtb(longer, 'long.dtb');
    assert.ok(r.tree);
    assert.deepEqual(r.diagnostics, []);
  });
});

describe('blocks at unusual offsets', () => {
  /** The base blob with the structure block moved 2 bytes later (dtc reads relative to each block). */
  function shifted(): Uint8Array {
    const b = base();
    const off = structOff(b);
    const out = new Uint8Array(b.length + 2);
    out.set(b.subarray(0, off));
    out.set(b.subarray(off), off + 2);
    set32(out, H.totalsize, out.length);
    set32(out, H.offStruct, off + 2);
    set32(out, H.offStrings, readU32(b, H.offStrings) + 2);
    return out;
  }

  test('a misaligned structure block is read, with a warning', () => {
    const r = readDtb(shifted(), 'odd.dtb');
    assert.ok(r.tree, JSON.stringify(r.diagnostics));
    assert.deepEqual(
      r.diagnostics.map((d) => d.code),
      ['dtb/misaligned'],
    );
    assert.equal(r.tree.root.children[0].properties[0].name, 'reg');
  });

  test('and rewritten as dtc rewrites it', skipUnless([hasDtc, 'no /usr/bin/dtc']), () => {
    const input = shifted();
    const ref = runDtc(['-q', '-I', 'dtb', '-O', 'dtb', '-'], input);
    assert.equal(ref.status, 0, ref.stderr);
    assert.deepEqual(Array.from(writeDtb(readDtb(input, 'odd.dtb').tree!)), Array.from(ref.stdout));
  });
});

describe('what the reader keeps', () => {
  test('memreserves, boot cpu, names, values without markers, phandles left to the checks', () => {
    const tree = dtree(
      node('', [prop('phandle', cells(7))], [node('n@1', [prop('reg', cells(1))])]),
      [[0x1000n, 0x100n]],
      9,
    );
    const r = readDtb(writeDtb(tree), 'x.dtb');
    assert.ok(r.tree);
    assert.deepEqual(r.tree.memreserves, [{ address: 0x1000n, size: 0x100n, labels: [] }]);
    assert.equal(r.tree.bootCpuidPhys, 9);
    assert.equal(r.tree.root.name, '');
    assert.equal(r.tree.root.phandle, 0);
    const child = r.tree.root.children[0];
    assert.equal(child.name, 'n@1');
    assert.equal(child.parent, r.tree.root);
    assert.deepEqual(child.properties[0].markers, []);
    assert.deepEqual(Array.from(child.properties[0].value), [0, 0, 0, 1]);
  });

  test('reservation list stops at the first entry with size 0, whatever its address', () => {
    const b = writeDtb(
      dtree(node(''), [
        [1n, 2n],
        [3n, 4n],
      ]),
    );
    // Zero the size of the second entry; its address stays 3.
    set32(set32(b, 40 + 16 + 8, 0), 40 + 16 + 12, 0);
    const r = readDtb(b, 'x.dtb');
    assert.ok(r.tree);
    assert.equal(r.tree.memreserves.length, 1);
  });

  test('values do not alias the caller buffer', () => {
    const b = writeDtb(dtree(node('', [prop('a', cells(1))])));
    const r = readDtb(b, 'x.dtb');
    b.fill(0xff);
    assert.deepEqual(Array.from(r.tree!.root.properties[0].value), [0, 0, 0, 1]);
  });
});
