/**
 * Transition matrix in the style of pKVM's ownership self-test: from every
 * reachable page state, every operation from every VM, with the exact
 * return code and the exact resulting mappings.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Hypervisor, Ipa } from '../../src/hv/index.js';
import { ERRNO_NAMES, isFault } from '../../src/hv/index.js';
import { Oracle } from './oracle.js';
import type { Region } from './oracle.js';
import { assertAccessMatches, assertRecordsSane } from './invariants.js';
import { SHARED, VM1_RAM, VM2_RAM, bootTest, testConfig } from './platform.js';

const R = 0x1 | 0x4;
const RW = 0x3 | 0x4;
const RWD = 0x3 | 0x8;
const WC = 0x2 | 0x4;
const RWCD = 0xf;
const X = VM1_RAM + 0x1000;

interface State {
  name: string;
  page: number;
  setup: [caller: number, vmid: number, flags: number][];
}
const STATES: State[] = [
  { name: 'private', page: X, setup: [] },
  { name: 'granted R', page: X, setup: [[1, 2, R]] },
  { name: 'granted RW', page: X, setup: [[1, 2, RW]] },
  { name: 'granted DMA', page: X, setup: [[1, 2, RWD]] },
  {
    name: 'multiply granted',
    page: X,
    setup: [
      [1, 2, R],
      [1, 3, RWCD],
      [1, 2, R],
    ],
  },
  { name: 'static shared', page: SHARED, setup: [] },
];

type OpSpec = { op: 'grant' | 'deny'; flags: number } | { op: 'verify' };
const OPS: [string, OpSpec][] = [
  ['grant R|CPU', { op: 'grant', flags: R }],
  ['grant RW|CPU', { op: 'grant', flags: RW }],
  ['grant RW|DMA', { op: 'grant', flags: RWD }],
  ['grant W|CPU', { op: 'grant', flags: WC }],
  ['deny R|CPU', { op: 'deny', flags: R }],
  ['deny RW|CPU', { op: 'deny', flags: RW }],
  ['deny RW|DMA', { op: 'deny', flags: RWD }],
  ['deny W|CPU', { op: 'deny', flags: WC }],
  ['verify', { op: 'verify' }],
];

function prepare(state: State): { hv: Hypervisor; oracle: Oracle } {
  const hv = bootTest();
  const oracle = new Oracle(testConfig());
  for (const [c, v, f] of state.setup) {
    assert.equal(hv.memGrant(c, v, f, 1, [{ addr: state.page, size: 4096 }]), 0);
    assert.equal(oracle.call('grant', c, v, f, [{ addr: state.page, size: 4096 }]), 0);
  }
  return { hv, oracle };
}

function apply(hv: Hypervisor, caller: number, vmid: number, spec: OpSpec, rgns: Region[]): number {
  return spec.op === 'verify'
    ? hv.memVerify(caller, vmid, rgns.length, rgns)
    : spec.op === 'grant'
      ? hv.memGrant(caller, vmid, spec.flags, rgns.length, rgns)
      : hv.memDeny(caller, vmid, spec.flags, rgns.length, rgns);
}

/** The access VM `id` has at IPA == `page` on a path, as 'R', 'W', 'RW' or '-'. */
function access(hv: Hypervisor, id: number, path: 'cpu' | 'dma', page: number): string {
  const port = path === 'cpu' ? hv.cpu(id) : hv.dma(id);
  const r = !isFault(port.translate(page as Ipa, 'read'));
  const w = !isFault(port.translate(page as Ipa, 'write'));
  return r && w ? 'RW' : r ? 'R' : w ? 'W' : '-';
}

// The literal matrix for the main pair: exporter VM1 acts on page X (or the shared page) towards importer
// VM2; verify is VM2 asking about VM1. Columns: return code, VM2's CPU access, VM2's DMA access after the call.
const LITERAL: Record<string, Record<string, [string, string, string]>> = {
  private: {
    'grant R|CPU': ['OK', 'R', '-'],
    'grant RW|CPU': ['OK', 'RW', '-'],
    'grant RW|DMA': ['OK', '-', 'RW'],
    'grant W|CPU': ['OK', 'W', '-'],
    'deny R|CPU': ['ENOENT', '-', '-'],
    'deny RW|CPU': ['ENOENT', '-', '-'],
    'deny RW|DMA': ['ENOENT', '-', '-'],
    'deny W|CPU': ['ENOENT', '-', '-'],
    verify: ['ENOENT', '-', '-'],
  },
  'granted R': {
    'grant R|CPU': ['OK', 'R', '-'],
    'grant RW|CPU': ['OK', 'RW', '-'],
    'grant RW|DMA': ['OK', 'R', 'RW'],
    'grant W|CPU': ['OK', 'RW', '-'],
    'deny R|CPU': ['OK', '-', '-'],
    'deny RW|CPU': ['ENOENT', 'R', '-'],
    'deny RW|DMA': ['ENOENT', 'R', '-'],
    'deny W|CPU': ['ENOENT', 'R', '-'],
    verify: ['OK', 'R', '-'],
  },
  'granted RW': {
    'grant R|CPU': ['OK', 'RW', '-'],
    'grant RW|CPU': ['OK', 'RW', '-'],
    'grant RW|DMA': ['OK', 'RW', 'RW'],
    'grant W|CPU': ['OK', 'RW', '-'],
    'deny R|CPU': ['ENOENT', 'RW', '-'],
    'deny RW|CPU': ['OK', '-', '-'],
    'deny RW|DMA': ['ENOENT', 'RW', '-'],
    'deny W|CPU': ['ENOENT', 'RW', '-'],
    verify: ['OK', 'RW', '-'],
  },
  'granted DMA': {
    'grant R|CPU': ['OK', 'R', 'RW'],
    'grant RW|CPU': ['OK', 'RW', 'RW'],
    'grant RW|DMA': ['OK', '-', 'RW'],
    'grant W|CPU': ['OK', 'W', 'RW'],
    'deny R|CPU': ['ENOENT', '-', 'RW'],
    'deny RW|CPU': ['ENOENT', '-', 'RW'],
    'deny RW|DMA': ['OK', '-', '-'],
    'deny W|CPU': ['ENOENT', '-', 'RW'],
    verify: ['OK', '-', 'RW'],
  },
  'multiply granted': {
    'grant R|CPU': ['OK', 'R', '-'],
    'grant RW|CPU': ['OK', 'RW', '-'],
    'grant RW|DMA': ['OK', 'R', 'RW'],
    'grant W|CPU': ['OK', 'RW', '-'],
    'deny R|CPU': ['OK', 'R', '-'],
    'deny RW|CPU': ['ENOENT', 'R', '-'],
    'deny RW|DMA': ['ENOENT', 'R', '-'],
    'deny W|CPU': ['ENOENT', 'R', '-'],
    verify: ['OK', 'R', '-'],
  },
  'static shared': {
    'grant R|CPU': ['EPERM', '-', '-'],
    'grant RW|CPU': ['EPERM', '-', '-'],
    'grant RW|DMA': ['EPERM', '-', '-'],
    'grant W|CPU': ['EPERM', '-', '-'],
    'deny R|CPU': ['EPERM', '-', '-'],
    'deny RW|CPU': ['EPERM', '-', '-'],
    'deny RW|DMA': ['EPERM', '-', '-'],
    'deny W|CPU': ['EPERM', '-', '-'],
    verify: ['EPERM', '-', '-'],
  },
};

describe('transition matrix: exporter VM1 → importer VM2, literal', () => {
  for (const state of STATES)
    for (const [opName, spec] of OPS)
      test(`${state.name}: ${opName}`, () => {
        const { hv } = prepare(state);
        const rgns = [{ addr: state.page, size: 4096 }];
        const rc = spec.op === 'verify' ? apply(hv, 2, 1, spec, rgns) : apply(hv, 1, 2, spec, rgns);
        assert.deepEqual(
          [ERRNO_NAMES[rc], access(hv, 2, 'cpu', state.page), access(hv, 2, 'dma', state.page)],
          LITERAL[state.name][opName],
        );
        if (state.name === 'multiply granted') {
          assert.equal(access(hv, 3, 'cpu', state.page), 'RW', 'the other importer is untouched');
          assert.equal(access(hv, 3, 'dma', state.page), 'RW');
        }
        // The static shared page stays as configured for its sharers.
        const shared = hv.cpu(2).load32(0x9000_0000 as Ipa);
        assert.equal(typeof shared, 'number');
        assert.ok(isFault(hv.cpu(2).store32(0x9000_0000 as Ipa, 1)));
      });
});

describe('transition matrix: every VM as caller, every VM as target', () => {
  const sample = [X / 4096, SHARED / 4096, VM2_RAM / 4096, 0x9000_0000 / 4096];
  for (const state of STATES)
    test(`from ${state.name}`, () => {
      let cases = 0;
      for (let caller = 1; caller <= 5; caller++)
        for (let vmid = 1; vmid <= 5; vmid++)
          for (const [opName, spec] of OPS) {
            const { hv, oracle } = prepare(state);
            const rgns = [{ addr: state.page, size: 4096 }];
            const before = hv.snapshot();
            const rc = apply(hv, caller, vmid, spec, rgns);
            const want = oracle.call(spec.op, caller, vmid, spec.op === 'verify' ? 0 : spec.flags, rgns);
            assert.equal(ERRNO_NAMES[rc], ERRNO_NAMES[want], `VM${caller} ${opName} → VM${vmid}`);
            if (rc !== 0 || spec.op === 'verify')
              assert.deepEqual(hv.snapshot(), before, `VM${caller} ${opName} → VM${vmid} changed state`);
            assertRecordsSane(hv, oracle);
            assertAccessMatches(hv, oracle, sample);
            cases++;
          }
      assert.equal(cases, 5 * 5 * OPS.length);
    });
});
