/**
 * The coordinated revocation of semantics.md §6 at the hypervisor level
 * (no guest drivers): each importer independently, critical vlinks only,
 * the timeout on the virtual clock, and invariant 5 on the trace.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { HvConfig, Ipa, Pa, TraceEvent } from '../../src/hv/index.js';
import { ESRCH, Hypervisor, VLINK_OFF, VLINK_ON, VLINK_RESET, isFault } from '../../src/hv/index.js';

const MiB = 1024 * 1024;
const RAM = (id: number) => 0x4000_0000 + id * MiB;

function boot(timeout?: number): { hv: Hypervisor; events: TraceEvent[] } {
  const vm = (id: number, windows: number[]) => ({
    id,
    name: `vm${id}`,
    ram: [{ pa: RAM(id) as Pa, ipa: RAM(id) as Ipa, sizeBytes: MiB }],
    io: [],
    vmMemory: windows.map((exporterId) => ({ exporterId })),
  });
  const cfg: HvConfig = {
    ramBanks: [{ pa: 0x4000_0000 as Pa, sizeBytes: 8 * MiB }],
    invalidRegions: [],
    vms: [vm(1, []), vm(2, [1]), vm(3, [1]), vm(4, [1])],
    vlinks: [
      { name: 'blk', link: 0, serverId: 1, clientId: 2, serverInfo: '', clientInfo: '', critical: true },
      { name: 'net', link: 0, serverId: 1, clientId: 3, serverInfo: '', clientInfo: '', critical: true },
      { name: 'net', link: 1, serverId: 3, clientId: 1, serverInfo: '', clientInfo: '', critical: true },
      { name: 'log', link: 0, serverId: 1, clientId: 4, serverInfo: '', clientInfo: '', critical: false },
    ],
    ...(timeout === undefined ? {} : { revocationTimeoutMs: timeout }),
  };
  const r = Hypervisor.boot(cfg);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  const events: TraceEvent[] = [];
  r.hv.trace.subscribe((e) => events.push(e));
  for (const imp of [2, 3, 4])
    assert.equal(r.hv.memGrant(1, imp, 0x7, 1, [{ addr: RAM(1) + imp * 4096, size: 4096 }]), 0);
  return { hv: r.hv, events };
}

const life = (events: TraceEvent[], step: string) =>
  events.filter(
    (e): e is Extract<TraceEvent, { kind: 'lifecycle' }> => e.kind === 'lifecycle' && e.step === step,
  );

const canRead = (hv: Hypervisor, imp: number) => !isFault(hv.cpu(imp).load32((RAM(1) + imp * 4096) as Ipa));

describe('coordinated revocation', () => {
  test('each importer is revoked independently, as soon as all its critical vlinks are OFF on its side', () => {
    const { hv, events } = boot();
    hv.vlinkWrite(2, 0, VLINK_ON);
    hv.vlinkWrite(3, 1, VLINK_ON); // VM3's end of "net" link 0 (client)
    hv.vlinkWrite(3, 2, VLINK_RESET); // VM3's end of "net" link 1 (server): RESET keeps the wait going too
    hv.vlinkWrite(4, 3, VLINK_ON); // not critical: does not gate VM4
    assert.equal(hv.lifecycle.stop(1), 0);
    // VM4 (no critical vlink not OFF) is revoked at once; VM2 and VM3 wait.
    assert.deepEqual(
      life(events, 'revoke').map((e) => e.importer),
      [4],
    );
    assert.deepEqual(hv.lifecycle.waitingFor(1), [2, 3]);
    assert.deepEqual(
      life(events, 'wait').map((e) => [e.importer, e.vlinks]),
      [
        [2, [{ name: 'blk', link: 0, word: VLINK_ON }]],
        [
          3,
          [
            { name: 'net', link: 0, word: VLINK_ON },
            { name: 'net', link: 1, word: VLINK_RESET },
          ],
        ],
      ],
    );
    assert.ok(canRead(hv, 2) && canRead(hv, 3) && !canRead(hv, 4));
    assert.equal(
      hv.memDeny(1, 2, 0x7, 1, [{ addr: RAM(1) + 2 * 4096, size: 4096 }]),
      ESRCH,
      'a stopping VM executes nothing',
    );
    hv.sched.advance(10);
    hv.vlinkWrite(3, 1, VLINK_OFF);
    assert.deepEqual(hv.lifecycle.waitingFor(1), [2, 3], 'one of two critical vlinks OFF is not enough');
    hv.vlinkWrite(2, 0, VLINK_OFF);
    assert.deepEqual(
      life(events, 'revoke').map((e) => e.importer),
      [4, 2],
    );
    assert.ok(!canRead(hv, 2) && canRead(hv, 3));
    assert.equal(hv.state(1), 'STOPPING');
    hv.vlinkWrite(3, 2, VLINK_OFF);
    assert.deepEqual(
      life(events, 'revoke').map((e) => e.importer),
      [4, 2, 3],
    );
    assert.equal(hv.state(1), 'OFF');
    assert.equal(life(events, 'released').length, 1);
    assert.equal(life(events, 'forced-revoke').length, 0);
    // Invariant 5: each revoke comes after the importer's last critical end went OFF.
    const lastOff = (imp: number) =>
      Math.max(
        ...events.map((e, i) =>
          e.kind === 'vlink' && e.vm === imp && e.to === VLINK_OFF && e.by === 'guest' ? i : -1,
        ),
      );
    for (const imp of [2, 3]) {
      const rev = events.findIndex(
        (e) => e.kind === 'lifecycle' && e.step === 'revoke' && e.importer === imp,
      );
      assert.ok(rev > lastOff(imp));
    }
  });

  test('the timeout forces the revocation of what is left and names every vlink not OFF', () => {
    const { hv, events } = boot(30);
    hv.vlinkWrite(2, 0, VLINK_ON);
    hv.vlinkWrite(3, 1, VLINK_ON);
    hv.sched.advance(5);
    hv.lifecycle.stop(1);
    hv.sched.advance(10);
    hv.vlinkWrite(3, 1, VLINK_OFF); // VM3 lets go in time, VM2 never does
    hv.sched.advance(19);
    assert.equal(hv.sched.now, 34);
    assert.equal(hv.state(1), 'STOPPING');
    assert.ok(canRead(hv, 2));
    hv.sched.advance(1);
    const forced = life(events, 'forced-revoke');
    assert.deepEqual(
      forced.map((e) => [e.now, e.importer, e.vlinks]),
      [[35, 2, [{ name: 'blk', link: 0, word: VLINK_ON }]]],
    );
    assert.equal(hv.state(1), 'OFF');
    assert.ok(!canRead(hv, 2));
    const f = hv.cpu(2).load32((RAM(1) + 2 * 4096) as Ipa);
    assert.ok(isFault(f) && f.kind === 'translation');
  });

  test('the default timeout is 100 ms', () => {
    const { hv, events } = boot();
    hv.vlinkWrite(2, 0, VLINK_ON);
    hv.lifecycle.stop(1);
    hv.sched.run();
    assert.deepEqual(
      life(events, 'forced-revoke').map((e) => e.now),
      [100],
    );
  });

  test('an importer that stops while the exporter waits takes its records with it', () => {
    const { hv, events } = boot();
    hv.vlinkWrite(2, 0, VLINK_ON);
    hv.lifecycle.stop(1);
    assert.deepEqual(hv.lifecycle.waitingFor(1), [2]);
    hv.lifecycle.stop(2);
    assert.equal(hv.state(1), 'OFF');
    assert.equal(life(events, 'forced-revoke').length, 0);
    assert.equal(hv.grants.list().length, 0);
  });
});
