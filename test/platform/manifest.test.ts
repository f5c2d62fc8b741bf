import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseManifest, parseQuantity, DEFAULT_LIMITS } from '../../src/platform/manifest.js';

const OK = `hypervisor: hv.dts
include: [inc, /abs/inc]
defines: [FOO, BAR=2]
vms:
  - id: 2
    name: vm2
    vplatform: vp2.dts
    guest: g2.dtb
limits:
  grant-records: 1000
  pmem-pool: 64K
critical-vlink-timeout-ms: 250
`;

test('a manifest resolves paths against its folder and keeps defaults for missing limits', () => {
  const r = parseManifest('plat/m.yaml', OK);
  assert.deepEqual(r.diagnostics, []);
  const m = r.manifest!;
  assert.equal(m.hypervisor.path, 'plat/hv.dts');
  assert.deepEqual(m.includeDirs, ['plat/inc', '/abs/inc']);
  assert.deepEqual(m.defines, [{ name: 'FOO' }, { name: 'BAR', value: '2' }]);
  assert.deepEqual(
    m.vms.map((v) => [v.id, v.name, v.vplatform.path, v.guest.path]),
    [[2, 'vm2', 'plat/vp2.dts', 'plat/g2.dtb']],
  );
  assert.equal(m.limits.grantRecords, 1000);
  assert.equal(m.limits.pmemPoolBytes, 65536n);
  assert.equal(m.limits.regionsPerVm, DEFAULT_LIMITS.regionsPerVm);
  assert.equal(m.criticalVlinkTimeoutMs, 250);
  assert.deepEqual([m.hypervisor.span.line, m.hypervisor.span.col], [1, 13]);
});

describe('manifest errors carry a code and the YAML position', () => {
  const rows: [string, string, string, number, number][] = [
    // [what, text, code, line, col]
    ['YAML syntax', 'vms: [\n', 'manifest/syntax', 2, 1],
    ['not a mapping', '- a\n- b\n', 'manifest/not-a-map', 1, 1],
    ['unknown key (a typo)', 'hypervisor: h.dts\nvm:\n  - id: 1\n', 'manifest/unknown-key', 2, 1],
    ['missing vms', 'hypervisor: h.dts\n', 'manifest/missing-key', 1, 1],
    [
      'VM id out of range',
      'hypervisor: h\nvms:\n  - {id: 32, name: a, vplatform: v, guest: g}\n',
      'manifest/bad-value',
      3,
      10,
    ],
    [
      'VM without guest',
      'hypervisor: h\nvms:\n  - {id: 1, name: a, vplatform: v}\n',
      'manifest/missing-key',
      3,
      5,
    ],
    [
      'duplicate VM id',
      'hypervisor: h\nvms:\n  - {id: 1, name: a, vplatform: v, guest: g}\n  - {id: 1, name: b, vplatform: v, guest: g}\n',
      'manifest/duplicate-vm-id',
      4,
      10,
    ],
    [
      'duplicate VM name',
      'hypervisor: h\nvms:\n  - {id: 1, name: a, vplatform: v, guest: g}\n  - {id: 2, name: a, vplatform: v, guest: g}\n',
      'manifest/duplicate-vm-name',
      4,
      19,
    ],
    [
      'bad limit',
      'hypervisor: h\nvms:\n  - {id: 1, name: a, vplatform: v, guest: g}\nlimits:\n  pmem-pool: lots\n',
      'manifest/bad-value',
      5,
      14,
    ],
    [
      'negative timeout',
      'hypervisor: h\nvms:\n  - {id: 1, name: a, vplatform: v, guest: g}\ncritical-vlink-timeout-ms: -1\n',
      'manifest/bad-value',
      4,
      28,
    ],
  ];
  for (const [what, text, code, line, col] of rows) {
    test(what, () => {
      const r = parseManifest('m.yaml', text);
      assert.equal(r.manifest, undefined);
      const d = r.diagnostics.find((x) => x.code === code);
      assert.ok(d, `${code} in ${JSON.stringify(r.diagnostics.map((x) => x.code))}`);
      assert.deepEqual([d!.span?.file, d!.span?.line, d!.span?.col], ['m.yaml', line, col]);
      assert.equal(d!.severity, 'error');
    });
  }
});

test('quantities accept decimal, hex and binary suffixes', () => {
  assert.equal(parseQuantity(4096), 4096n);
  assert.equal(parseQuantity('0x1000'), 4096n);
  assert.equal(parseQuantity('16M'), 16n << 20n);
  assert.equal(parseQuantity('1GiB'), 1n << 30n);
  assert.equal(parseQuantity('64k'), 65536n);
  assert.equal(parseQuantity('lots'), undefined);
  assert.equal(parseQuantity(1.5), undefined);
});
