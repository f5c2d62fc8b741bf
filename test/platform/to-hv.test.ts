import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateConfig } from '../../src/hv/config.js';
import { toHvConfig } from '../../src/platform/to-hv.js';
import { check } from './helpers.js';

test('the seed model converts into a runtime boot description the hypervisor model accepts', () => {
  const p = check('examples/seed/platform.yaml').platform!;
  const r = toHvConfig(p);
  assert.deepEqual(r.problems, []);
  const c = r.config!;
  assert.deepEqual(validateConfig(c), []);
  const vm3 = c.vms.find((v) => v.id === 3)!;
  const moved = vm3.io.find((m) => Number(m.ipa) !== Number(m.pa))!;
  assert.deepEqual(
    [moved.pa, moved.ipa, moved.sizeBytes, moved.attrLower],
    [0xd0000000, 0x800000000, 0x4000000, 0x4c4],
  );
  assert.deepEqual(c.vms.find((v) => v.id === 2)!.vmMemory, [{ exporterId: 3 }]);
});
