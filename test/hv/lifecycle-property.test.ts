/**
 * Random lifecycles against the contract's invariants 4 and 5 (semantics.md
 * §7): grants, denies, vlink words, stops, crashes, restarts, starts and the
 * passing of virtual time, from random VMs, in random order. After every
 * step:
 *  - invariant 4: no grant record names a VM that is OFF, or an importer that
 *    is stopping;
 *  - a stopping exporter holds records for an importer only while one of the
 *    critical vlinks between them shows that importer's end not OFF and the
 *    timeout has not run out;
 *  - invariant 5 on the trace: every non-forced revocation happened when all
 *    those critical ends were OFF, every forced one at the timeout;
 *  - a record's importer can reach its page, no other VM can (invariant 1,
 *    for granted pages).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { HvConfig, Ipa, Pa, TraceEvent } from '../../src/hv/index.js';
import { Hypervisor, isFault } from '../../src/hv/index.js';

const MiB = 1024 * 1024;
const RAM = (id: number) => 0x4000_0000 + id * MiB;
const VMS = [1, 2, 3, 4];
const TIMEOUT = 50;

function boot(): { hv: Hypervisor; events: TraceEvent[] } {
  const cfg: HvConfig = {
    ramBanks: [{ pa: 0x4000_0000 as Pa, sizeBytes: 8 * MiB }],
    invalidRegions: [],
    // Every VM imports from every other: any pair can grant.
    vms: VMS.map((id) => ({
      id,
      name: `vm${id}`,
      ram: [{ pa: RAM(id) as Pa, ipa: RAM(id) as Ipa, sizeBytes: MiB }],
      io: [],
      vmMemory: VMS.filter((e) => e !== id).map((exporterId) => ({ exporterId })),
    })),
    vlinks: [
      { name: 'a', link: 0, serverId: 1, clientId: 2, serverInfo: '', clientInfo: '', critical: true },
      { name: 'b', link: 0, serverId: 1, clientId: 3, serverInfo: '', clientInfo: '', critical: true },
      { name: 'b', link: 1, serverId: 3, clientId: 1, serverInfo: '', clientInfo: '', critical: true },
      { name: 'c', link: 0, serverId: 2, clientId: 4, serverInfo: '', clientInfo: '', critical: false },
      { name: 'd', link: 0, serverId: 4, clientId: 2, serverInfo: '', clientInfo: '', critical: true },
    ],
    revocationTimeoutMs: TIMEOUT,
  };
  const r = Hypervisor.boot(cfg);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  const events: TraceEvent[] = [];
  r.hv.trace.subscribe((e) => events.push(e));
  return { hv: r.hv, events };
}

type Op =
  | { op: 'grant' | 'deny'; from: number; to: number; page: number; flags: number }
  | { op: 'word'; vm: number; handle: number; word: number }
  | { op: 'stop' | 'crash'; vm: number; restart: boolean }
  | { op: 'start'; vm: number }
  | { op: 'wait'; ms: number };

const vm = fc.constantFrom(...VMS);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant('grant' as const),
      from: vm,
      to: vm,
      page: fc.integer({ min: 0, max: 3 }),
      flags: fc.constantFrom(0x5, 0x7, 0xd),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('deny' as const),
      from: vm,
      to: vm,
      page: fc.integer({ min: 0, max: 3 }),
      flags: fc.constantFrom(0x5, 0x7, 0xd),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant('word' as const),
      vm,
      handle: fc.integer({ min: 0, max: 4 }),
      word: fc.integer({ min: 0, max: 2 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constantFrom('stop' as const, 'crash' as const),
      vm,
      restart: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('start' as const), vm }) },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant('wait' as const), ms: fc.integer({ min: 1, max: 40 }) }),
  },
);

/** Critical vlinks between exporter e and importer i, with i's own side. */
function criticalEnds(hv: Hypervisor, e: number, i: number): { handle: number; side: 'server' | 'client' }[] {
  return hv.vlinks.links
    .filter(
      (l) => l.critical && ((l.serverId === e && l.clientId === i) || (l.serverId === i && l.clientId === e)),
    )
    .map((l) => ({ handle: l.handle, side: l.serverId === i ? ('server' as const) : ('client' as const) }));
}
const allOff = (hv: Hypervisor, e: number, i: number) =>
  criticalEnds(hv, e, i).every((c) => hv.vlinks.word(c.handle, c.side) === 0);

test('random lifecycles keep invariants 4 and 5 and the granted-page reachability', () => {
  fc.assert(
    fc.property(fc.array(opArb, { minLength: 1, maxLength: 60 }), (ops) => {
      const { hv, events } = boot();
      const stopSince = new Map<number, number>();
      let seen = 0;
      for (const o of ops) {
        switch (o.op) {
          case 'grant':
          case 'deny': {
            const rgn = [{ addr: RAM(o.from) + o.page * 4096, size: 4096 }];
            if (o.op === 'grant') hv.memGrant(o.from, o.to, o.flags, 1, rgn);
            else hv.memDeny(o.from, o.to, o.flags, 1, rgn);
            break;
          }
          case 'word':
            hv.vlinkWrite(o.vm, o.handle, o.word);
            break;
          case 'stop':
          case 'crash':
            if (hv.state(o.vm) === 'RUNNING') stopSince.set(o.vm, hv.sched.now);
            if (o.op === 'stop') hv.lifecycle.stop(o.vm, { restart: o.restart });
            else hv.lifecycle.crash(o.vm, o.restart);
            break;
          case 'start':
            hv.lifecycle.start(o.vm);
            break;
          case 'wait':
            hv.sched.advance(o.ms);
            break;
        }
        // Invariant 5 on the revocations this step produced.
        for (; seen < events.length; seen++) {
          const ev = events[seen];
          if (ev.kind !== 'lifecycle') continue;
          if (ev.step === 'revoke')
            assert.ok(
              allOff(hv, ev.vm, ev.importer!),
              `VM${ev.vm} revoked VM${ev.importer} before its critical ends were OFF`,
            );
          if (ev.step === 'forced-revoke')
            assert.ok(
              ev.now - (stopSince.get(ev.vm) ?? -Infinity) >= TIMEOUT,
              `forced revocation of VM${ev.vm} before the timeout`,
            );
        }
        // Invariant 4 and the wait rule on the live records.
        for (const r of hv.grants.list()) {
          const es = hv.state(r.exporter);
          const is = hv.state(r.importer);
          assert.notEqual(es, 'OFF', `a record of OFF exporter VM${r.exporter} survived`);
          assert.notEqual(is, 'OFF', `a record to OFF importer VM${r.importer} survived`);
          assert.notEqual(is, 'STOPPING', `a record to stopping importer VM${r.importer} survived`);
          if (es === 'STOPPING') {
            assert.ok(!allOff(hv, r.exporter, r.importer), 'records kept although every critical end is OFF');
            assert.ok(hv.sched.now - stopSince.get(r.exporter)! < TIMEOUT, 'records kept past the timeout');
          }
          // Reachability (invariant 1 for granted pages): CPU records map the page in the importer.
          if ((r.flags & 0x4) !== 0 && is === 'RUNNING')
            assert.ok(
              !isFault(hv.cpu(r.importer).load32((r.page * 4096) as Ipa)),
              'a live CPU grant does not map',
            );
        }
        for (const id of VMS)
          for (const e of VMS) {
            if (e === id || hv.state(id) !== 'RUNNING') continue;
            const held = hv.grants
              .list()
              .some((r) => r.exporter === e && r.importer === id && (r.flags & 0x4) !== 0);
            if (!held)
              assert.ok(
                isFault(hv.cpu(id).load32(RAM(e) as Ipa)),
                `VM${id} reaches VM${e}'s RAM without a grant`,
              );
          }
      }
    }),
    { numRuns: 150 },
  );
});
