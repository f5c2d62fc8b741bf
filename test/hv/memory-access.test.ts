import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { HvConfig, Ipa } from '../../src/hv/index.js';
import { Hypervisor, VDT_S2PTE_LOWER_MEM, isFault, validateConfig } from '../../src/hv/index.js';
import {
  I,
  MiB,
  P,
  SHARED,
  UART,
  VM1_RAM,
  VM2_RAM,
  VM4_RAM_IPA,
  VM4_RAM_PA,
  VM5_RAM,
  bootTest,
  testConfig,
} from './platform.js';

const PG = 4096;

describe('guest memory access', () => {
  test('loads and stores of every width, little-endian, across a page boundary', () => {
    const hv = bootTest();
    const cpu = hv.cpu(1);
    assert.equal(cpu.store32(I(VM1_RAM), 0x44332211), undefined);
    assert.equal(cpu.load8(I(VM1_RAM)), 0x11);
    assert.equal(cpu.load16(I(VM1_RAM + 1)), 0x3322);
    assert.equal(cpu.load32(I(VM1_RAM)), 0x44332211);
    assert.equal(cpu.store64(I(VM1_RAM + PG - 4), 0x0102030405060708n), undefined);
    assert.equal(cpu.load64(I(VM1_RAM + PG - 4)), 0x0102030405060708n);
    assert.equal(cpu.load32(I(VM1_RAM + PG - 2)), 0x03040506, 'unaligned, crossing the page boundary');
    assert.equal(cpu.load16(I(VM1_RAM + PG - 1)), 0x0405);
    assert.equal(cpu.store16(I(VM1_RAM + 2 * PG - 1), 0xbeef), undefined);
    assert.equal(cpu.load8(I(VM1_RAM + 2 * PG - 1)), 0xef);
    assert.equal(cpu.load8(I(VM1_RAM + 2 * PG)), 0xbe);
    assert.equal(cpu.store32(I(VM1_RAM + 2 * PG - 2), 0xa1b2c3d4), undefined);
    assert.equal(cpu.load32(I(VM1_RAM + 2 * PG - 2)), 0xa1b2c3d4);
  });

  test('the data lands in the physical memory behind the mapping (non-identity IPA → PA)', () => {
    const hv = bootTest();
    assert.equal(hv.cpu(4).store32(I(VM4_RAM_IPA + 0x10), 0x1234), undefined);
    const seg = hv.phys.segmentOfPage(VM4_RAM_PA / PG)!;
    const off = VM4_RAM_PA - seg.basePage * PG + 0x10;
    assert.equal(new DataView(seg.buffer).getUint32(off, true), 0x1234);
    assert.ok(isFault(hv.cpu(4).load32(I(VM4_RAM_PA))), 'the PA is not mapped at IPA == PA');
  });

  test('static shared region: RW in one VM, read-only in the other, same bytes', () => {
    const hv = bootTest();
    assert.equal(hv.cpu(1).store32(I(SHARED), 0x600d), undefined);
    assert.equal(hv.cpu(2).load32(I(0x9000_0000)), 0x600d);
    const f = hv.cpu(2).store32(I(0x9000_0000), 1);
    assert.deepEqual(f, {
      fault: true,
      kind: 'permission',
      level: 3,
      ipa: 0x9000_0000,
      access: 'write',
      vm: 2,
      path: 'cpu',
    });
  });

  test('faults are typed: translation with level, permission, external (unbacked device), exec on XN', () => {
    const hv = bootTest();
    const cpu = hv.cpu(2);
    assert.deepEqual(cpu.load32(I(0x1000_0000)), {
      fault: true,
      kind: 'translation',
      level: 1,
      ipa: 0x1000_0000,
      access: 'read',
      vm: 2,
      path: 'cpu',
    });
    assert.deepEqual(cpu.load8(I(VM2_RAM + 1 * MiB)), {
      fault: true,
      kind: 'translation',
      level: 3,
      ipa: VM2_RAM + 1 * MiB,
      access: 'read',
      vm: 2,
      path: 'cpu',
    });
    assert.equal((hv.cpu(1).load32(I(UART)) as { kind: string }).kind, 'external');
    assert.equal((hv.cpu(1).translate(I(UART), 'exec') as { kind: string }).kind, 'permission');
    assert.equal(isFault(hv.cpu(1).translate(I(VM1_RAM), 'exec')), false);
    assert.deepEqual(cpu.load32(I(2 ** 41)), {
      fault: true,
      kind: 'translation',
      level: 0,
      ipa: 2 ** 41,
      access: 'read',
      vm: 2,
      path: 'cpu',
    });
    const faults = hv.trace.events().filter((e) => e.kind === 'fault');
    assert.equal(faults.length, 5, 'every fault is traced');
  });

  test('values that are no address fault at level 0 and never hit a TLB entry', () => {
    const hv = bootTest();
    const cpu = hv.cpu(1);
    cpu.load32(I(VM1_RAM)); // populate the TLB
    for (const bad of [-4, -4096, 1.5, 2 ** 60, Number.NaN]) {
      for (const r of [
        cpu.load8(bad as Ipa),
        cpu.load16(bad as Ipa),
        cpu.load32(bad as Ipa),
        cpu.store8(bad as Ipa, 1),
        cpu.store32(bad as Ipa, 1),
        cpu.read(bad as Ipa, new Uint8Array(4)),
      ])
        assert.ok(isFault(r) && r.kind === 'translation' && r.level === 0, `${bad}: ${JSON.stringify(r)}`);
    }
  });

  test('bulk read/write cross pages and are all-or-nothing', () => {
    const hv = bootTest();
    const src = new Uint8Array(3 * PG).map((_, i) => i & 0xff);
    assert.equal(hv.cpu(1).write(I(VM1_RAM + 100), src), undefined);
    const back = new Uint8Array(3 * PG);
    assert.equal(hv.cpu(1).read(I(VM1_RAM + 100), back), undefined);
    assert.deepEqual(back, src);
    // The last page of VM2's RAM + one unmapped page: nothing is written.
    const end = VM2_RAM + 1 * MiB;
    hv.cpu(2).fill(I(end - PG), PG, 0x11);
    const f = hv.cpu(2).write(I(end - PG), new Uint8Array(2 * PG));
    assert.ok(isFault(f) && f.kind === 'translation' && f.ipa === end);
    assert.equal(hv.cpu(2).load8(I(end - PG)), 0x11);
  });

  test('DMA goes through the SMMU context, CPU through stage 2', () => {
    const hv = bootTest();
    assert.equal(hv.memGrant(1, 2, 0x1 | 0x8, 1, [{ addr: VM1_RAM, size: PG }]), 0);
    assert.equal(typeof hv.dma(2).load32(I(VM1_RAM)), 'number');
    assert.equal((hv.dma(2).store32(I(VM1_RAM), 1) as { kind: string }).kind, 'permission');
    assert.equal((hv.cpu(2).load32(I(VM1_RAM)) as { kind: string }).kind, 'translation');
    assert.ok(
      hv
        .ptdump(2, 'smmu')
        .includes(
          '0x0000000040000000-0x0000000040001000 -> 0x0000000040000000      4K L3 PTE  RO XN ISH AF MEM/NORMAL-WB',
        ),
    );
  });

  test('TLB: repeated accesses do not walk again; deny invalidates before returning', () => {
    const hv = bootTest();
    assert.equal(hv.memGrant(1, 2, 0x3 | 0x4, 1, [{ addr: VM1_RAM, size: PG }]), 0);
    const cpu = hv.cpu(2);
    cpu.load32(I(VM1_RAM));
    const walks = cpu.walks;
    for (let i = 0; i < 100; i++) cpu.load32(I(VM1_RAM + 4 * i));
    assert.equal(cpu.walks, walks);
    assert.equal(hv.memDeny(1, 2, 0x3 | 0x4, 1, [{ addr: VM1_RAM, size: PG }]), 0);
    assert.ok(isFault(cpu.load32(I(VM1_RAM))));
    assert.ok(isFault(cpu.store8(I(VM1_RAM), 1)));
  });
});

describe('views', () => {
  test('a view reads and writes the same bytes as the accessors, without copying', () => {
    const hv = bootTest();
    const v = hv.cpu(1).view(I(VM1_RAM), 2 * PG, 'readwrite');
    if (isFault(v)) return assert.fail(JSON.stringify(v));
    assert.equal(v.setU32(PG - 2, 0xdeadbeef), undefined);
    assert.equal(hv.cpu(1).load32(I(VM1_RAM + PG - 2)), 0xdeadbeef);
    hv.cpu(1).store8(I(VM1_RAM + 5), 0x42);
    assert.equal(v.getU8(5), 0x42);
    assert.throws(() => v.getU8(2 * PG), RangeError);
  });

  test('after deny returns, a view handed out earlier faults; a new grant does not revive it', () => {
    const hv = bootTest();
    const rg = [{ addr: VM1_RAM, size: 2 * PG }];
    assert.equal(hv.memGrant(1, 2, 0x3 | 0x4, 1, rg), 0);
    const v = hv.cpu(2).view(I(VM1_RAM), 2 * PG, 'readwrite');
    if (isFault(v)) return assert.fail(JSON.stringify(v));
    assert.equal(v.setU8(0, 9), undefined);
    assert.equal(hv.memDeny(1, 2, 0x3 | 0x4, 1, rg), 0);
    assert.equal(v.valid, false);
    assert.deepEqual(v.getU8(PG), {
      fault: true,
      kind: 'translation',
      level: 2,
      ipa: VM1_RAM + PG,
      access: 'read',
      vm: 2,
      path: 'cpu',
    });
    assert.equal(hv.memGrant(1, 2, 0x3 | 0x4, 1, rg), 0);
    const r = v.getU8(0);
    assert.ok(isFault(r) && r.kind === 'revoked');
  });

  test('a downgrade (RW record denied, R record left) revokes RW views but not an unrelated view', () => {
    const hv = bootTest();
    assert.equal(hv.memGrant(1, 2, 0x1 | 0x4, 1, [{ addr: VM1_RAM, size: PG }]), 0);
    assert.equal(hv.memGrant(1, 2, 0x3 | 0x4, 1, [{ addr: VM1_RAM, size: PG }]), 0);
    const rw = hv.cpu(2).view(I(VM1_RAM), PG, 'readwrite');
    const own = hv.cpu(2).view(I(VM2_RAM), PG, 'readwrite');
    if (isFault(rw) || isFault(own)) return assert.fail('views refused');
    assert.equal(hv.memDeny(1, 2, 0x3 | 0x4, 1, [{ addr: VM1_RAM, size: PG }]), 0);
    assert.equal(rw.valid, false);
    assert.equal(own.valid, true);
    assert.equal(typeof hv.cpu(2).load32(I(VM1_RAM)), 'number', 'still readable through the R record');
  });

  test('a view must be contiguous in one buffer and fully mapped', () => {
    const hv = bootTest();
    assert.ok(isFault(hv.cpu(2).view(I(VM2_RAM + 1 * MiB - PG), 2 * PG)));
    assert.ok(isFault(hv.cpu(2).view(I(0x9000_0000), PG, 'readwrite')), 'read-only mapping, read-write view');
  });
});

describe('lifecycle', () => {
  test('stopping an importer drops what it was granted; stopping an exporter revokes what it granted', () => {
    const hv = bootTest();
    const before = hv.snapshot();
    assert.equal(hv.memGrant(1, 2, 0xf, 1, [{ addr: VM1_RAM, size: 4 * PG }]), 0);
    assert.equal(hv.memGrant(1, 3, 0x5, 1, [{ addr: VM1_RAM, size: PG }]), 0);
    assert.equal(hv.memGrant(2, 3, 0x5, 1, [{ addr: VM2_RAM, size: PG }]), 0);
    assert.equal(hv.stopVm(2), 0);
    assert.equal(hv.state(2), 'OFF');
    assert.deepEqual(
      hv.grants.list().map((r) => [r.exporter, r.importer]),
      [[1, 3]],
    );
    assert.equal((hv.cpu(3).load32(I(VM2_RAM)) as { kind: string }).kind, 'translation');
    assert.equal((hv.cpu(2).load32(I(VM2_RAM)) as { kind: string }).kind, 'not-running');
    assert.equal(hv.stopVm(1), 0);
    assert.deepEqual(hv.grants.list(), []);
    assert.equal(hv.startVm(1), 0);
    assert.equal(hv.startVm(2), 0);
    assert.deepEqual(hv.snapshot(), before, 'after restart the tables are the configuration again');
    const states = hv.trace
      .events()
      .filter((e) => e.kind === 'vm-state')
      .map((e) => (e.kind === 'vm-state' ? `${e.vm}:${e.to}` : ''));
    assert.deepEqual(states.slice(-8), [
      '2:STOPPING',
      '2:OFF',
      '1:STOPPING',
      '1:OFF',
      '1:BOOTING',
      '1:RUNNING',
      '2:BOOTING',
      '2:RUNNING',
    ]);
  });

  test('a restarted VM finds its RAM zeroed; static shared memory keeps its contents', () => {
    const hv = bootTest();
    hv.cpu(5).store32(I(VM5_RAM + 8), 77);
    hv.cpu(1).store32(I(SHARED), 88);
    assert.equal(hv.stopVm(5), 0);
    assert.equal(hv.startVm(5), 0);
    assert.equal(hv.cpu(5).load32(I(VM5_RAM + 8)), 0);
    assert.equal(hv.stopVm(1), 0);
    assert.equal(hv.startVm(1), 0);
    assert.equal(hv.cpu(1).load32(I(SHARED)), 88);
  });

  test('state API refuses wrong transitions', () => {
    const hv = bootTest();
    assert.equal(hv.startVm(1), -22);
    assert.equal(hv.stopVm(9), -3);
    assert.equal(hv.finishStop(1), -22);
  });
});

describe('boot configuration', () => {
  const bad = (mut: (c: HvConfig) => HvConfig) => validateConfig(mut(testConfig())).map((e) => e.code);
  const vmsWith = (c: HvConfig, id: number, patch: object): HvConfig => ({
    ...c,
    vms: c.vms.map((v) => (v.id === id ? { ...v, ...patch } : v)),
  });
  const rows: [string, (c: HvConfig) => HvConfig, string][] = [
    ['the test platform is valid', (c) => c, ''],
    [
      'VM id 0',
      (c) => ({ ...c, vms: [...c.vms, { id: 0, name: 'x', ram: [], io: [], vmMemory: [] }] }),
      'hv/bad-vm-id',
    ],
    [
      'VM id 32',
      (c) => ({ ...c, vms: [...c.vms, { id: 32, name: 'x', ram: [], io: [], vmMemory: [] }] }),
      'hv/bad-vm-id',
    ],
    [
      'duplicate VM id',
      (c) => ({ ...c, vms: [...c.vms, { id: 5, name: 'x', ram: [], io: [], vmMemory: [] }] }),
      'hv/duplicate-vm-id',
    ],
    [
      'misaligned RAM',
      (c) => vmsWith(c, 5, { ram: [{ pa: P(VM5_RAM + 1), ipa: I(VM5_RAM + 1), sizeBytes: PG }] }),
      'hv/misaligned',
    ],
    [
      'RAM outside the banks',
      (c) => vmsWith(c, 5, { ram: [{ pa: P(0x1_0000_0000), ipa: I(0x1_0000_0000), sizeBytes: PG }] }),
      'hv/ram-not-ram',
    ],
    [
      'RAM of two VMs overlapping',
      (c) => vmsWith(c, 5, { ram: [{ pa: P(VM2_RAM), ipa: I(VM5_RAM), sizeBytes: PG }] }),
      'hv/ram-overlap',
    ],
    [
      'IPA beyond 40 bits',
      (c) => vmsWith(c, 5, { ram: [{ pa: P(VM5_RAM), ipa: I(2 ** 40), sizeBytes: PG }] }),
      'hv/out-of-range',
    ],
    ['window for itself', (c) => vmsWith(c, 5, { vmMemory: [{ exporterId: 5 }] }), 'hv/bad-window'],
    ['window for an unknown VM', (c) => vmsWith(c, 5, { vmMemory: [{ exporterId: 12 }] }), 'hv/bad-window'],
    [
      'io-memory sharing without allow-sharing',
      (c) =>
        vmsWith(c, 5, {
          io: [
            {
              pa: P(SHARED),
              ipa: I(0x9000_0000),
              sizeBytes: PG,
              attrUpper: 0,
              attrLower: VDT_S2PTE_LOWER_MEM,
              allowSharing: false,
            },
          ],
        }),
      'hv/io-sharing-not-allowed',
    ],
    [
      'io-memory on RAM outside invalid regions',
      (c) =>
        vmsWith(c, 5, {
          io: [
            {
              pa: P(VM2_RAM),
              ipa: I(0x9000_0000),
              sizeBytes: PG,
              attrUpper: 0,
              attrLower: VDT_S2PTE_LOWER_MEM,
              allowSharing: true,
            },
          ],
        }),
      'hv/io-is-ram',
    ],
    [
      'attribute word with type bits',
      (c) =>
        vmsWith(c, 5, {
          io: [
            {
              pa: P(UART + PG),
              ipa: I(UART),
              sizeBytes: PG,
              attrUpper: 0,
              attrLower: 0x7ff,
              allowSharing: false,
            },
          ],
        }),
      'hv/bad-attributes',
    ],
    [
      'window overlapping own io-memory in IPA space',
      (c) =>
        vmsWith(c, 5, {
          vmMemory: [{ exporterId: 1 }],
          io: [
            {
              pa: P(UART + PG),
              ipa: I(VM1_RAM),
              sizeBytes: PG,
              attrUpper: 0,
              attrLower: 0x4c4,
              allowSharing: false,
            },
          ],
        }),
      'hv/ipa-overlap',
    ],
  ];
  for (const [name, mut, code] of rows)
    test(name, () => {
      const codes = bad(mut);
      if (code === '') assert.deepEqual(codes, []);
      else assert.ok(codes.includes(code), `expected ${code}, got ${JSON.stringify(codes)}`);
    });

  test('per-VM limits override the platform limits', () => {
    const base = testConfig();
    const cfg: HvConfig = {
      ...base,
      vms: base.vms.map((v) =>
        v.id === 1
          ? { ...v, limits: { grantRecordsPerExporter: 1, regionsPerCall: 2 } }
          : v.id === 5
            ? { ...v, limits: { ipaBits: 36 } }
            : v,
      ),
    };
    const r = Hypervisor.boot(cfg);
    if (!r.ok) return assert.fail(JSON.stringify(r.errors));
    const hv = r.hv;
    const three = [0, 1, 2].map((i) => ({ addr: VM1_RAM + i * PG, size: PG }));
    assert.equal(hv.memGrant(1, 2, 0x5, 3, three), -7, "VM1's own region limit");
    assert.equal(hv.memGrant(1, 2, 0x5, 1, three), 0);
    assert.equal(hv.memGrant(1, 2, 0x5, 1, [three[1]]), -12, "VM1's own record capacity");
    assert.equal(
      hv.memGrant(
        2,
        3,
        0x5,
        3,
        [0, 1, 2].map((i) => ({ addr: VM2_RAM + i * PG, size: PG })),
      ),
      0,
      'VM2 keeps the platform limits',
    );
    assert.equal(hv.stage2(5).ipaBits, 36);
    assert.equal(hv.stage2(5).rootPages, 1);
    assert.deepEqual(hv.stage2(5).walk(2 ** 36), { ok: false, kind: 'translation', level: 0 });
    assert.equal(hv.limitsOf(5).ipaBits, 36);
    const bad = validateConfig({
      ...base,
      vms: base.vms.map((v) => (v.id === 5 ? { ...v, limits: { ipaBits: 28 } } : v)),
    });
    assert.ok(bad.some((e) => e.code === 'hv/limits' && e.vm === 5));
  });

  test('boot refuses an invalid configuration and a too small table pool', () => {
    const r = Hypervisor.boot({
      ...testConfig(),
      vms: [{ id: 40, name: 'x', ram: [], io: [], vmMemory: [] }],
    });
    assert.equal(r.ok, false);
    const small = Hypervisor.boot({
      ...testConfig(),
      tablePool: { pa: P(0xf000_0000_0000), sizeBytes: 16 * PG },
    });
    assert.ok(!small.ok && small.errors[0].code === 'hv/table-pool-too-small');
  });
});
