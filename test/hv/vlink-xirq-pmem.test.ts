/**
 * Vlink state words, cross-interrupts and the pmem pool of the hypervisor
 * model (semantics.md §5), on the scheduler's virtual clock.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { HvConfig, Ipa, Pa, TraceEvent } from '../../src/hv/index.js';
import {
  EINVAL,
  EPERM,
  ESRCH,
  Hypervisor,
  VLINK_OFF,
  VLINK_ON,
  VLINK_RESET,
  XIRQ_SYSCONF,
  isFault,
  validateConfig,
} from '../../src/hv/index.js';

const MiB = 1024 * 1024;
const PMEM = 0x8000_0000;

function config(extra: Partial<HvConfig> = {}): HvConfig {
  const vm = (id: number) => ({
    id,
    name: `vm${id}`,
    ram: [{ pa: (0x4000_0000 + id * MiB) as Pa, ipa: (0x4000_0000 + id * MiB) as Ipa, sizeBytes: MiB }],
    io: [],
    vmMemory: id === 2 ? [{ exporterId: 1 }] : [],
  });
  return {
    ramBanks: [{ pa: 0x4000_0000 as Pa, sizeBytes: 8 * MiB }],
    invalidRegions: [],
    pmem: { pa: PMEM as Pa, sizeBytes: 5 * 4096 },
    vms: [vm(1), vm(2), vm(3)],
    vlinks: [
      { name: 'net', link: 0, serverId: 1, clientId: 2, serverInfo: 's', clientInfo: 'c', critical: true },
      { name: 'net', link: 1, serverId: 3, clientId: 1, serverInfo: '', clientInfo: '', critical: false },
    ],
    persistentXirqs: 4,
    ...extra,
  };
}

function boot(extra: Partial<HvConfig> = {}): { hv: Hypervisor; events: TraceEvent[] } {
  const r = Hypervisor.boot(config(extra));
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  r.hv.sched.run(); // the boot's own SYSCONFs (each VM's start, heard by the others)
  const events: TraceEvent[] = [];
  r.hv.trace.subscribe((e) => events.push(e));
  return { hv: r.hv, events };
}

/** Records every delivery as "vm:xirq" in order. */
function listen(hv: Hypervisor, vms: number[], xirq = XIRQ_SYSCONF): string[] {
  const got: string[] = [];
  for (const vm of vms) assert.ok(hv.xirqAttach(vm, xirq, (x) => got.push(`${vm}:${x}`)) > 0);
  return got;
}

describe('vlink configuration', () => {
  test('validation refuses bad vlinks with codes', () => {
    const codes = validateConfig(
      config({
        vlinks: [
          {
            name: 'a-name-longer-than-15',
            link: 0,
            serverId: 1,
            clientId: 2,
            serverInfo: '',
            clientInfo: '',
            critical: false,
          },
          { name: 'x', link: 0, serverId: 1, clientId: 9, serverInfo: '', clientInfo: '', critical: false },
          { name: 'y', link: 0, serverId: 2, clientId: 2, serverInfo: '', clientInfo: '', critical: false },
          { name: 'z', link: 0, serverId: 1, clientId: 2, serverInfo: '', clientInfo: '', critical: false },
          { name: 'z', link: 0, serverId: 1, clientId: 2, serverInfo: '', clientInfo: '', critical: false },
        ],
      }),
    ).map((e) => e.code);
    assert.deepEqual(codes, ['hv/vlink-name', 'hv/vlink-vm', 'hv/vlink-self', 'hv/vlink-duplicate']);
  });

  test('a pmem pool overlapping a VM IPA layout is refused (pmem is mapped at IPA == PA)', () => {
    const errs = validateConfig(config({ pmem: { pa: 0x8000_0000_0000 as Pa, sizeBytes: 4096 } }));
    assert.ok(errs.some((e) => e.code === 'hv/pmem-out-of-range'));
  });
});

describe('vlink state words', () => {
  test('all ends are OFF at boot; each side writes only its own word', () => {
    const { hv } = boot();
    assert.deepEqual([hv.vlinks.word(0, 'server'), hv.vlinks.word(0, 'client')], [VLINK_OFF, VLINK_OFF]);
    assert.equal(hv.vlinkWrite(1, 0, VLINK_RESET), 0);
    assert.equal(hv.vlinkWrite(2, 0, VLINK_ON), 0);
    assert.deepEqual([hv.vlinks.word(0, 'server'), hv.vlinks.word(0, 'client')], [VLINK_RESET, VLINK_ON]);
    assert.equal(hv.vlinkWrite(3, 0, VLINK_ON), EPERM, 'VM3 is no end of link 0');
    assert.equal(hv.vlinkWrite(1, 0, 3), EINVAL);
    assert.equal(hv.vlinkWrite(1, 7, VLINK_ON), EINVAL);
    assert.equal(hv.vlinks.word(0, 'server'), VLINK_RESET, 'failed writes change nothing');
  });

  test('every change sends SYSCONF to the peer only; an unchanged write sends nothing', () => {
    const { hv } = boot();
    const got = listen(hv, [1, 2, 3]);
    hv.vlinkWrite(1, 0, VLINK_RESET);
    hv.vlinkWrite(1, 0, VLINK_RESET);
    hv.vlinkWrite(2, 0, VLINK_ON);
    hv.sched.run();
    assert.deepEqual(got, ['2:0', '1:0']);
  });

  test('a VM start or stop sends SYSCONF to every other running VM, not to itself; its ends go OFF', () => {
    const { hv, events } = boot();
    hv.vlinkWrite(1, 0, VLINK_ON);
    hv.vlinkWrite(1, 1, VLINK_RESET);
    hv.sched.run();
    const got = listen(hv, [1, 2, 3]);
    assert.equal(hv.lifecycle.stop(1), 0);
    hv.sched.run();
    // Two word changes (to VM2 and VM3) and the stop notice to both.
    assert.deepEqual(got.sort(), ['2:0', '2:0', '3:0', '3:0']);
    assert.deepEqual([hv.vlinks.word(0, 'server'), hv.vlinks.word(1, 'client')], [VLINK_OFF, VLINK_OFF]);
    const offs = events.filter((e) => e.kind === 'vlink' && e.by === 'hypervisor');
    assert.equal(offs.length, 2);
    got.length = 0;
    assert.equal(hv.lifecycle.start(1), 0);
    hv.sched.run();
    assert.deepEqual(got.sort(), ['2:0', '3:0']);
  });

  test('a stopping or stopped VM cannot write its word (-ESRCH) and gets no deliveries', () => {
    const { hv } = boot();
    hv.memGrant(1, 2, 0x7, 1, [{ addr: 0x4010_0000, size: 4096 }]);
    hv.vlinkWrite(2, 0, VLINK_ON); // the importer holds the critical link ON: the stop waits
    hv.lifecycle.stop(1);
    assert.equal(hv.state(1), 'STOPPING');
    assert.equal(hv.vlinkWrite(1, 0, VLINK_ON), ESRCH);
    assert.equal(hv.memGrant(1, 2, 0x7, 1, [{ addr: 0x4010_0000, size: 4096 }]), ESRCH);
    assert.equal(hv.pmemAlloc(1, 0, 0, 4096), ESRCH);
    assert.equal(hv.xirqTrigger(1, XIRQ_SYSCONF, 2), ESRCH);
    assert.equal(
      hv.xirqAttach(1, XIRQ_SYSCONF, () => {}),
      ESRCH,
    );
  });
});

describe('cross-interrupts', () => {
  test('persistent xirqs by label: same label same numbers, exhaustion 0, survive restarts', () => {
    const { hv } = boot();
    const a = hv.pxirqAlloc(1, 0, 0, 2);
    assert.equal(a, 32);
    assert.equal(hv.pxirqAlloc(2, 0, 0, 2), a, 'the peer asking second finds the same block');
    assert.equal(hv.pxirqAlloc(2, 0, 1, 2), 34);
    assert.equal(hv.pxirqAlloc(2, 1, 0, 1), 0, 'pool of 4 exhausted');
    hv.lifecycle.restart(1);
    hv.sched.run();
    assert.equal(hv.state(1), 'RUNNING');
    assert.equal(hv.pxirqAlloc(1, 0, 0, 2), a);
  });

  test('several handlers run in attach order; detach removes one', () => {
    const { hv } = boot();
    const x = hv.pxirqAlloc(1, 0, 0, 1);
    const got: string[] = [];
    const h1 = hv.xirqAttach(2, x, () => got.push('a'));
    hv.xirqAttach(2, x, () => got.push('b'));
    assert.equal(hv.xirqTrigger(1, x, 2), 0);
    hv.sched.run();
    assert.equal(hv.xirqDetach(2, h1), 0);
    assert.equal(hv.xirqDetach(2, h1), EINVAL);
    hv.xirqTrigger(1, x, 2);
    hv.sched.run();
    assert.deepEqual(got, ['a', 'b', 'b']);
    assert.equal(
      hv.xirqAttach(2, 99, () => {}),
      EINVAL,
      'not allocated',
    );
  });

  test('masked: deliveries coalesce into one pending, delivered at unmask', () => {
    const { hv, events } = boot();
    const x = hv.pxirqAlloc(1, 0, 0, 1);
    const got = listen(hv, [2], x);
    hv.xirqMask(2, x);
    hv.xirqTrigger(1, x, 2);
    hv.xirqTrigger(3, x, 2);
    hv.sched.run();
    assert.deepEqual(got, []);
    assert.equal(events.filter((e) => e.kind === 'xirq' && e.op === 'pending').length, 2);
    hv.xirqUnmask(2, x);
    hv.sched.run();
    assert.deepEqual(got, [`2:${x}`]);
  });

  test('deliveries to one VM keep trigger order', () => {
    const { hv } = boot();
    const x = hv.pxirqAlloc(1, 0, 0, 3);
    const got: number[] = [];
    for (let k = 0; k < 3; k++) hv.xirqAttach(2, x + k, (n) => got.push(n));
    hv.xirqAttach(2, XIRQ_SYSCONF, (n) => got.push(n));
    for (const n of [x + 2, x, XIRQ_SYSCONF, x + 1, x + 2]) hv.xirqTrigger(1, n, 2);
    hv.sched.run();
    assert.deepEqual(got, [x + 2, x, 0, x + 1, x + 2]);
  });

  test('a stopped VM receives nothing; its handlers are gone after restart', () => {
    const { hv, events } = boot();
    const x = hv.pxirqAlloc(1, 0, 0, 1);
    const got = listen(hv, [2], x);
    hv.xirqTrigger(1, x, 2); // queued...
    hv.lifecycle.stop(2); // ...and dropped with the stop
    hv.xirqTrigger(1, x, 2);
    hv.sched.run();
    assert.deepEqual(got, []);
    assert.ok(events.some((e) => e.kind === 'xirq' && e.op === 'drop' && e.vm === 2));
    hv.lifecycle.start(2);
    hv.xirqTrigger(1, x, 2);
    hv.sched.run();
    assert.deepEqual(got, [], 'handlers of the previous life do not come back');
  });
});

describe('pmem', () => {
  test('labelled, page-rounded, same label same block, exhaustion returns 0', () => {
    const { hv } = boot();
    const a = hv.pmemAlloc(1, 0, 0, 100);
    assert.equal(a, PMEM);
    assert.equal(hv.pmemAlloc(2, 0, 0, 100), a);
    assert.equal(hv.pmemAlloc(2, 0, 1, 4097), PMEM + 4096, 'the first block took one whole page');
    assert.equal(hv.pmemAlloc(1, 0, 2, 3 * 4096), 0, 'of 5 pages 1 + 2 are used: 3 do not fit');
    assert.equal(hv.pmemAlloc(1, 0, 3, 2 * 4096), PMEM + 3 * 4096);
    assert.equal(hv.pmemAlloc(1, 0, 4, 1), 0, 'exhausted');
    assert.equal(hv.pmemAlloc(1, 0, 0, 8192), 0, 'the existing block is smaller than asked');
  });

  test('mapping gives access at IPA == PA; unmapped or unallocated memory faults; contents survive restarts', () => {
    const { hv } = boot();
    const a = hv.pmemAlloc(1, 0, 0, 4096);
    assert.ok(isFault(hv.cpu(1).load32(a as Ipa)));
    assert.equal(hv.pmemMap(1, a, 4096), 0);
    assert.equal(hv.cpu(1).store32((a + 8) as Ipa, 0xfeed), undefined);
    assert.equal(hv.pmemMap(1, a + 4096, 4096), EPERM, 'not an allocated block');
    assert.equal(hv.pmemMap(1, a + 1, 4096), EINVAL);
    assert.equal(hv.pmemMap(2, a, 4096), 0);
    assert.equal(hv.cpu(2).load32((a + 8) as Ipa), 0xfeed);
    assert.equal(hv.pmemUnmap(2, a, 4096), 0);
    assert.ok(isFault(hv.cpu(2).load32((a + 8) as Ipa)));
    hv.lifecycle.restart(1);
    hv.sched.run();
    assert.equal(hv.state(1), 'RUNNING');
    assert.ok(isFault(hv.cpu(1).load32((a + 8) as Ipa)), 'a restarted VM starts without pmem mappings');
    assert.equal(hv.pmemAlloc(1, 0, 0, 4096), a, 'found again by label');
    assert.equal(hv.pmemMap(1, a, 4096), 0);
    assert.equal(hv.cpu(1).load32((a + 8) as Ipa), 0xfeed, 'contents intact');
  });
});
