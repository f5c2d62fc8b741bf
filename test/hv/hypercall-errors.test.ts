/**
 * Every bad argument of every hypercall: the documented code (semantics.md
 * §4, checks in the order call → pair → regions → state) and no state
 * change (snapshot of records, VM states and every table before == after).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Hypervisor, MemMap } from '../../src/hv/index.js';
import {
  E2BIG,
  EINVAL,
  ENOENT,
  ENOMEM,
  EOPNOTSUPP,
  EPERM,
  ERRNO_NAMES,
  ESRCH,
  VM_MEM_CPU,
  VM_MEM_DMA,
  VM_MEM_READ,
  VM_MEM_WRITE,
} from '../../src/hv/index.js';
import { SHARED, VM1_RAM, VM1_RAM_SIZE, VM2_RAM, bootTest } from './platform.js';

const R = VM_MEM_READ | VM_MEM_CPU;
const RW = VM_MEM_READ | VM_MEM_WRITE | VM_MEM_CPU;
const PG = 4096;
const one = (addr: number | bigint, size: number | bigint = PG): MemMap[] => [{ addr, size }];
const many = (n: number): MemMap[] =>
  Array.from({ length: n }, (_, i) => ({ addr: VM1_RAM + i * PG, size: PG }));
const TWO64 = 1n << 64n;

interface Row {
  name: string;
  want: number;
  setup?: (hv: Hypervisor) => void;
  limits?: { grantRecordsPerExporter?: number; regionsPerCall?: number };
  call: (hv: Hypervisor) => number;
}

const grantRows: Row[] = [
  { name: 'unknown flag bit 0x10', want: EINVAL, call: (hv) => hv.memGrant(1, 2, R | 0x10, 1, one(VM1_RAM)) },
  {
    name: 'flags without READ or WRITE',
    want: EINVAL,
    call: (hv) => hv.memGrant(1, 2, VM_MEM_CPU, 1, one(VM1_RAM)),
  },
  {
    name: 'flags without CPU or DMA',
    want: EINVAL,
    call: (hv) => hv.memGrant(1, 2, VM_MEM_READ, 1, one(VM1_RAM)),
  },
  { name: 'flags 0', want: EINVAL, call: (hv) => hv.memGrant(1, 2, 0, 1, one(VM1_RAM)) },
  { name: 'count 0', want: EINVAL, call: (hv) => hv.memGrant(1, 2, R, 0, []) },
  {
    name: 'count over the per-call limit (65 > 64)',
    want: E2BIG,
    call: (hv) => hv.memGrant(1, 2, R, 65, many(65)),
  },
  {
    name: 'bad flags are reported before E2BIG (step 1 before 2)',
    want: EINVAL,
    call: (hv) => hv.memGrant(1, 2, 0x20, 65, many(65)),
  },
  {
    name: 'configured lower region limit',
    want: E2BIG,
    limits: { regionsPerCall: 2 },
    call: (hv) => hv.memGrant(1, 2, R, 3, many(3)),
  },
  { name: 'unknown importer', want: ESRCH, call: (hv) => hv.memGrant(1, 9, R, 1, one(VM1_RAM)) },
  { name: 'importer 0 (the hypervisor)', want: ESRCH, call: (hv) => hv.memGrant(1, 0, R, 1, one(VM1_RAM)) },
  { name: 'importer is the caller', want: ESRCH, call: (hv) => hv.memGrant(1, 1, R, 1, one(VM1_RAM)) },
  {
    name: 'importer stopped (OFF)',
    want: ESRCH,
    setup: (hv) => hv.stopVm(2),
    call: (hv) => hv.memGrant(1, 2, R, 1, one(VM1_RAM)),
  },
  {
    name: 'importer STOPPING',
    want: ESRCH,
    setup: (hv) => hv.beginStop(2),
    call: (hv) => hv.memGrant(1, 2, R, 1, one(VM1_RAM)),
  },
  {
    name: 'caller (exporter) stopped executes nothing',
    want: ESRCH,
    setup: (hv) => hv.stopVm(1),
    call: (hv) => hv.memGrant(1, 2, R, 1, one(VM1_RAM)),
  },
  {
    name: 'caller ESRCH comes before bad flags',
    want: ESRCH,
    setup: (hv) => hv.stopVm(1),
    call: (hv) => hv.memGrant(1, 2, 0, 0, []),
  },
  {
    name: 'importer has no vm-memory window for the exporter',
    want: EPERM,
    call: (hv) => hv.memGrant(1, 5, R, 1, one(VM1_RAM)),
  },
  {
    name: 'no window is reported before a misaligned region (step 4 before 6)',
    want: EPERM,
    call: (hv) => hv.memGrant(1, 5, R, 1, one(VM1_RAM + 1)),
  },
  {
    name: 'importer RAM not identity mapped',
    want: EOPNOTSUPP,
    call: (hv) => hv.memGrant(1, 4, R, 1, one(VM1_RAM)),
  },
  {
    name: 'exporter RAM not identity mapped',
    want: EOPNOTSUPP,
    call: (hv) => hv.memGrant(4, 1, R, 1, one(0x5800_0000)),
  },
  {
    name: 'identity failure before region checks (step 5 before 6)',
    want: EOPNOTSUPP,
    call: (hv) => hv.memGrant(1, 4, R, 1, one(VM1_RAM, 0)),
  },
  { name: 'misaligned address', want: EINVAL, call: (hv) => hv.memGrant(1, 2, R, 1, one(VM1_RAM + 0x800)) },
  { name: 'misaligned size', want: EINVAL, call: (hv) => hv.memGrant(1, 2, R, 1, one(VM1_RAM, 0x1800)) },
  { name: 'zero size', want: EINVAL, call: (hv) => hv.memGrant(1, 2, R, 1, one(VM1_RAM, 0)) },
  { name: 'wraps past 2^64', want: EINVAL, call: (hv) => hv.memGrant(1, 2, R, 1, one(TWO64 - 4096n, 8192n)) },
  {
    name: 'ends exactly at 2^64: no wrap, but not RAM',
    want: EPERM,
    call: (hv) => hv.memGrant(1, 2, R, 1, one(TWO64 - 4096n, 4096n)),
  },
  { name: 'address is not a 64-bit value', want: EINVAL, call: (hv) => hv.memGrant(1, 2, R, 1, one(-4096)) },
  { name: 'address is not an integer', want: EINVAL, call: (hv) => hv.memGrant(1, 2, R, 1, one(4096.5)) },
  {
    name: 'fewer regions than count (unreadable argument buffer)',
    want: EINVAL,
    call: (hv) => hv.memGrant(1, 2, R, 2, one(VM1_RAM)),
  },
  {
    name: 'two regions overlapping',
    want: EINVAL,
    call: (hv) =>
      hv.memGrant(1, 2, R, 2, [
        { addr: VM1_RAM, size: 2 * PG },
        { addr: VM1_RAM + PG, size: PG },
      ]),
  },
  {
    name: 'overlap is a region check: reported before not-RAM (step 6 before 7)',
    want: EINVAL,
    call: (hv) =>
      hv.memGrant(1, 2, R, 2, [
        { addr: VM2_RAM, size: 2 * PG },
        { addr: VM2_RAM, size: PG },
      ]),
  },
  { name: "another VM's RAM", want: EPERM, call: (hv) => hv.memGrant(1, 2, R, 1, one(VM2_RAM)) },
  {
    name: 'its own io-memory (static shared region)',
    want: EPERM,
    call: (hv) => hv.memGrant(1, 2, R, 1, one(SHARED)),
  },
  { name: 'device window', want: EPERM, call: (hv) => hv.memGrant(1, 2, R, 1, one(0x0900_0000)) },
  {
    name: 'runs past the end of its RAM',
    want: EPERM,
    call: (hv) => hv.memGrant(1, 2, R, 1, one(VM1_RAM + VM1_RAM_SIZE - PG, 2 * PG)),
  },
  {
    name: 'all-or-nothing: the third region is not RAM',
    want: EPERM,
    call: (hv) =>
      hv.memGrant(1, 2, R, 3, [
        { addr: VM1_RAM, size: PG },
        { addr: VM1_RAM + 2 * PG, size: PG },
        { addr: VM2_RAM, size: PG },
      ]),
  },
  {
    name: 're-grant of memory granted in (VM2 passes on a page VM1 gave it)',
    want: EPERM,
    setup: (hv) => assert.equal(hv.memGrant(1, 2, RW, 1, one(VM1_RAM)), 0),
    call: (hv) => hv.memGrant(2, 3, R, 1, one(VM1_RAM)),
  },
  {
    name: 'grant table full (capacity 2, a third record)',
    want: ENOMEM,
    limits: { grantRecordsPerExporter: 2 },
    setup: (hv) => assert.equal(hv.memGrant(1, 2, R, 1, one(VM1_RAM, 2 * PG)), 0),
    call: (hv) => hv.memGrant(1, 2, R, 1, one(VM1_RAM + 2 * PG)),
  },
  {
    name: 'grant table full: a new flags value for a granted page is a new record',
    want: ENOMEM,
    limits: { grantRecordsPerExporter: 2 },
    setup: (hv) => assert.equal(hv.memGrant(1, 2, R, 1, one(VM1_RAM, 2 * PG)), 0),
    call: (hv) => hv.memGrant(1, 2, RW, 1, one(VM1_RAM)),
  },
  {
    name: 'grant table nearly full: a call that needs more slots than are left adds nothing',
    want: ENOMEM,
    limits: { grantRecordsPerExporter: 3 },
    setup: (hv) => assert.equal(hv.memGrant(1, 2, R, 1, one(VM1_RAM, 2 * PG)), 0),
    call: (hv) => hv.memGrant(1, 2, R, 1, one(VM1_RAM, 4 * PG)),
  },
];

const denyRows: Row[] = [
  { name: 'unknown flag bit', want: EINVAL, call: (hv) => hv.memDeny(1, 2, R | 0x100, 1, one(VM1_RAM)) },
  {
    name: 'flags without CPU or DMA',
    want: EINVAL,
    call: (hv) => hv.memDeny(1, 2, VM_MEM_WRITE, 1, one(VM1_RAM)),
  },
  { name: 'count 0', want: EINVAL, call: (hv) => hv.memDeny(1, 2, R, 0, []) },
  { name: 'count over the limit', want: E2BIG, call: (hv) => hv.memDeny(1, 2, R, 65, many(65)) },
  { name: 'unknown importer', want: ESRCH, call: (hv) => hv.memDeny(1, 31, R, 1, one(VM1_RAM)) },
  { name: 'importer is the caller', want: ESRCH, call: (hv) => hv.memDeny(1, 1, R, 1, one(VM1_RAM)) },
  {
    name: 'importer OFF',
    want: ESRCH,
    setup: (hv) => hv.stopVm(3),
    call: (hv) => hv.memDeny(1, 3, R, 1, one(VM1_RAM)),
  },
  { name: 'no window', want: EPERM, call: (hv) => hv.memDeny(1, 5, R, 1, one(VM1_RAM)) },
  { name: 'non-identity importer', want: EOPNOTSUPP, call: (hv) => hv.memDeny(1, 4, R, 1, one(VM1_RAM)) },
  { name: 'misaligned', want: EINVAL, call: (hv) => hv.memDeny(1, 2, R, 1, one(VM1_RAM + 4)) },
  { name: 'wrapping', want: EINVAL, call: (hv) => hv.memDeny(1, 2, R, 1, one(TWO64 - 4096n, TWO64 - 4096n)) },
  { name: 'not the exporter RAM', want: EPERM, call: (hv) => hv.memDeny(1, 2, R, 1, one(VM2_RAM)) },
  { name: 'nothing granted', want: ENOENT, call: (hv) => hv.memDeny(1, 2, R, 1, one(VM1_RAM)) },
  {
    name: 'granted with other flags',
    want: ENOENT,
    setup: (hv) => assert.equal(hv.memGrant(1, 2, R, 1, one(VM1_RAM)), 0),
    call: (hv) => hv.memDeny(1, 2, RW, 1, one(VM1_RAM)),
  },
  {
    name: 'granted to another importer',
    want: ENOENT,
    setup: (hv) => assert.equal(hv.memGrant(1, 2, R, 1, one(VM1_RAM)), 0),
    call: (hv) => hv.memDeny(1, 3, R, 1, one(VM1_RAM)),
  },
  {
    name: 'partly granted: all-or-nothing, the granted page stays',
    want: ENOENT,
    setup: (hv) => assert.equal(hv.memGrant(1, 2, R, 1, one(VM1_RAM)), 0),
    call: (hv) => hv.memDeny(1, 2, R, 1, one(VM1_RAM, 2 * PG)),
  },
  {
    name: 'granted twice, denied twice, a third deny fails',
    want: ENOENT,
    setup: (hv) => {
      for (let i = 0; i < 2; i++) assert.equal(hv.memGrant(1, 2, R, 1, one(VM1_RAM)), 0);
      for (let i = 0; i < 2; i++) assert.equal(hv.memDeny(1, 2, R, 1, one(VM1_RAM)), 0);
    },
    call: (hv) => hv.memDeny(1, 2, R, 1, one(VM1_RAM)),
  },
];

const verifyRows: Row[] = [
  { name: 'count 0', want: EINVAL, call: (hv) => hv.memVerify(2, 1, 0, []) },
  { name: 'count over the limit', want: E2BIG, call: (hv) => hv.memVerify(2, 1, 65, many(65)) },
  { name: 'unknown exporter', want: ESRCH, call: (hv) => hv.memVerify(2, 7, 1, one(VM1_RAM)) },
  { name: 'exporter is the caller', want: ESRCH, call: (hv) => hv.memVerify(2, 2, 1, one(VM1_RAM)) },
  {
    name: 'exporter OFF',
    want: ESRCH,
    setup: (hv) => hv.stopVm(1),
    call: (hv) => hv.memVerify(2, 1, 1, one(VM1_RAM)),
  },
  {
    name: 'caller OFF',
    want: ESRCH,
    setup: (hv) => hv.stopVm(2),
    call: (hv) => hv.memVerify(2, 1, 1, one(VM1_RAM)),
  },
  {
    name: 'caller has no window for the exporter',
    want: EPERM,
    call: (hv) => hv.memVerify(5, 1, 1, one(VM1_RAM)),
  },
  {
    name: 'caller RAM not identity mapped',
    want: EOPNOTSUPP,
    call: (hv) => hv.memVerify(4, 1, 1, one(VM1_RAM)),
  },
  { name: 'misaligned size', want: EINVAL, call: (hv) => hv.memVerify(2, 1, 1, one(VM1_RAM, 100)) },
  {
    name: 'overlapping regions',
    want: EINVAL,
    call: (hv) => hv.memVerify(2, 1, 2, [...one(VM1_RAM), ...one(VM1_RAM)]),
  },
  { name: 'not the exporter RAM', want: EPERM, call: (hv) => hv.memVerify(2, 1, 1, one(VM2_RAM)) },
  { name: 'not granted', want: ENOENT, call: (hv) => hv.memVerify(2, 1, 1, one(VM1_RAM)) },
  {
    name: 'granted to another importer',
    want: ENOENT,
    setup: (hv) => assert.equal(hv.memGrant(1, 3, R, 1, one(VM1_RAM)), 0),
    call: (hv) => hv.memVerify(2, 1, 1, one(VM1_RAM)),
  },
  {
    name: 'partly granted',
    want: ENOENT,
    setup: (hv) => assert.equal(hv.memGrant(1, 2, R, 1, one(VM1_RAM)), 0),
    call: (hv) => hv.memVerify(2, 1, 2, [...one(VM1_RAM), ...one(VM1_RAM + PG)]),
  },
  {
    name: 'success changes nothing either (any flags count)',
    want: 0,
    setup: (hv) => assert.equal(hv.memGrant(1, 2, VM_MEM_WRITE | VM_MEM_DMA, 1, one(VM1_RAM)), 0),
    call: (hv) => hv.memVerify(2, 1, 1, one(VM1_RAM)),
  },
];

function run(rows: Row[]): void {
  for (const row of rows)
    test(`${row.name} → ${ERRNO_NAMES[row.want]}`, () => {
      const hv = bootTest(row.limits ?? {});
      row.setup?.(hv);
      const before = hv.snapshot();
      const clock = hv.trace.clock;
      const rc = row.call(hv);
      assert.equal(ERRNO_NAMES[rc] ?? rc, ERRNO_NAMES[row.want]);
      assert.deepEqual(hv.snapshot(), before, 'a failed (or verify) call changed state');
      const last = hv.trace.events().at(-1);
      assert.ok(
        last && last.kind === 'hypercall' && last.result === rc && last.t === clock + 1,
        'the call is traced once, with its result',
      );
    });
}

describe('grant: bad arguments', () => run(grantRows));
describe('deny: bad arguments', () => run(denyRows));
describe('verify: bad arguments', () => run(verifyRows));

describe('grant table capacity', () => {
  test('a repeat of a live record takes no slot and succeeds with the table full', () => {
    const hv = bootTest({ grantRecordsPerExporter: 2 });
    assert.equal(hv.memGrant(1, 2, R, 1, one(VM1_RAM, 2 * PG)), 0);
    assert.equal(hv.memGrant(1, 2, R, 1, one(VM1_RAM, 2 * PG)), 0);
    assert.equal(hv.grants.recordsInUse(1), 2);
    assert.deepEqual(
      hv.grants.list().map((r) => r.refs),
      [2, 2],
    );
    // Two denies are needed; after the first the page is still mapped.
    assert.equal(hv.memDeny(1, 2, R, 1, one(VM1_RAM)), 0);
    assert.equal(typeof hv.cpu(2).load32(VM1_RAM as never), 'number');
    assert.equal(hv.memDeny(1, 2, R, 1, one(VM1_RAM)), 0);
    assert.equal(hv.grants.recordsInUse(1), 1);
    assert.equal(hv.memGrant(1, 2, R, 1, one(VM1_RAM + 2 * PG)), 0, 'the freed slot is reusable');
  });

  test('a DMA-only record and a CPU-only record are separate records', () => {
    const hv = bootTest({ grantRecordsPerExporter: 1 });
    assert.equal(hv.memGrant(1, 2, VM_MEM_READ | VM_MEM_DMA, 1, one(VM1_RAM)), 0);
    assert.equal(hv.memGrant(1, 2, VM_MEM_READ | VM_MEM_CPU, 1, one(VM1_RAM)), ENOMEM);
  });
});
