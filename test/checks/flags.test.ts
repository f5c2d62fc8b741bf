import { describe, test } from 'node:test';
import { strict as assert } from 'node:assert';
import { CHECK_TABLE, parseCheckFlags } from '../../src/checks/index.js';

function level(config: { levels: readonly { warn: boolean; error: boolean }[] }, name: string): string {
  const i = CHECK_TABLE.findIndex((c) => c.name === name);
  const l = config.levels[i];
  return l.error ? 'error' : l.warn ? 'warning' : 'off';
}

describe('check registry', () => {
  test('has the 88 checks of dtc 1.6.1 with their default levels', () => {
    assert.equal(CHECK_TABLE.length, 88);
    const count = (lvl: string) => CHECK_TABLE.filter((c) => c.defaultLevel === lvl).length;
    assert.equal(count('error'), 12);
    assert.equal(count('warning'), 71);
    assert.equal(count('off'), 5);
  });

  test('every prerequisite is a known check', () => {
    const names = new Set(CHECK_TABLE.map((c) => c.name));
    for (const c of CHECK_TABLE) for (const p of c.prereqs) assert.ok(names.has(p), `${c.name} -> ${p}`);
  });
});

describe('parseCheckFlags', () => {
  test('with no flags gives the defaults', () => {
    const { config, diagnostics } = parseCheckFlags([]);
    assert.deepEqual(diagnostics, []);
    assert.equal(level(config!, 'duplicate_label'), 'error');
    assert.equal(level(config!, 'reg_format'), 'warning');
    assert.equal(level(config!, 'always_fail'), 'off');
  });

  test('-W enables a check and raises its prerequisites', () => {
    const { config } = parseCheckFlags([{ kind: 'W', arg: 'graph_child_address' }]);
    assert.equal(level(config!, 'graph_child_address'), 'warning');
    const { config: c2 } = parseCheckFlags([{ kind: 'E', arg: 'simple_bus_reg' }]);
    for (const n of [
      'simple_bus_reg',
      'reg_format',
      'simple_bus_bridge',
      'addr_size_cells',
      'address_cells_is_cell',
    ])
      assert.equal(level(c2!, n), 'error', n);
    assert.equal(level(c2!, 'unit_address_vs_reg'), 'warning');
  });

  test('no- and no_ disable a check and everything that depends on it', () => {
    for (const arg of ['no-size_cells_is_cell', 'no_size_cells_is_cell']) {
      const { config } = parseCheckFlags([{ kind: 'W', arg }]);
      for (const n of [
        'size_cells_is_cell',
        'addr_size_cells',
        'reg_format',
        'simple_bus_reg',
        'unique_unit_address',
      ])
        assert.equal(level(config!, n), 'off', `${arg}: ${n}`);
      assert.equal(level(config!, 'address_cells_is_cell'), 'warning');
    }
  });

  test('-Wno- leaves an error-level check an error (only the warning flag is cleared)', () => {
    const { config } = parseCheckFlags([{ kind: 'W', arg: 'no-duplicate_label' }]);
    assert.equal(level(config!, 'duplicate_label'), 'error');
    const { config: c2 } = parseCheckFlags([{ kind: 'E', arg: 'no-duplicate_label' }]);
    assert.equal(level(c2!, 'duplicate_label'), 'off');
  });

  test('flags apply in command-line order', () => {
    const a = parseCheckFlags([
      { kind: 'W', arg: 'no-reg_format' },
      { kind: 'W', arg: 'reg_format' },
    ]).config!;
    assert.equal(level(a, 'reg_format'), 'warning');
    assert.equal(level(a, 'simple_bus_reg'), 'off');
  });

  test('an unknown name is an error diagnostic and no config', () => {
    const r = parseCheckFlags([{ kind: 'W', arg: 'no-bogus' }]);
    assert.equal(r.config, undefined);
    assert.equal(r.diagnostics.length, 1);
    assert.equal(r.diagnostics[0].code, 'dtc/unknown-check');
    assert.equal(r.diagnostics[0].severity, 'error');
    assert.equal(r.diagnostics[0].message, 'Unrecognized check name "bogus"');
  });
});
