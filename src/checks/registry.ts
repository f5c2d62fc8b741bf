import { InvariantError } from '../util/assert.js';
import { addressChecks } from './addresses.js';
import { aliasChecks } from './aliases.js';
import { busChecks } from './buses.js';
import { cellChecks } from './cells.js';
import { check, type CheckDef } from './check.js';
import { chosenChecks } from './chosen.js';
import type { CheckLevel } from './context.js';
import { gpioChecks } from './gpios.js';
import { graphChecks } from './graph.js';
import { interruptChecks } from './interrupts.js';
import { labelChecks } from './labels.js';
import { nameChecks } from './names.js';
import { phandleArgChecks } from './phandle-args.js';
import { phandleChecks } from './phandles.js';
import { propertyChecks } from './properties.js';
import { referenceChecks } from './references.js';

/** A check that always fails, for testing the machinery (dtc's always_fail, off by default). */
const alwaysFail = check('always_fail', 'off', [], (ctx, node) => ctx.fail(node, 'always_fail check'));

const byName = new Map<string, CheckDef>();
for (const c of [
  ...nameChecks,
  ...labelChecks,
  ...phandleChecks,
  ...referenceChecks,
  ...propertyChecks,
  ...cellChecks,
  ...addressChecks,
  ...busChecks,
  ...chosenChecks,
  ...phandleArgChecks,
  ...gpioChecks,
  ...interruptChecks,
  ...aliasChecks,
  ...graphChecks,
  alwaysFail,
]) {
  if (byName.has(c.name)) throw new InvariantError(`check ${c.name} defined twice`);
  byName.set(c.name, c);
}

/**
 * dtc 1.6.1's check_table order: checks run (and report) in this order, each
 * after its prerequisites.
 */
const ORDER: readonly string[] = [
  'duplicate_node_names',
  'duplicate_property_names',
  'node_name_chars',
  'node_name_format',
  'property_name_chars',
  'name_is_string',
  'name_properties',
  'node_name_vs_property_name',
  'duplicate_label',
  'explicit_phandles',
  'phandle_references',
  'path_references',
  'omit_unused_nodes',
  'address_cells_is_cell',
  'size_cells_is_cell',
  'device_type_is_string',
  'model_is_string',
  'status_is_string',
  'label_is_string',
  'compatible_is_string_list',
  'names_is_string_list',
  'property_name_chars_strict',
  'node_name_chars_strict',
  'addr_size_cells',
  'reg_format',
  'ranges_format',
  'dma_ranges_format',
  'unit_address_vs_reg',
  'unit_address_format',
  'pci_bridge',
  'pci_device_reg',
  'pci_device_bus_num',
  'simple_bus_bridge',
  'simple_bus_reg',
  'i2c_bus_bridge',
  'i2c_bus_reg',
  'spi_bus_bridge',
  'spi_bus_reg',
  'avoid_default_addr_size',
  'avoid_unnecessary_addr_size',
  'unique_unit_address',
  'unique_unit_address_if_enabled',
  'obsolete_chosen_interrupt_controller',
  'chosen_node_is_root',
  'chosen_node_bootargs',
  'chosen_node_stdout_path',
  ...phandleArgChecks.map((c) => c.name),
  'deprecated_gpio_property',
  'gpios_property',
  'interrupts_property',
  'interrupt_provider',
  'alias_paths',
  'graph_nodes',
  'graph_child_address',
  'graph_port',
  'graph_endpoint',
  'always_fail',
];

/** All checks in table order. */
export const CHECK_TABLE: readonly CheckDef[] = ORDER.map((n) => {
  const c = byName.get(n);
  if (!c) throw new InvariantError(`check table names unknown check ${n}`);
  return c;
});

if (CHECK_TABLE.length !== byName.size) throw new InvariantError('a defined check is missing from the table');
for (const c of CHECK_TABLE)
  for (const p of c.prereqs)
    if (!byName.has(p)) throw new InvariantError(`${c.name}: unknown prerequisite ${p}`);

/** Table position of each check. */
export const CHECK_INDEX: ReadonlyMap<string, number> = new Map(CHECK_TABLE.map((c, i) => [c.name, i]));

/** For each check, the checks that list it as a prerequisite (table order). */
export const DEPENDENTS: readonly (readonly number[])[] = (() => {
  const out: number[][] = CHECK_TABLE.map(() => []);
  CHECK_TABLE.forEach((c, i) => {
    for (const p of c.prereqs) out[CHECK_INDEX.get(p)!].push(i);
  });
  return out;
})();

/** The per-check levels dtc starts from. */
export function defaultLevels(): CheckLevel[] {
  return CHECK_TABLE.map((c) => ({ warn: c.defaultLevel === 'warning', error: c.defaultLevel === 'error' }));
}
