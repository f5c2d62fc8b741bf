import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Hypervisor, isFault, VM_MEM_CPU, VM_MEM_READ, VM_MEM_WRITE } from '../../src/hv/index.js';
import { I, MiB, VM1_RAM, testConfig } from './platform.js';

/**
 * The ports cache 2 MiB granules of block mappings (a block TLB) beside the
 * page TLB. A granted 2 MiB-aligned range maps as a level-2 block; these
 * tests hold the block TLB to the same rule as the page TLB: after a deny or
 * a split returns, the very next access sees the new tables.
 */
function booted() {
  const r = Hypervisor.boot(testConfig());
  assert.ok(r.ok);
  return r.hv;
}
const BLOCK = [{ addr: VM1_RAM, size: 2 * MiB }];
const RW = VM_MEM_READ | VM_MEM_WRITE | VM_MEM_CPU;

test('a granted 2 MiB block is read and written through the block TLB with one walk', () => {
  const hv = booted();
  assert.equal(hv.memGrant(1, 2, RW, 1, BLOCK), 0);
  assert.equal(hv.stage2(2).lookupPage(VM1_RAM / 4096), 2, 'the grant maps as a level-2 block');
  const port = hv.cpu(2);
  const before = port.walks;
  for (let off = 0; off < 2 * MiB; off += 64 * 1024)
    assert.equal(port.store32(I(VM1_RAM + off), off), undefined);
  for (let off = 0; off < 2 * MiB; off += 64 * 1024) assert.equal(port.load32(I(VM1_RAM + off)), off);
  assert.equal(port.walks - before, 1, 'one walk filled the whole granule');
  assert.equal(
    hv.cpu(1).load32(I(VM1_RAM + 128 * 1024)),
    128 * 1024,
    "the exporter sees the importer's writes",
  );
});

test('after deny returns, loads and stores through a cached block fault', () => {
  const hv = booted();
  assert.equal(hv.memGrant(1, 2, RW, 1, BLOCK), 0);
  const port = hv.cpu(2);
  assert.equal(port.load32(I(VM1_RAM + 8)), 0);
  assert.equal(hv.memDeny(1, 2, RW, 1, BLOCK), 0);
  const l = port.load32(I(VM1_RAM + 8));
  const s = port.store32(I(VM1_RAM + 8), 1);
  assert.ok(isFault(l) && l.kind === 'translation', 'load faults');
  assert.ok(isFault(s) && s.kind === 'translation', 'store faults');
});

test('denying one page of a cached block splits it: that page faults, its neighbours still work', () => {
  const hv = booted();
  assert.equal(hv.memGrant(1, 2, RW, 1, BLOCK), 0);
  const port = hv.cpu(2);
  assert.equal(port.load32(I(VM1_RAM + 4096)), 0);
  assert.equal(hv.memDeny(1, 2, RW, 1, [{ addr: VM1_RAM + 4096, size: 4096 }]), 0);
  assert.ok(isFault(port.load32(I(VM1_RAM + 4096))));
  assert.equal(port.load32(I(VM1_RAM)), 0);
  assert.equal(port.load32(I(VM1_RAM + 8192)), 0);
});

test('a read-only block never takes a store, even once cached for reads', () => {
  const hv = booted();
  assert.equal(hv.memGrant(1, 2, VM_MEM_READ | VM_MEM_CPU, 1, BLOCK), 0);
  const port = hv.cpu(2);
  assert.equal(port.load32(I(VM1_RAM)), 0);
  const s = port.store32(I(VM1_RAM), 7);
  assert.ok(isFault(s) && s.kind === 'permission');
  assert.equal(hv.cpu(1).load32(I(VM1_RAM)), 0, 'memory unchanged');
});

test('an unaligned load inside a cached block is not served by the aligned fast path', () => {
  const hv = booted();
  assert.equal(hv.memGrant(1, 2, RW, 1, BLOCK), 0);
  assert.equal(hv.cpu(1).store32(I(VM1_RAM), 0x44332211), undefined);
  assert.equal(hv.cpu(1).store32(I(VM1_RAM + 4), 0x88776655), undefined);
  const port = hv.cpu(2);
  assert.equal(port.load32(I(VM1_RAM)), 0x44332211);
  assert.equal(port.load32(I(VM1_RAM + 1)), 0x55443322);
});
