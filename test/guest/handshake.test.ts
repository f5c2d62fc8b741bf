/**
 * The handshake table (src/guest/handshake.ts), every (own state, peer
 * word, event) triple: the rules of semantics.md §5 hold for each entry,
 * a few entries are pinned literally, and the engine (vlink-lib.ts) on a
 * booted model takes exactly the table's transition and shows the right
 * state word afterwards.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { HANDSHAKE, LINK_EVENTS, LINK_STATES, PEER_WORDS, WORD_OF_STATE } from '../../src/guest/handshake.js';
import type { LinkEvent, LinkState, PeerWord } from '../../src/guest/handshake.js';
import { Hypervisor } from '../../src/hv/index.js';
import { Ddi } from '../../src/guest/ddi.js';
import { Link } from '../../src/guest/vlink-lib.js';
import { EXP, IMP, pairConfig } from './platform.js';

const TRIPLES: [LinkState, PeerWord, LinkEvent][] = LINK_STATES.flatMap((s) =>
  PEER_WORDS.flatMap((p) => LINK_EVENTS.map((e) => [s, p, e] as [LinkState, PeerWord, LinkEvent])),
);
const ON_STATES = new Set<LinkState>(['STARTED', 'UP', 'ABORTED']);

describe('handshake table rules hold for every (state, peer, event)', () => {
  test('the table covers all 72 triples', () => assert.equal(TRIPLES.length, 72));
  for (const [s, p, e] of TRIPLES) {
    test(`${s} / peer ${p} / ${e}`, () => {
      const t = HANDSHAKE[s][p][e];
      const from = WORD_OF_STATE[s];
      const to = WORD_OF_STATE[t.next];
      // OFF -> RESET only when the peer is not ON.
      if (from === 0 && to === 1) assert.notEqual(p, 'ON');
      // RESET -> ON only when the peer is not OFF.
      if (from === 1 && to === 2) assert.notEqual(p, 'OFF');
      // Up only when both are ON.
      if (t.next === 'UP' && s !== 'UP') assert.equal(p, 'ON');
      // OFF is written only after STOP ran (OFF means: done with the shared memory).
      if (from !== 0 && to === 0) assert.ok(t.ops.includes('stop'), 'leaving RESET/ON for OFF runs stop');
      // An ON side that loses its peer (OFF, or RESET after being UP) aborts.
      if (e === 'sysconf' && (s === 'UP' || s === 'STARTED') && p === 'OFF')
        assert.ok(t.ops.includes('abort'));
      if (t.next === 'ABORTED' && s !== 'ABORTED') assert.ok(t.ops.includes('abort'));
      // ABORTED leaves only when the last user left.
      if (s === 'ABORTED') assert.equal(t.next === 'ABORTED', e !== 'users-gone');
      // users-gone changes nothing outside ABORTED (users come and go while UP).
      if (e === 'users-gone' && s !== 'ABORTED') assert.deepEqual(t, { next: s, ops: [] });
      // Ops order: abort before stop before cleanup; reset/start never with stop.
      const order = ['reset', 'start', 'abort', 'stop', 'cleanup'];
      const idx = t.ops.map((o) => order.indexOf(o));
      assert.deepEqual(
        [...idx].sort((a, b) => a - b),
        idx,
      );
      if (t.ops.includes('stop')) assert.ok(!t.ops.includes('reset') && !t.ops.includes('start'));
      // close always ends in CLEAN, or in ABORTED when users may still hold sessions.
      if (e === 'close') assert.ok(t.next === 'CLEAN' || t.next === 'ABORTED', `close -> ${t.next}`);
      // A word change is never a jump OFF -> ON.
      assert.ok(!(from === 0 && to === 2));
      if (ON_STATES.has(s) && e === 'open') assert.equal(t.next, s);
    });
  }
});

describe('handshake table: pinned entries', () => {
  const cases: [LinkState, PeerWord, LinkEvent, LinkState, string[]][] = [
    ['CLEAN', 'ON', 'open', 'STOPPED', []],
    ['STOPPED', 'OFF', 'sysconf', 'RESET', ['reset']],
    ['STOPPED', 'ON', 'sysconf', 'STOPPED', []],
    ['RESET', 'OFF', 'sysconf', 'RESET', []],
    ['RESET', 'RESET', 'sysconf', 'STARTED', ['start']],
    ['RESET', 'ON', 'sysconf', 'UP', ['start']],
    ['STARTED', 'ON', 'sysconf', 'UP', []],
    ['STARTED', 'OFF', 'sysconf', 'STOPPED', ['abort', 'stop']],
    ['UP', 'OFF', 'sysconf', 'ABORTED', ['abort']],
    ['UP', 'RESET', 'sysconf', 'ABORTED', ['abort']],
    ['ABORTED', 'OFF', 'sysconf', 'ABORTED', []],
    ['ABORTED', 'ON', 'users-gone', 'STOPPED', ['stop']],
    ['UP', 'ON', 'close', 'ABORTED', ['abort']],
    ['STOPPED', 'OFF', 'close', 'CLEAN', ['cleanup']],
  ];
  for (const [s, p, e, next, ops] of cases)
    test(`${s} / ${p} / ${e} -> ${next} [${ops.join(', ')}]`, () =>
      assert.deepEqual(HANDSHAKE[s][p][e], { next, ops }));
});

describe('the engine takes the table transition on a booted model', () => {
  const WORD: Record<PeerWord, 0 | 1 | 2> = { OFF: 0, RESET: 1, ON: 2 };
  for (const [s, p, e] of TRIPLES) {
    test(`${s} / peer ${p} / ${e}`, () => {
      const r = Hypervisor.boot(
        pairConfig({
          vlinks: [
            {
              name: 'l',
              link: 0,
              serverId: EXP,
              clientId: IMP,
              serverInfo: '',
              clientInfo: '',
              critical: true,
            },
          ],
        }),
      );
      assert.ok(r.ok);
      const hv = r.hv;
      const ddi = new Ddi(hv, EXP);
      const vl = [...ddi.vlinks('l')][0];
      const ops: string[] = [];
      const rec = (name: string) => () => ops.push(name);
      const link = new Link(ddi, vl, {
        reset: rec('reset'),
        start: rec('start'),
        abort: rec('abort'),
        stop: rec('stop'),
        cleanup: rec('cleanup'),
      });
      // Put the link in state s with its word, the peer's word p, and (for ABORTED/UP) one user.
      link.state = s;
      assert.equal(hv.vlinkWrite(EXP, vl.handle, WORD_OF_STATE[s]), 0);
      assert.equal(hv.vlinkWrite(IMP, vl.handle, WORD[p]), 0);
      if (s === 'UP' || s === 'ABORTED') link.users = 1;
      if (e === 'users-gone') link.users = 1;
      if (e === 'open') link.open();
      else if (e === 'close') link.close();
      else if (e === 'sysconf') link.sysconf();
      else link.leave();
      const t = HANDSHAKE[s][p][e];
      if (t.next === s && t.ops.length === 0) assert.deepEqual(link.history, []);
      else {
        assert.equal(
          link.history[0],
          `${s} -> ${t.next} (peer ${p}, ${e})${t.ops.length ? ' [' + t.ops.join(', ') + ']' : ''}`,
        );
        assert.deepEqual(ops.slice(0, t.ops.length), [...t.ops]);
      }
      // Whatever chain followed, the word shown is the final state's, and the peer's word is untouched.
      assert.equal(hv.vlinks.word(vl.handle, 'server'), WORD_OF_STATE[link.state]);
      assert.equal(hv.vlinks.word(vl.handle, 'client'), WORD[p]);
    });
  }
});
