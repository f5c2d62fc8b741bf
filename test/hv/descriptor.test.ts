import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Stage2,
  TablePool,
  VDT_S2PTE_CONSTANTS,
  VDT_S2PTE_LOWER_DEV_MEM,
  VDT_S2PTE_LOWER_MEM,
  VDT_S2PTE_LOWER_MEM_RO,
  VDT_S2PTE_UPPER_DEV,
  VDT_S2PTE_UPPER_MEM,
  decodeS2Attributes,
  describeS2Attributes,
  descriptorKind,
  leafHi,
  leafLo,
  tableHi,
  tableLo,
  toBigInt,
} from '../../src/hv/index.js';

const PAGE = 4096;

describe('attribute constants are the Arm ARM stage-2 fields (semantics.md §1)', () => {
  test('values computed by hand from MemAttr 5:2, S2AP 7:6, SH 9:8, AF 10, XN 54', () => {
    assert.deepEqual(VDT_S2PTE_CONSTANTS, {
      VDT_S2PTE_UPPER_MEM: 0x0,
      VDT_S2PTE_UPPER_DEV: 0x0040_0000, // bit 54 - 32 = 22
      VDT_S2PTE_UPPER_MEM_XN: 0x0040_0000,
      VDT_S2PTE_LOWER_MEM: 0x7fc, // AF | SH=11 | S2AP=11 | MemAttr=1111
      VDT_S2PTE_LOWER_MEM_RO: 0x77c, // S2AP=01
      VDT_S2PTE_LOWER_NC_MEM: 0x7d4, // MemAttr=0101
      VDT_S2PTE_LOWER_DEV_MEM: 0x4c4, // AF | S2AP=11 | MemAttr=0001 (Device-nGnRE)
      VDT_S2PTE_LOWER_DEV_MEM_RO: 0x444,
    });
  });

  const rows: [string, number, number, string][] = [
    ['LOWER_MEM', 0, 0x7fc, 'normal memory, write-back cacheable, inner shareable, read/write'],
    ['LOWER_MEM_RO', 0, 0x77c, 'normal memory, write-back cacheable, inner shareable, read-only'],
    ['LOWER_NC_MEM', 0, 0x7d4, 'normal memory, non-cacheable, inner shareable, read/write'],
    ['LOWER_DEV_MEM + UPPER_DEV', 0x400000, 0x4c4, 'device memory (Device-nGnRE), read/write, execute-never'],
    ['LOWER_DEV_MEM_RO', 0, 0x444, 'device memory (Device-nGnRE), read-only'],
    [
      'write-only, no AF',
      0,
      0x3bc,
      'normal memory, write-back cacheable, inner shareable, write-only, access flag clear (faults on first access)',
    ],
    [
      'type bits are stray',
      0,
      0x7ff,
      'normal memory, write-back cacheable, inner shareable, read/write, stray lower bits 0x3',
    ],
    ['write-through', 0, 0x7e8, 'normal memory, write-through cacheable, inner shareable, read/write'],
    [
      'mixed cacheability',
      0,
      0x7f4,
      'normal memory, outer write-back, inner non-cacheable, inner shareable, read/write',
    ],
  ];
  for (const [name, up, lo, text] of rows)
    test(`describes ${name}`, () => {
      assert.equal(describeS2Attributes(up, lo), text);
    });

  test('decodes fields', () => {
    const a = decodeS2Attributes(VDT_S2PTE_UPPER_DEV, VDT_S2PTE_LOWER_DEV_MEM);
    assert.equal(a.kind, 'device');
    assert.equal(a.type, 'nGnRE');
    assert.equal(a.read && a.write && a.af && a.xn, true);
  });
});

describe('descriptor encoding (Arm ARM VMSAv8-64 stage-2 formats)', () => {
  const rows: [string, bigint, bigint][] = [
    // OA 0x40001000 | attrs 0x7fc | type page 0b11
    [
      'level-3 page, normal RW',
      toBigInt(leafLo(0x40001, VDT_S2PTE_LOWER_MEM, 3), leafHi(0x40001, VDT_S2PTE_UPPER_MEM)),
      0x0000_0000_4000_17ffn,
    ],
    // OA 0x40000000 | 0x4c4 | block 0b01, XN bit 54
    [
      'level-2 block, device XN',
      toBigInt(leafLo(0x40000, VDT_S2PTE_LOWER_DEV_MEM, 2), leafHi(0x40000, VDT_S2PTE_UPPER_DEV)),
      0x0040_0000_4000_04c5n,
    ],
    // OA 0x80_4000_0000 (bits 39:32 in the high word) | 0x77c | block
    [
      'level-1 block above 4 GiB, RO',
      toBigInt(leafLo(0x804_0000, VDT_S2PTE_LOWER_MEM_RO, 1), leafHi(0x804_0000, 0)),
      0x0000_0080_4000_077dn,
    ],
    [
      'page at the top of the 48-bit PA space',
      toBigInt(leafLo(0xf_ffff_ffff, VDT_S2PTE_LOWER_MEM, 3), leafHi(0xf_ffff_ffff, 0)),
      0x0000_ffff_ffff_f7ffn,
    ],
    // next-level table at PA 0xF000_0000_2000 | 0b11; no attributes at stage 2
    ['table descriptor', toBigInt(tableLo(0xf_0000_0002), tableHi(0xf_0000_0002)), 0x0000_f000_0000_2003n],
  ];
  for (const [name, got, want] of rows)
    test(name, () => {
      assert.equal('0x' + got.toString(16).padStart(16, '0'), '0x' + want.toString(16).padStart(16, '0'));
    });

  test('descriptor kinds per level', () => {
    assert.equal(descriptorKind(0, 2), 'invalid');
    assert.equal(descriptorKind(1, 1), 'block');
    assert.equal(descriptorKind(3, 2), 'table');
    assert.equal(descriptorKind(3, 3), 'page');
    assert.equal(descriptorKind(1, 3), 'reserved');
  });
});

describe('stage-2 tables', () => {
  const mk = (ipaBits = 40) => {
    const pool = new TablePool(0xf000_0000_0000 / PAGE, 4096);
    return { pool, s2: new Stage2(pool, ipaBits) };
  };

  test('a 40-bit IPA space starts at level 1 with 2 concatenated tables (8 KiB aligned root)', () => {
    const { s2, pool } = mk();
    assert.equal(s2.rootPages, 2);
    assert.equal(s2.root % 2, 0);
    assert.equal(pool.inUse, 2);
    // The top 1 GiB of the 40-bit space is entry 1023: in the second concatenated table.
    s2.map(0xff_c000_0000 / PAGE, 0x4000_0000 / PAGE, 0x4000_0000 / PAGE, VDT_S2PTE_LOWER_MEM, 0);
    const e = s2.entry(s2.root, 1023);
    assert.equal(toBigInt(e.lo, e.hi), 0x0000_0000_4000_07fdn);
    const w = s2.walk(0xff_c000_1234);
    assert.deepEqual(w.ok && { level: w.level, pa: w.pa }, { level: 1, pa: 0x4000_1234 });
    assert.deepEqual(s2.walk(2 ** 40), { ok: false, kind: 'translation', level: 0 });
  });

  test('the walker reports permission faults at the leaf level for a given access', () => {
    const { s2 } = mk();
    s2.map(0x40000, 0x40000, 512, VDT_S2PTE_LOWER_MEM_RO, VDT_S2PTE_UPPER_DEV);
    assert.equal(s2.walk(0x4000_0000, 'read').ok, true);
    assert.deepEqual(s2.walk(0x4000_0000, 'write'), { ok: false, kind: 'permission', level: 2 });
    assert.deepEqual(s2.walk(0x4000_0000, 'exec'), { ok: false, kind: 'permission', level: 2 });
    const w = s2.walk(0x4010_0abc);
    assert.ok(w.ok);
    assert.equal(w.descriptor, 0x0040_0000_4000_077dn);
    assert.equal(w.pa, 0x4010_0abc);
  });

  test('uses 1 GiB and 2 MiB blocks where alignment allows, pages elsewhere', () => {
    const { s2 } = mk();
    // IPA 0x3fe00000 .. 0x80201000: a 2 MiB block, a 1 GiB block, a 2 MiB block, a page.
    s2.map(0x3fe00, 0x3fe00, 0x200 + 0x40000 + 0x200 + 1, VDT_S2PTE_LOWER_MEM, 0);
    const runs = s2.leaves(false).map((r) => [r.ipaPage.toString(16), r.level, r.pageCount]);
    assert.deepEqual(runs, [
      ['3fe00', 2, 512],
      ['40000', 1, 262144],
      ['80000', 2, 512],
      ['80200', 3, 1],
    ]);
  });

  test('non-identity mapping only uses blocks when the output is aligned too', () => {
    const { s2 } = mk();
    s2.map(0x40000, 0x40001, 512, VDT_S2PTE_LOWER_MEM, 0);
    assert.deepEqual(
      s2.leaves(true).map((r) => [r.level, r.pageCount]),
      [[3, 512]],
    );
    const w = s2.walk(0x4000_0010);
    assert.ok(w.ok && w.pa === 0x4000_1010 && w.level === 3);
  });

  test('unmapping one page splits the block, remapping it collapses back', () => {
    const { s2, pool } = mk();
    s2.map(0x40000, 0x40000, 512, VDT_S2PTE_LOWER_MEM, 0);
    const before = pool.inUse;
    s2.unmap(0x40005, 1);
    assert.deepEqual(s2.walk(0x4000_5000), { ok: false, kind: 'translation', level: 3 });
    const w = s2.walk(0x4000_6000);
    assert.ok(w.ok && w.level === 3 && w.pa === 0x4000_6000 && w.lower === VDT_S2PTE_LOWER_MEM);
    assert.equal(pool.inUse, before + 1);
    s2.map(0x40005, 0x40005, 1, VDT_S2PTE_LOWER_MEM, 0);
    assert.equal(pool.inUse, before);
    assert.equal(s2.walk(0x4000_5000).ok && (s2.walk(0x4000_5000) as { level: number }).level, 2);
  });

  test('changing attributes of part of a block splits it; the last unmap frees the tables', () => {
    const { s2, pool } = mk();
    s2.map(0x40000, 0x40000, 512, VDT_S2PTE_LOWER_MEM, 0);
    s2.map(0x40010, 0x40010, 2, VDT_S2PTE_LOWER_MEM_RO, 0);
    const w = s2.walk(0x4001_1000);
    assert.ok(w.ok && w.level === 3 && w.lower === VDT_S2PTE_LOWER_MEM_RO);
    s2.unmap(0x40000, 512);
    assert.deepEqual(s2.leaves(), []);
    assert.equal(pool.inUse, 2, 'only the concatenated root remains');
  });
});
