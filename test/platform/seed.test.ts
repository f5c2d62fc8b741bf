import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { captureIo } from '../../src/cli/io.js';
import { renderCheck } from '../../src/cli/check.js';
import { renderMap } from '../../src/cli/map.js';
import { ROOT, check, where } from './helpers.js';

/**
 * The technical note's own platform: the only findings are the slip in its
 * example (device attributes on shared RAM the text calls cached), once per
 * io-memory node; the renderings are compared with golden files, rewritten
 * only when UPDATE_GOLDEN=1.
 */
const SEED = 'examples/seed/platform.yaml';
const GOLDEN = 'test/golden/platform';

test("the seed platform reports only the note's attribute slip", () => {
  const r = check(SEED);
  assert.equal(r.unusable, false);
  assert.deepEqual(r.diagnostics.map(where).sort(), [
    'platform/device-attributes-on-ram examples/seed/vplatform-vm2.dts:24:3',
    'platform/device-attributes-on-ram examples/seed/vplatform-vm2.dts:32:3',
    'platform/device-attributes-on-ram examples/seed/vplatform-vm3.dts:22:3',
    'platform/device-attributes-on-ram examples/seed/vplatform-vm3.dts:32:3',
  ]);
  assert.deepEqual(r.summary, { errors: 0, warnings: 0, infos: 4 });
  const d = r.diagnostics[0];
  assert.equal(d.severity, 'info');
  // The words are decoded and named, and the hint gives the note's intended attributes.
  assert.match(
    d.message,
    /<0x0 0x4c4> \(VDT_S2PTE_UPPER_MEM VDT_S2PTE_LOWER_DEV_MEM: device memory \(Device-nGnRE\)/,
  );
  assert.match(d.message, /0xd0000000\.\.0xd3ffffff \(64 MiB\), which is RAM/);
  assert.match(d.hint ?? '', /VDT_S2PTE_LOWER_MEM> <0x0 0x7fc>/);
});

test("the seed model holds the note's configuration exactly", () => {
  const p = check(SEED).platform!;
  assert.ok(Object.isFrozen(p) && Object.isFrozen(p.vms[0].io[0]));
  assert.deepEqual(
    p.physical.ram.map((r) => [r.pa.start, r.pa.end]),
    [[0x80000000n, 0x100000000n]],
  );
  assert.deepEqual(
    p.physical.invalid.map((r) => [r.pa.start, r.pa.end]),
    [
      [0xd0000000n, 0xd4000000n],
      [0xd4000000n, 0xd8000000n],
    ],
  );
  const [vm2, vm3] = p.vms;
  assert.deepEqual([vm2.id, vm2.name, vm3.id, vm3.name], [2, 'vm2', 3, 'vm3']);
  assert.equal(vm2.identityRam && vm3.identityRam, true);
  const moved = vm3.io.find((io) => io.moved)!;
  assert.deepEqual(
    [moved.pa.start, moved.ipa.start, moved.ipa.end],
    [0xd0000000n, 0x800000000n, 0x804000000n],
  );
  assert.deepEqual(
    [moved.attrUpper, moved.attrLower, moved.attributes.kind, moved.allowSharing],
    [0, 0x4c4, 'device', true],
  );
  assert.equal(vm2.imports.length, 1);
  assert.equal(vm2.imports[0].exporterId, 3);
  assert.deepEqual(
    vm2.imports[0].ipa.map((r) => [r.start, r.end]),
    [[0xb0000000n, 0xd0000000n]],
  );
  assert.equal(vm2.imports[0].guestTwin?.inReservedMemory, true);
  assert.deepEqual(
    p.vlinks.map((l) => [l.name, l.link, l.serverId, l.clientId, l.serverInfo, l.critical]),
    [['vshm', 0, 3, 2, 'vshm,64k', true]],
  );
  assert.equal(p.criticalVlinkTimeoutMs, 100);
  assert.equal(p.limits.grantRecords, 131072);
});

function golden(name: string, actual: string): void {
  const file = join(ROOT, GOLDEN, name);
  if (process.env.UPDATE_GOLDEN === '1' || !existsSync(file)) {
    if (process.env.UPDATE_GOLDEN !== '1')
      assert.fail(`${GOLDEN}/${name} is missing: run with UPDATE_GOLDEN=1 to create it`);
    writeFileSync(file, actual);
    return;
  }
  assert.equal(actual, readFileSync(file, 'utf8'), `${GOLDEN}/${name} differs (UPDATE_GOLDEN=1 rewrites it)`);
}

test('golden: check text and JSON of the seed', () => {
  const io = captureIo(ROOT);
  const r = check(SEED);
  golden('seed.check.txt', renderCheck(r, SEED, 'text', io));
  golden('seed.check.json', renderCheck(r, SEED, 'json', io));
});

test('golden: map text and JSON of the seed', () => {
  const p = check(SEED).platform!;
  golden('seed.map.txt', renderMap(p, 'text'));
  golden('seed.map.json', renderMap(p, 'json'));
});
