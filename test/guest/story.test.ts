/** The main job's last act: the vshm story on the seed platform, booted from its checked model. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toHvConfig } from '../../src/platform/to-hv.js';
import { runVshmStory, tellVshmStory } from '../../src/guest/story.js';
import { Hypervisor } from '../../src/hv/index.js';
import { EXP, pairConfig } from './platform.js';
import { check } from '../platform/helpers.js';

test('the seed platform boots and tells the vshm story: share, restart, drain, revoke, reconnect', () => {
  const p = check('examples/seed/platform.yaml').platform;
  assert.ok(p);
  const r = toHvConfig(p);
  assert.deepEqual(r.problems, []);
  assert.ok(r.config);
  assert.deepEqual(
    r.config.vlinks?.map((l) => [l.name, l.link, l.serverId, l.clientId, l.critical]),
    [['vshm', 0, 3, 2, true]],
  );
  assert.equal(r.config.revocationTimeoutMs, 100);
  const s = runVshmStory(r.config);
  assert.ok(s.ok, s.lines.join('\n'));
  const text = s.lines.join('\n');
  const order = [
    'VM3 hypercall grant(VM2, flags 0x7, [0xcfff0000+0x10000]) = 0',
    'VM2 hypercall verify(VM3, [0xcfff0000+0x10000]) = 0',
    'VM2: vshm importer: use 1: read 0x56534801',
    'hypervisor: VM3 stop: restart requested',
    `vlink "vshm" link 0: VM3's server word ON -> OFF (set by the hypervisor)`,
    'hypervisor: VM3 wait (importer VM2)',
    'VM2: vshm importer: abort, draining 1 user(s) of the buffer',
    'VM2: vshm importer: unmap 0xcfff0000+0x10000 = 0',
    `vlink "vshm" link 0: VM2's client word ON -> OFF (written by the guest)`,
    'hypervisor: VM3 revoke (importer VM2)',
    'hypervisor: VM3 released',
    'hypervisor: VM3 scrub',
    'VM3: vshm exporter: life 2',
    `vlink "vshm" link 0: VM2's client word RESET -> ON (written by the guest)`,
    'read 0x56534802',
    'words: server VM3 ON, client VM2 ON; grant records VM3->VM2: 16',
  ];
  let at = 0;
  for (const want of order) {
    const i = text.indexOf(want, at);
    assert.ok(i >= 0, `missing (in order): ${want}\n${text}`);
    at = i;
  }
  assert.ok(!text.includes('forced-revoke'));
});

test('the story also runs on a hypervisor booted elsewhere with its VMs already running', () => {
  const r = Hypervisor.boot(pairConfig());
  assert.ok(r.ok);
  assert.equal(r.hv.state(EXP), 'RUNNING');
  const s = tellVshmStory(r.hv);
  assert.ok(s.ok, s.lines.join('\n'));
});
