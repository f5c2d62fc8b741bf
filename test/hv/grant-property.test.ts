/**
 * Property test: random sequences of grant/deny/verify, stops and starts,
 * view creation and accesses from random VMs, against the naive oracle.
 * After every step: invariants 1 (accesses), 2 (tables == config + records,
 * walked page by page), 3 (a failed call changes nothing: snapshot), 4 and
 * 6 (records only between running identity-mapped VMs), and views die
 * exactly when their page lost the access they were made for.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Hypervisor, Ipa, MemView } from '../../src/hv/index.js';
import { isFault } from '../../src/hv/index.js';
import { Oracle } from './oracle.js';
import type { Path, Region } from './oracle.js';
import { assertAccessMatches, assertRecordsSane, assertTablesMatch } from './invariants.js';
import { SHARED, VM1_RAM, VM2_RAM, bootTest, testConfig } from './platform.js';

const PG = 4096;
const VM1P = VM1_RAM / PG;
const VM2P = VM2_RAM / PG;
/** Pages the generator and the access checks use: both sides of VM1's 2 MiB block boundary, VM2's RAM, the shared region. */
const PAGES = [
  VM1P,
  VM1P + 1,
  VM1P + 2,
  VM1P + 3,
  VM1P + 0x1fe,
  VM1P + 0x1ff,
  VM1P + 0x200,
  VM2P,
  VM2P + 1,
  SHARED / PG,
];
const SAMPLE = [...PAGES, VM1P + 0x100, 0x9000_0000 / PG, 0x8000_0000 / PG];
const VALID_FLAGS = [0x5, 0x6, 0x7, 0x9, 0xa, 0xb, 0xd, 0xe, 0xf];

/** An abstract region, resolved against the exporter of the call (so most calls name the exporter's own RAM). */
interface RegionSpec {
  mode: 'own' | 'any' | 'block' | 'misaligned' | 'empty';
  idx: number;
  pages: number;
}

type Step =
  | {
      kind: 'call';
      op: 'grant' | 'deny' | 'verify';
      caller: number;
      vmid: number;
      flags: number | 'last';
      rgns: RegionSpec[];
    }
  | { kind: 'undo'; pick: number; verifyOnly: boolean }
  | { kind: 'stop'; vm: number }
  | { kind: 'start'; vm: number }
  | { kind: 'view'; vm: number; path: Path; page: number; rw: boolean; pick: number | undefined };

const OWN: Record<number, number[]> = {
  1: [VM1P, VM1P + 1, VM1P + 2, VM1P + 3, VM1P + 0x1fe, VM1P + 0x1ff, VM1P + 0x200],
  2: [VM2P, VM2P + 1, VM2P + 2, VM2P + 3],
};

const regionSpec: fc.Arbitrary<RegionSpec> = fc.record({
  mode: fc.oneof(
    { weight: 16, arbitrary: fc.constant('own' as const) },
    {
      weight: 1,
      arbitrary: fc.constantFrom('any' as const, 'block' as const, 'misaligned' as const, 'empty' as const),
    },
  ),
  idx: fc.nat(20),
  pages: fc.constantFrom(1, 1, 1, 2, 3),
});

function resolve(spec: RegionSpec, exporter: number): Region {
  const own = OWN[exporter] ?? PAGES;
  switch (spec.mode) {
    case 'own':
      return { addr: own[spec.idx % own.length] * PG, size: spec.pages * PG };
    case 'any':
      return { addr: PAGES[spec.idx % PAGES.length] * PG, size: spec.pages * PG };
    case 'block':
      return { addr: VM1_RAM, size: 2 * 1024 * 1024 };
    case 'misaligned':
      return { addr: own[spec.idx % own.length] * PG + 0x800, size: PG };
    case 'empty':
      return { addr: own[spec.idx % own.length] * PG, size: 0 };
  }
}

const PAIRS: [number, number][] = [
  [1, 2],
  [1, 3],
  [2, 3],
];

const call: fc.Arbitrary<Step> = fc
  .record({
    op: fc.constantFrom(
      'grant' as const,
      'grant' as const,
      'deny' as const,
      'deny' as const,
      'verify' as const,
    ),
    pair: fc.oneof(
      { weight: 12, arbitrary: fc.constantFrom(...PAIRS) },
      {
        weight: 1,
        arbitrary: fc.tuple(fc.integer({ min: 1, max: 5 }), fc.constantFrom(0, 1, 2, 3, 4, 5, 9)),
      },
    ),
    flags: fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom(...VALID_FLAGS) },
      { weight: 4, arbitrary: fc.constant('last' as const) },
      { weight: 1, arbitrary: fc.constantFrom(0, 0x1, 0x4, 0x10) },
    ),
    rgns: fc.oneof(
      { weight: 8, arbitrary: fc.array(regionSpec, { minLength: 1, maxLength: 1 }) },
      { weight: 1, arbitrary: fc.array(regionSpec, { minLength: 2, maxLength: 3 }) },
    ),
  })
  .map(({ op, pair, flags, rgns }) => {
    // pair is (exporter, importer); verify is made by the importer about the exporter.
    const [e, i] = pair;
    return op === 'verify'
      ? { kind: 'call' as const, op, caller: i, vmid: e, flags, rgns }
      : { kind: 'call' as const, op, caller: e, vmid: i, flags, rgns };
  });

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 12, arbitrary: call },
  {
    weight: 5,
    arbitrary: fc.record({ kind: fc.constant('undo' as const), pick: fc.nat(), verifyOnly: fc.boolean() }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('stop' as const), vm: fc.integer({ min: 1, max: 5 }) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('start' as const), vm: fc.integer({ min: 1, max: 5 }) }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('view' as const),
      vm: fc.constantFrom(2, 3),
      path: fc.constantFrom('cpu' as const, 'dma' as const),
      page: fc.constantFrom(...PAGES),
      rw: fc.boolean(),
      pick: fc.option(fc.nat(), { freq: 3 }).map((x) => x ?? undefined),
    }),
  },
);

interface Held {
  view: MemView;
  vm: number;
  path: Path;
  page: number;
  rw: boolean;
  dead: boolean;
}

function runSteps(cap: number, steps: Step[]): void {
  const hv: Hypervisor = bootTest({ grantRecordsPerExporter: cap });
  const oracle = new Oracle(testConfig({ grantRecordsPerExporter: cap }));
  const held: Held[] = [];
  let lastFlags = 0x7;
  const granted: { caller: number; vmid: number; flags: number; rgns: Region[] }[] = [];
  for (const s of steps) {
    if (s.kind === 'call') {
      const exporter = s.op === 'verify' ? s.vmid : s.caller;
      const rgns = s.rgns.map((r) => resolve(r, exporter));
      const flags = s.flags === 'last' ? lastFlags : s.flags;
      const before = hv.snapshot();
      const rc =
        s.op === 'verify'
          ? hv.memVerify(s.caller, s.vmid, rgns.length, rgns)
          : s.op === 'grant'
            ? hv.memGrant(s.caller, s.vmid, flags, rgns.length, rgns)
            : hv.memDeny(s.caller, s.vmid, flags, rgns.length, rgns);
      const want = oracle.call(s.op, s.caller, s.vmid, flags, rgns);
      if (s.op === 'grant' && rc === 0) {
        lastFlags = flags;
        granted.push({ caller: s.caller, vmid: s.vmid, flags, rgns });
      }
      assert.equal(rc, want, `${JSON.stringify({ ...s, rgns, flags })}`);
      if (rc !== 0 || s.op === 'verify')
        assert.deepEqual(hv.snapshot(), before, 'invariant 3: a failed call changed state');
    } else if (s.kind === 'undo') {
      // Deny (or verify) exactly what an earlier successful grant gave: the calls that should succeed.
      if (granted.length === 0) continue;
      const g = granted[s.pick % granted.length];
      const before = hv.snapshot();
      const rc = s.verifyOnly
        ? hv.memVerify(g.vmid, g.caller, g.rgns.length, g.rgns)
        : hv.memDeny(g.caller, g.vmid, g.flags, g.rgns.length, g.rgns);
      const want = s.verifyOnly
        ? oracle.call('verify', g.vmid, g.caller, 0, g.rgns)
        : oracle.call('deny', g.caller, g.vmid, g.flags, g.rgns);
      assert.equal(rc, want, `undo ${JSON.stringify(g)}`);
      if (rc !== 0 || s.verifyOnly)
        assert.deepEqual(hv.snapshot(), before, 'invariant 3: a failed call changed state');
      if (rc === 0 && !s.verifyOnly) granted.splice(s.pick % granted.length, 1);
    } else if (s.kind === 'stop') {
      const running = oracle.running.get(s.vm);
      assert.equal(hv.stopVm(s.vm), running ? 0 : -22);
      oracle.stop(s.vm);
    } else if (s.kind === 'start') {
      const running = oracle.running.get(s.vm);
      assert.equal(hv.startVm(s.vm), running ? -22 : 0);
      oracle.start(s.vm);
    } else {
      // Mostly a view of something granted earlier (its first page, on a path the grant named).
      let { vm, path, page } = s;
      if (s.pick !== undefined && granted.length > 0) {
        const g = granted[s.pick % granted.length];
        vm = g.vmid;
        path = g.flags & 0x4 ? 'cpu' : 'dma';
        page = g.rgns[0].addr / PG;
      }
      const port = path === 'cpu' ? hv.cpu(vm) : hv.dma(vm);
      const e = oracle.running.get(vm) ? oracle.expected(vm, path).get(page) : undefined;
      const v = port.view((page * PG) as Ipa, PG, s.rw ? 'readwrite' : 'read');
      const ok = !!e && e.read && (!s.rw || e.write);
      assert.equal(!isFault(v), ok, `view ${JSON.stringify({ vm, path, page, rw: s.rw })}`);
      if (!isFault(v)) held.push({ view: v, vm, path, page, rw: s.rw, dead: false });
    }
    // Views die for good once their page loses the access they were made for.
    for (const h of held) {
      const e = oracle.running.get(h.vm) ? oracle.expected(h.vm, h.path).get(h.page) : undefined;
      if (!e || !e.read || (h.rw && !e.write) || e.paPage !== h.page) h.dead = true;
      const r = h.view.getU8(0);
      assert.equal(
        isFault(r),
        h.dead,
        `view of VM ${h.vm} ${h.path} page ${h.page.toString(16)}: dead=${h.dead}, got ${JSON.stringify(r)}`,
      );
      if (!h.dead && h.rw) assert.equal(h.view.setU8(1, 7), undefined);
    }
    assertRecordsSane(hv, oracle);
    assertTablesMatch(hv, oracle);
    assertAccessMatches(hv, oracle, SAMPLE);
  }
  // Invariant 2 once more after dropping everything: the tables are back to the configuration alone.
  for (const id of hv.vmIds())
    if (oracle.running.get(id)) {
      assert.equal(hv.stopVm(id), 0);
      oracle.stop(id);
    }
  assertTablesMatch(hv, oracle);
}

describe('grant/deny/verify against the naive oracle', () => {
  test('random sequences keep invariants 1, 2, 3, 4, 6 after every step', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(6, 1024),
        fc.array(step, { minLength: 5, maxLength: 40, size: 'max' }),
        (cap, steps) => runSteps(cap, steps),
      ),
      { numRuns: 50, seed: 0x5eed, endOnFailure: true },
    );
  });

  test('a granted page becomes reachable, data flows, and after deny nothing gets through', () => {
    const hv = bootTest();
    const rg = [{ addr: VM1_RAM + PG, size: PG }];
    assert.equal(hv.cpu(1).store32((VM1_RAM + PG) as Ipa, 0xcafe), undefined);
    assert.equal(hv.memGrant(1, 2, 0x3 | 0x8, 1, rg), 0);
    assert.equal(hv.dma(2).load32((VM1_RAM + PG) as Ipa), 0xcafe);
    assert.ok(isFault(hv.cpu(2).load32((VM1_RAM + PG) as Ipa)), 'DMA-only grant is not CPU-reachable');
    assert.equal(hv.memVerify(2, 1, 1, rg), 0);
    assert.equal(hv.memDeny(1, 2, 0x3 | 0x8, 1, rg), 0);
    const f = hv.dma(2).load32((VM1_RAM + PG) as Ipa);
    assert.deepEqual(f, {
      fault: true,
      kind: 'translation',
      level: 2,
      ipa: VM1_RAM + PG,
      access: 'read',
      vm: 2,
      path: 'dma',
    });
  });
});
