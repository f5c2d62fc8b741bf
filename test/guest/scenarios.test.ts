/**
 * The restart scenarios of issue 5 with the reference vshm drivers on the
 * model: each asserts hypercall results, mappings, vlink words and the
 * trace, on the virtual clock (deterministic: exact times are asserted).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Hypervisor, Ipa, TraceEvent } from '../../src/hv/index.js';
import { ENOENT, isFault } from '../../src/hv/index.js';
import { BUF, EXP, EXP_RAM, IMP, bootPair, findEvent, guestLines } from './platform.js';
import type { Pair } from './platform.js';

const OFF = 0;
const ON = 2;

/** Invariant 4: no grant record involves a VM that is not RUNNING... except an exporter still waiting in STOPPING. */
function assertNoStaleGrants(hv: Hypervisor): void {
  for (const r of hv.grants.list()) {
    assert.equal(hv.state(r.importer), 'RUNNING', `record to VM ${r.importer} survived its stop`);
    assert.ok(hv.state(r.exporter) === 'RUNNING' || hv.lifecycle.waitingExporters.includes(r.exporter));
  }
}

/** Pages of [pa, pa + size) mapped in the VM's stage 2 (from the tables themselves, not through a walk cache). */
function mappedPages(hv: Hypervisor, vm: number, pa: number, size: number): number {
  const first = pa / 4096;
  const end = first + size / 4096;
  let n = 0;
  for (const r of hv.stage2(vm).leaves(false))
    n += Math.max(0, Math.min(end, r.ipaPage + r.pageCount) - Math.max(first, r.ipaPage));
  return n;
}

function up(p: Pair): void {
  assert.ok(
    p.hv.sched.runUntil(
      () => p.host.instance(EXP) !== undefined && p.exporter().shared && p.importer().uses >= 1,
      1000,
    ),
  );
  assert.deepEqual(p.words(), [ON, ON]);
  assert.equal(p.hv.grants.recordsInUse(EXP), 16);
  assert.equal(mappedPages(p.hv, IMP, BUF, 0x10000), 16);
  assertNoStaleGrants(p.hv);
}

function reconnected(p: Pair): void {
  assert.ok(
    p.hv.sched.runUntil(
      () =>
        p.hv.state(EXP) === 'RUNNING' &&
        p.hv.state(IMP) === 'RUNNING' &&
        p.host.instance(EXP) !== undefined &&
        p.host.instance(IMP) !== undefined &&
        p.exporter().shared &&
        p.importer().lastRead === 0x56534800 + p.exporter().lives,
      1000,
    ),
    'the link reconnects and the importer reads the new buffer',
  );
  assert.deepEqual(p.words(), [ON, ON]);
  assert.equal(p.hv.grants.recordsInUse(EXP), 16);
  assert.equal(typeof p.hv.cpu(IMP).load32(BUF as Ipa), 'number');
  assertNoStaleGrants(p.hv);
}

function hypercalls(events: readonly TraceEvent[], from: number, op: string, caller: number): number[] {
  return events
    .slice(from)
    .flatMap((e) => (e.kind === 'hypercall' && e.op === op && e.caller === caller ? [e.result] : []));
}

function lifecycle(events: readonly TraceEvent[], from: number, step: string) {
  return events
    .slice(from)
    .filter(
      (e): e is Extract<TraceEvent, { kind: 'lifecycle' }> => e.kind === 'lifecycle' && e.step === step,
    );
}

describe('vshm scenarios', () => {
  test('first connection: grant, GRANT message, verify, map, use', () => {
    const p = bootPair();
    up(p);
    assert.deepEqual(hypercalls(p.events, 0, 'grant', EXP), [0]);
    assert.deepEqual(hypercalls(p.events, 0, 'verify', IMP), [0]);
    const lines = guestLines(p.events, EXP);
    assert.ok(
      lines.includes('vshm exporter: GRANT(0x400f0000, 0x10000, RW|CPU) answered 0'),
      lines.join('\n'),
    );
    assert.equal(p.hv.cpu(IMP).load32(BUF as Ipa), 0x56534801);
  });

  test('importer restart: its mappings go at once, the exporter cleans up, the link reconnects', () => {
    const p = bootPair();
    up(p);
    const old = p.importer().mapping;
    assert.ok(old);
    const mark = p.events.length;
    assert.equal(p.hv.lifecycle.restart(IMP), 0);
    // The importer's stop dropped every record to it before anything else ran: nothing to wait for.
    assert.equal(p.hv.grants.list().length, 0);
    assert.equal(mappedPages(p.hv, IMP, BUF, 0x10000), 0);
    assert.equal(p.hv.state(IMP), 'RUNNING');
    assert.equal(lifecycle(p.events, mark, 'wait').length, 0);
    const f = old.load32(0);
    assert.ok(isFault(f) && f.kind === 'translation', 'the old mapping faults');
    reconnected(p);
    // The exporter's STOP found its grants already gone.
    assert.deepEqual(hypercalls(p.events, mark, 'deny', EXP), [ENOENT]);
    assert.deepEqual(hypercalls(p.events, mark, 'grant', EXP), [0]);
    assert.deepEqual(hypercalls(p.events, mark, 'verify', IMP), [0]);
  });

  test('exporter restart, well-behaved importer: revocation strictly after its critical vlink end is OFF', () => {
    const p = bootPair({ importer: { workMs: 4, periodMs: 6 } });
    up(p);
    assert.ok(
      p.hv.sched.runUntil(() => p.importer().driver.links[0].users > 0, 100),
      'a use is in progress',
    );
    const t0 = p.hv.sched.now;
    const mark = p.events.length;
    assert.equal(p.hv.lifecycle.restart(EXP), 0);
    assert.equal(p.hv.state(EXP), 'STOPPING');
    assert.deepEqual(p.words(), [OFF, ON]);
    const wait = lifecycle(p.events, mark, 'wait');
    assert.deepEqual(
      wait.map((e) => [e.importer, e.vlinks]),
      [[IMP, [{ name: 'vshm', link: 0, word: ON }]]],
    );
    // While the importer drains, its grants stay and the stopping exporter can do nothing.
    assert.equal(p.hv.grants.recordsInUse(EXP), 16);
    assert.equal(typeof p.hv.cpu(IMP).load32(BUF as Ipa), 'number');
    assert.equal(p.hv.memGrant(EXP, IMP, 7, 1, [{ addr: BUF, size: 4096 }]), -3);
    assert.equal(mappedPages(p.hv, IMP, BUF, 0x10000), 16, 'still mapped while the importer drains');
    assert.ok(p.hv.sched.runUntil(() => p.hv.state(EXP) === 'RUNNING', 200));
    const off = findEvent(p.events, (e) => e.kind === 'vlink' && e.vm === IMP && e.to === OFF, mark);
    const unmap = findEvent(
      p.events,
      (e) => e.kind === 'guest' && e.vm === IMP && e.msg.startsWith('vshm importer: unmap'),
      mark,
    );
    const rev = findEvent(
      p.events,
      (e) => e.kind === 'lifecycle' && e.step === 'revoke' && e.importer === IMP,
      mark,
    );
    const released = findEvent(
      p.events,
      (e) => e.kind === 'lifecycle' && e.step === 'released' && e.vm === EXP,
      mark,
    );
    assert.ok(
      unmap > mark && off > unmap && rev > off && released > rev,
      `${unmap} < ${off} < ${rev} < ${released}`,
    );
    assert.equal(lifecycle(p.events, mark, 'forced-revoke').length, 0);
    const revEv = p.events[rev] as Extract<TraceEvent, { kind: 'lifecycle' }>;
    assert.ok(revEv.now - t0 < 100 && revEv.now - t0 > 0, `revoked after ${revEv.now - t0} ms`);
    reconnected(p);
    assert.equal(p.exporter().lives, 2);
  });

  test('exporter restart, importer that never lets go: forced revocation at the timeout, later accesses fault', () => {
    const p = bootPair({ importer: { holdForever: true } });
    up(p);
    const t0 = p.hv.sched.now;
    const mark = p.events.length;
    p.hv.lifecycle.restart(EXP);
    assert.ok(p.hv.sched.runUntil(() => p.hv.state(EXP) === 'RUNNING', 500));
    const forced = lifecycle(p.events, mark, 'forced-revoke');
    assert.equal(forced.length, 1);
    assert.equal(forced[0].now, t0 + 100, 'exactly at the timeout');
    assert.equal(forced[0].importer, IMP);
    assert.deepEqual(forced[0].vlinks, [{ name: 'vshm', link: 0, word: ON }]);
    assert.match(forced[0].detail ?? '', /"vshm" link 0 not OFF/);
    assert.equal(lifecycle(p.events, mark, 'revoke').length, 0);
    assert.equal(p.hv.grants.list().length, 0);
    assert.equal(mappedPages(p.hv, IMP, BUF, 0x10000), 0, 'unmapped from the importer stage 2');
    const f = p.hv.cpu(IMP).load32(BUF as Ipa);
    assert.ok(isFault(f) && f.kind === 'translation', 'the importer faults on the revoked buffer');
    const g = p.importer().mapping?.store32(8, 1);
    assert.ok(g && isFault(g));
    // The importer is stuck ABORTED (ON); the new exporter waits in STOPPED (OFF): no reconnection.
    p.hv.sched.advance(50);
    assert.deepEqual(p.words(), [OFF, ON]);
    assert.equal(p.importer().driver.links[0].state, 'ABORTED');
    assert.equal(p.exporter().driver.links[0].state, 'STOPPED');
  });

  for (const order of [
    [EXP, IMP],
    [IMP, EXP],
  ])
    test(`both restart at once (VM${order[0]} first)`, () => {
      const p = bootPair();
      up(p);
      const mark = p.events.length;
      for (const id of order) assert.equal(p.hv.lifecycle.restart(id), 0);
      assert.equal(p.hv.grants.list().length, 0, 'the importer stop dropped every record');
      assert.equal(lifecycle(p.events, mark, 'forced-revoke').length, 0);
      reconnected(p);
      assert.equal(p.exporter().lives, 2);
      assert.equal(p.host.boots.get(IMP), 2);
    });

  test('importer restart in the middle of a multi-page grant', () => {
    const p = bootPair({ exporter: { chunkPages: 4, chunkDelayMs: 1 } });
    assert.ok(p.hv.sched.runUntil(() => hypercalls(p.events, 0, 'grant', EXP).length === 2, 100));
    assert.equal(p.hv.grants.recordsInUse(EXP), 8);
    const mark = p.events.length;
    p.hv.lifecycle.restart(IMP);
    assert.equal(p.hv.grants.recordsInUse(EXP), 0);
    reconnected(p);
    assert.ok(guestLines(p.events, EXP).includes('vshm exporter: share interrupted after 2/4 grant calls'));
    // The two granted chunks were denied (already gone: -ENOENT), then the whole buffer granted again in 4 calls.
    assert.deepEqual(hypercalls(p.events, mark, 'deny', EXP), [ENOENT, ENOENT]);
    assert.deepEqual(hypercalls(p.events, mark, 'grant', EXP), [0, 0, 0, 0]);
    assert.deepEqual(hypercalls(p.events, mark, 'verify', IMP), [0]);
  });

  test('exporter restart in the middle of a multi-page grant', () => {
    const p = bootPair({ exporter: { chunkPages: 4, chunkDelayMs: 1 } });
    assert.ok(p.hv.sched.runUntil(() => hypercalls(p.events, 0, 'grant', EXP).length === 2, 100));
    const mark = p.events.length;
    p.hv.lifecycle.restart(EXP);
    // The importer was never told about the buffer; its link drains at once and the revocation is not forced.
    reconnected(p);
    assert.equal(lifecycle(p.events, mark, 'forced-revoke').length, 0);
    assert.equal(lifecycle(p.events, mark, 'revoke').length, 1);
    assert.deepEqual(hypercalls(p.events, mark, 'grant', EXP), [0, 0, 0, 0]);
  });

  test('importer crash during an RPC call: -EAGAIN, then reconnect', () => {
    const p = bootPair({ importer: { replyDelayMs: 5 } });
    assert.ok(
      p.hv.sched.runUntil(
        () => guestLines(p.events, EXP).some((l) => l.startsWith('vshm exporter: rpc call GRANT')),
        100,
      ),
    );
    p.hv.sched.advance(2);
    const mark = p.events.length;
    assert.equal(p.hv.lifecycle.crash(IMP, true), 0);
    assert.equal(lifecycle(p.events, mark, 'crash').length, 1);
    reconnected(p);
    const answers = guestLines(p.events, EXP).filter((l) => l.includes('answered'));
    assert.deepEqual(answers, [
      'vshm exporter: GRANT(0x400f0000, 0x10000, RW|CPU) answered -11 (EAGAIN)',
      'vshm exporter: GRANT(0x400f0000, 0x10000, RW|CPU) answered 0',
    ]);
  });

  test('pmem blocks and persistent xirqs are found again by label after a restart, contents intact; RAM is zeroed', () => {
    const p = bootPair();
    up(p);
    const rpcPa = p.exporter().rpc?.blockPa;
    const xirq = p.exporter().rpc?.xirqBase;
    assert.equal(p.exporter().lives, 1);
    assert.equal(p.hv.cpu(EXP).store32(EXP_RAM as Ipa, 0x1234), undefined);
    const mark = p.events.length;
    p.hv.lifecycle.restart(EXP);
    reconnected(p);
    assert.equal(p.exporter().rpc?.blockPa, rpcPa);
    assert.equal(p.exporter().rpc?.xirqBase, xirq);
    assert.equal(p.exporter().lives, 2, 'the life counter in pmem survived');
    const allocs = p.events.slice(mark).filter((e) => e.kind === 'pmem' && e.op === 'alloc' && e.vm === EXP);
    assert.ok(allocs.length >= 2 && allocs.every((e) => e.kind === 'pmem' && e.found));
    assert.equal(p.hv.cpu(EXP).load32(EXP_RAM as Ipa), 0, 'the restarted VM starts with zeroed RAM');
    assert.equal(lifecycle(p.events, mark, 'scrub').length, 1);
  });

  test('a stop the guest asks for (shutdown with restart) runs the same coordinated revocation', () => {
    const p = bootPair();
    up(p);
    const mark = p.events.length;
    const ddi = p.host.ddi(EXP);
    assert.ok(ddi);
    assert.equal(ddi.shutdown(true), 0);
    assert.equal(p.hv.state(EXP), 'STOPPING');
    assert.equal(ddi.shutdown(true), -3, 'a stopping VM executes nothing');
    assert.equal(lifecycle(p.events, mark, 'stop').length, 1);
    assert.equal(lifecycle(p.events, mark, 'crash').length, 0);
    reconnected(p);
    assert.equal(lifecycle(p.events, mark, 'revoke').length, 1);
  });

  test('a Ddi of a previous life is dead (-ESRCH) even when the VM runs again', () => {
    const p = bootPair();
    up(p);
    const old = p.host.ddi(EXP);
    assert.ok(old);
    p.hv.lifecycle.restart(IMP);
    p.hv.lifecycle.restart(EXP);
    reconnected(p);
    assert.equal(old.alive, false);
    assert.equal(old.grant(IMP, 7, [{ addr: BUF, size: 4096 }]), -3);
    assert.equal(old.pmemAlloc([...old.vlinks('vshm')][0], 5, 4096), -3);
  });
});
