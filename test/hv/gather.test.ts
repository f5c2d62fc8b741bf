/**
 * Batch loads (`MemoryPort.gather32/16/8`): a gather is a loop of
 * load32/16/8 stopped at its first fault, computed in two passes (translate
 * all, then load all). Checked against that naive loop on random batches,
 * then case by case: first-fault reporting, deny, a stopped VM, several
 * backing segments in one batch, unaligned and page-crossing addresses.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { HvFault, Hypervisor, MemoryPort } from '../../src/hv/index.js';
import { VM_MEM_CPU, VM_MEM_DMA, VM_MEM_READ, VM_MEM_WRITE, isFault } from '../../src/hv/index.js';
import { I, KiB, MiB, SHARED, UART, VM1_RAM, VM1_RAM_SIZE, VM2_RAM, bootTest } from './platform.js';

const PG = 4096;
const RW_CPU = VM_MEM_READ | VM_MEM_WRITE | VM_MEM_CPU;

/** A byte pattern with no period a small offset could hide. */
const pattern = (i: number) => (Math.imul(i + 1, 0x9e3779b1) >>> 24) & 0xff;

const patterned = (size: number, salt: number) =>
  Uint8Array.from({ length: size }, (_, i) => pattern(i + salt));
const VM1_BYTES = patterned(VM1_RAM_SIZE, 0);
const VM2_BYTES = patterned(1 * MiB, 7);
const SHARED_BYTES = patterned(64 * KiB, 13);

/** The test platform with VM1's RAM, VM2's RAM and the shared region filled with the pattern. */
function filled(): Hypervisor {
  const hv = bootTest();
  assert.equal(hv.cpu(1).write(I(VM1_RAM), VM1_BYTES), undefined);
  assert.equal(hv.cpu(2).write(I(VM2_RAM), VM2_BYTES), undefined);
  assert.equal(hv.cpu(1).write(I(SHARED), SHARED_BYTES), undefined);
  return hv;
}

const faultEvents = (hv: Hypervisor) => hv.trace.events().filter((e) => e.kind === 'fault').length;

type Width = 1 | 2 | 4;

function gather(port: MemoryPort, width: Width, ipas: number[]): number[] | HvFault {
  const a = Float64Array.from(ipas);
  const out =
    width === 4
      ? new Uint32Array(a.length)
      : width === 2
        ? new Uint16Array(a.length)
        : new Uint8Array(a.length);
  const f =
    width === 4
      ? port.gather32(a, out as Uint32Array)
      : width === 2
        ? port.gather16(a, out as Uint16Array)
        : port.gather8(a, out as Uint8Array);
  return f ?? Array.from(out);
}

/** The oracle: one load per address, stopping at the first fault. */
function loop(port: MemoryPort, width: Width, ipas: number[]): number[] | HvFault {
  const vals: number[] = [];
  for (const ipa of ipas) {
    const v = width === 4 ? port.load32(I(ipa)) : width === 2 ? port.load16(I(ipa)) : port.load8(I(ipa));
    if (typeof v !== 'number') return v;
    vals.push(v);
  }
  return vals;
}

/** Setup steps applied identically to the gather's and the oracle's hypervisor. */
type Setup =
  | { kind: 'grant'; block: boolean; flags: number }
  | { kind: 'deny-page'; page: number }
  | { kind: 'warm'; ipa: number }
  | { kind: 'store'; ipa: number; value: number }
  | { kind: 'stop2' };

function apply(hv: Hypervisor, s: Setup): void {
  switch (s.kind) {
    case 'grant':
      hv.memGrant(1, 2, s.flags, 1, [{ addr: VM1_RAM, size: s.block ? 2 * MiB : 16 * PG }]);
      return;
    case 'deny-page':
      hv.memDeny(1, 2, RW_CPU, 1, [{ addr: VM1_RAM + s.page * PG, size: PG }]);
      return;
    case 'warm':
      hv.cpu(2).load32(I(s.ipa)); // fills TLB, block TLB or range entry (or faults)
      hv.cpu(1).load32(I(s.ipa));
      return;
    case 'store':
      hv.cpu(2).store32(I(s.ipa), s.value); // a write fill: may cache a write-only mapping
      hv.dma(2).store32(I(s.ipa), s.value);
      return;
    case 'stop2':
      hv.stopVm(2);
  }
}

/**
 * An address, resolved against the VM that gathers (so that most batches
 * succeed): its own RAM, its view of the shared region, VM1's RAM (granted
 * or not, for VM2), the edge between VM1's 2 MiB block and its last page,
 * or a value that is no mapped address (another VM's RAM, a device window,
 * above 4 GiB, not an address at all). Offsets run slightly past each end.
 */
type AddrSpec = { region: 'own' | 'shared' | 'vm1' | 'edge'; off: number } | { region: 'odd'; value: number };

const addrSpecArb: fc.Arbitrary<AddrSpec> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ region: fc.constant('own' as const), off: fc.nat() }) },
  { weight: 3, arbitrary: fc.record({ region: fc.constant('shared' as const), off: fc.nat() }) },
  { weight: 5, arbitrary: fc.record({ region: fc.constant('vm1' as const), off: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ region: fc.constant('edge' as const), off: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      region: fc.constant('odd' as const),
      value: fc.constantFrom(
        UART,
        UART + 4,
        VM2_RAM,
        0x1000_0000,
        2 ** 32 + 8,
        2 ** 40,
        -4,
        1.5,
        NaN,
        2 ** 53,
      ),
    }),
  },
);

function resolve(vm: number, a: AddrSpec): number {
  switch (a.region) {
    case 'own':
      return vm === 1 ? VM1_RAM + (a.off % (VM1_RAM_SIZE + 8)) : VM2_RAM + (a.off % (1 * MiB + 8));
    case 'shared':
      return (vm === 1 ? SHARED : 0x9000_0000) + (a.off % (64 * KiB + 8));
    case 'vm1':
      return VM1_RAM + (a.off % (VM1_RAM_SIZE + 8));
    case 'edge':
      return VM1_RAM + 2 * MiB - 20 + (a.off % 40);
    case 'odd':
      return a.value;
  }
}

/** Setup warm-ups: an address of either VM's layout. */
const warmArb = fc.oneof(
  fc.integer({ min: 0, max: VM1_RAM_SIZE + 8 }).map((o) => VM1_RAM + o),
  fc.integer({ min: 0, max: 1 * MiB + 4 }).map((o) => VM2_RAM + o),
  fc.integer({ min: 0, max: 64 * KiB + 4 }).map((o) => 0x9000_0000 + o),
);

const setupArb: fc.Arbitrary<Setup> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('grant' as const),
      block: fc.boolean(),
      flags: fc.constantFrom(
        RW_CPU,
        VM_MEM_READ | VM_MEM_CPU,
        VM_MEM_WRITE | VM_MEM_CPU,
        VM_MEM_READ | VM_MEM_DMA,
      ),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('deny-page' as const), page: fc.integer({ min: 0, max: 20 }) }),
  },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('warm' as const), ipa: warmArb }) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('store' as const), ipa: warmArb, value: fc.nat() }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'stop2' as const }) },
);

describe('gather', () => {
  test('a gather returns what a loop of loads returns, or that loop’s first fault with one trace event', () => {
    fc.assert(
      fc.property(
        fc.array(setupArb, { maxLength: 4 }),
        fc.constantFrom(1, 2),
        fc.constantFrom<'cpu' | 'dma'>('cpu', 'cpu', 'dma'),
        fc.constantFrom<Width>(4, 4, 2, 1),
        fc.array(addrSpecArb, { maxLength: 40 }),
        (setup, vm, path, width, specs) => {
          const ipas = specs.map((x) => resolve(vm, x));
          const a = filled();
          const b = filled();
          for (const s of setup) {
            apply(a, s);
            apply(b, s);
          }
          const pa = path === 'cpu' ? a.cpu(vm) : a.dma(vm);
          const pb = path === 'cpu' ? b.cpu(vm) : b.dma(vm);
          const before = faultEvents(a);
          const got = gather(pa, width, ipas);
          const want = loop(pb, width, ipas);
          assert.deepEqual(got, want);
          assert.equal(faultEvents(a) - before, isFault(want) ? 1 : 0, 'one fault event, only on a fault');
          // Twice in a row (now with warm caches) gives the same answer.
          assert.deepEqual(gather(pa, width, ipas), want);
        },
      ),
      { numRuns: 300, seed: 0x6a7e, endOnFailure: true },
    );
  });

  test('the first faulting address in array order is reported (kind, level, ipa, access read)', () => {
    const hv = filled();
    const port = hv.cpu(2);
    const before = faultEvents(hv);
    const f = port.gather32(
      Float64Array.from([VM2_RAM, VM2_RAM + 8, VM1_RAM + 4, UART, 0x9000_0000 + 64 * KiB]),
      new Uint32Array(5),
    );
    assert.deepEqual(f, {
      fault: true,
      kind: 'translation',
      level: 2, // VM2's level-1 table covers 1-2 GiB; no level-2 entry for VM1's RAM
      ipa: VM1_RAM + 4,
      access: 'read',
      vm: 2,
      path: 'cpu',
    });
    assert.equal(faultEvents(hv) - before, 1);
    const last = hv.trace.events().at(-1);
    assert.ok(last?.kind === 'fault' && last.fault.ipa === VM1_RAM + 4);
    // External (a device window without a model) and permission faults are typed the same way.
    const ext = hv.cpu(1).gather32(Float64Array.from([VM1_RAM, UART, 0x1000_0000]), new Uint32Array(3));
    assert.deepEqual(ext && [ext.kind, ext.ipa, ext.access], ['external', UART, 'read']);
    assert.equal(hv.memGrant(1, 2, VM_MEM_WRITE | VM_MEM_CPU, 1, [{ addr: VM1_RAM, size: PG }]), 0);
    const perm = port.gather32(Float64Array.from([VM2_RAM, VM1_RAM + 8]), new Uint32Array(2));
    assert.deepEqual(perm && [perm.kind, perm.level, perm.ipa, perm.access], [
      'permission',
      3,
      VM1_RAM + 8,
      'read',
    ]);
  });

  test('after deny returns, a gather over the denied range faults, even with that range cached', () => {
    const hv = filled();
    const port = hv.cpu(2);
    const block = [{ addr: VM1_RAM, size: 2 * MiB }];
    assert.equal(hv.memGrant(1, 2, RW_CPU, 1, block), 0);
    const ipas = Float64Array.from([VM1_RAM, VM1_RAM + 64 * KiB, VM1_RAM + 2 * MiB - 4]);
    const out = new Uint32Array(3);
    assert.equal(port.gather32(ipas, out), undefined);
    assert.deepEqual(
      Array.from(out),
      [VM1_RAM, VM1_RAM + 64 * KiB, VM1_RAM + 2 * MiB - 4].map((x) => hv.cpu(1).load32(I(x))),
    );
    // Deny one page in the middle: the block splits; the batch faults at that page.
    assert.equal(hv.memDeny(1, 2, RW_CPU, 1, [{ addr: VM1_RAM + 64 * KiB, size: PG }]), 0);
    const f = port.gather32(ipas, out);
    assert.deepEqual(f && [f.kind, f.ipa], ['translation', VM1_RAM + 64 * KiB]);
    // Deny all of it: the first address faults.
    assert.equal(hv.memDeny(1, 2, RW_CPU, 1, [{ addr: VM1_RAM, size: 64 * KiB }]), 0);
    assert.equal(hv.memDeny(1, 2, RW_CPU, 1, [{ addr: VM1_RAM + 68 * KiB, size: 2 * MiB - 68 * KiB }]), 0);
    const g = port.gather32(ipas, out);
    assert.deepEqual(g && [g.kind, g.ipa], ['translation', VM1_RAM]);
    // A downgrade to write-only also takes effect before the deny returns.
    assert.equal(hv.memGrant(1, 2, RW_CPU, 1, block), 0);
    assert.equal(port.gather32(ipas, out), undefined);
    assert.equal(hv.memGrant(1, 2, VM_MEM_WRITE | VM_MEM_CPU, 1, block), 0);
    assert.equal(hv.memDeny(1, 2, RW_CPU, 1, block), 0);
    const p = port.gather32(ipas, out);
    assert.deepEqual(p && [p.kind, p.ipa], ['permission', VM1_RAM]);
  });

  test('the first byte past a cached block is not served from the cache, at any width', () => {
    const hv = filled();
    const port = hv.cpu(2);
    assert.equal(hv.memGrant(1, 2, RW_CPU, 1, [{ addr: VM1_RAM, size: 2 * MiB }]), 0);
    for (const width of [4, 2, 1] as const) {
      assert.ok(!isFault(gather(port, width, [VM1_RAM + 2 * MiB - 4])), 'caches the block');
      const f = gather(port, width, [VM1_RAM, VM1_RAM + 2 * MiB]);
      assert.ok(isFault(f) && f.kind === 'translation' && f.ipa === VM1_RAM + 2 * MiB, `width ${width}`);
    }
  });

  test('a write-only block cached by a store is not readable by a gather', () => {
    const hv = filled();
    const port = hv.cpu(2);
    assert.equal(hv.memGrant(1, 2, VM_MEM_WRITE | VM_MEM_CPU, 1, [{ addr: VM1_RAM, size: 2 * MiB }]), 0);
    assert.equal(port.store32(I(VM1_RAM + 64), 5), undefined, 'the store caches the block for writes');
    const f = port.gather32(Float64Array.from([VM1_RAM + 64]), new Uint32Array(1));
    assert.deepEqual(f && [f.kind, f.level, f.ipa, f.access], ['permission', 2, VM1_RAM + 64, 'read']);
  });

  test('a VM that is not running: a gather faults not-running at the first address; an empty one reads nothing', () => {
    const hv = filled();
    const port = hv.cpu(2);
    const ipas = Float64Array.from([VM2_RAM + 16, VM2_RAM]);
    assert.equal(port.gather32(ipas, new Uint32Array(2)), undefined, 'cached while running');
    assert.equal(hv.stopVm(2), 0);
    for (const f of [
      port.gather32(ipas, new Uint32Array(2)),
      port.gather16(ipas, new Uint16Array(2)),
      port.gather8(ipas, new Uint8Array(2)),
    ])
      assert.deepEqual(f && [f.kind, f.ipa, f.access], ['not-running', VM2_RAM + 16, 'read']);
    assert.equal(port.gather32(ipas, new Uint32Array(2), 0), undefined);
    assert.equal(hv.startVm(2), 0);
    const out = new Uint32Array(2);
    assert.equal(port.gather32(ipas, out), undefined);
    assert.deepEqual(Array.from(out), [0, 0], 'RAM zeroed at restart');
  });

  test('one batch reads from several backing buffers: own RAM, a granted page, a block, the shared region', () => {
    const hv = filled();
    assert.equal(hv.memGrant(1, 2, RW_CPU, 1, [{ addr: VM1_RAM, size: 2 * MiB }]), 0);
    assert.equal(hv.memGrant(1, 2, RW_CPU, 1, [{ addr: VM1_RAM + 2 * MiB, size: PG }]), 0);
    const port = hv.cpu(2);
    const addrs = [
      VM2_RAM + 4,
      VM1_RAM + 8,
      0x9000_0000 + 12,
      VM1_RAM + 2 * MiB + 16,
      VM2_RAM + 1 * MiB - 4,
      VM1_RAM + 1 * MiB,
      0x9000_0000 + 64 * KiB - 4,
    ];
    for (const width of [4, 2, 1] as const) {
      const got = gather(port, width, addrs);
      assert.deepEqual(got, loop(hv.cpu(2), width, addrs));
      assert.ok(!isFault(got) && got.some((v) => v !== 0));
    }
    // The values are the owners' bytes, little-endian.
    const w = gather(port, 4, [VM1_RAM + 8, 0x9000_0000 + 12]);
    assert.deepEqual(w, [hv.cpu(1).load32(I(VM1_RAM + 8)), hv.cpu(1).load32(I(SHARED + 12))]);
  });

  test('unaligned and page-crossing addresses are assembled little-endian from checked bytes, as load32 does', () => {
    const hv = filled();
    const port = hv.cpu(1);
    const byte = (o: number) => pattern(o);
    const le = (o: number, n: number) => {
      let v = 0;
      for (let k = n - 1; k >= 0; k--) v = v * 256 + byte(o + k);
      return v;
    };
    const offs = [0, 1, 2, 3, PG - 2, PG - 1, 2 * MiB - 3, 2 * MiB - 1, 5, 8];
    const w32 = gather(
      port,
      4,
      offs.map((o) => VM1_RAM + o),
    );
    assert.deepEqual(
      w32,
      offs.map((o) => le(o, 4)),
    );
    const w16 = gather(
      port,
      2,
      offs.map((o) => VM1_RAM + o),
    );
    assert.deepEqual(
      w16,
      offs.map((o) => le(o, 2)),
    );
    // Crossing from the last mapped page into nothing: the fault names the first byte of the unmapped page.
    const end = VM1_RAM + VM1_RAM_SIZE;
    const f = port.gather32(Float64Array.from([VM1_RAM, end - 2]), new Uint32Array(2));
    assert.deepEqual(f, port.load32(I(end - 2)));
    assert.deepEqual(f && [f.kind, f.ipa], ['translation', end]);
  });

  test('count selects a prefix; a count beyond either array is a RangeError, not a fault', () => {
    const hv = filled();
    const port = hv.cpu(1);
    const ipas = Float64Array.from([VM1_RAM, VM1_RAM + 4, 0x1000_0000]);
    const out = new Uint32Array(3).fill(0xdead);
    assert.equal(
      port.gather32(ipas, out, 2),
      undefined,
      'the faulting third address is not part of the batch',
    );
    assert.deepEqual(Array.from(out), [port.load32(I(VM1_RAM)), port.load32(I(VM1_RAM + 4)), 0xdead]);
    assert.throws(() => port.gather32(ipas, new Uint32Array(2)), RangeError);
    assert.throws(() => port.gather32(ipas, out, 4), RangeError);
    assert.throws(() => port.gather8(ipas, new Uint8Array(3), -1), RangeError);
  });

  test('gather16 and gather8 leave their output untouched on a fault', () => {
    const hv = filled();
    const port = hv.cpu(1);
    const ipas = Float64Array.from([VM1_RAM, 0x1000_0000]);
    const o16 = new Uint16Array(2).fill(0xbeef);
    const o8 = new Uint8Array(2).fill(0xab);
    assert.ok(isFault(port.gather16(ipas, o16)));
    assert.ok(isFault(port.gather8(ipas, o8)));
    assert.deepEqual(Array.from(o16), [0xbeef, 0xbeef]);
    assert.deepEqual(Array.from(o8), [0xab, 0xab]);
  });

  test('large batches: the same results as the loop, batch after batch, through the range entry', () => {
    const hv = filled();
    assert.equal(hv.memGrant(1, 2, RW_CPU, 1, [{ addr: VM1_RAM, size: 2 * MiB }]), 0);
    const port = hv.cpu(2);
    let seed = 1;
    const n = 5000;
    const ipas = new Float64Array(n);
    const out = new Uint32Array(n);
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < n; i++) {
        seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
        // Rounds 0 and 1 aligned (the range entry), round 2 anywhere (unaligned ones assembled from bytes).
        ipas[i] = VM1_RAM + (round === 2 ? seed % (2 * MiB - 3) : (seed % (MiB / 2)) * 4);
      }
      assert.equal(port.gather32(ipas, out), undefined);
      for (let i = 0; i < n; i += 97)
        assert.equal(out[i], hv.cpu(1).load32(I(ipas[i])), `round ${round}, element ${i}`);
    }
  });
});
