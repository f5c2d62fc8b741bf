import type { Node, Property } from '../dt/model.js';
import { propCheck, type CheckDef } from './check.js';
import type { CheckContext } from './context.js';
import { isCellCheck } from './properties.js';
import { asInt32, cellAt, propCell } from './values.js';

/**
 * Phandle-plus-arguments properties (`clocks = <&clk 1 &clk 2>`): each entry
 * is a phandle followed by as many cells as the provider's #X-cells says
 * (dtc's check_property_phandle_args and the provider table).
 */

export interface Provider {
  readonly propName: string;
  readonly cellName: string;
  /** #cells may be absent (msi-parent): then the entry is the phandle alone. */
  readonly optional: boolean;
}

export function checkPhandleArgs(ctx: CheckContext, node: Node, prop: Property, provider: Provider): void {
  const len = prop.value.length;
  if (len % 4 !== 0) {
    ctx.failProp(node, prop, `property size (${len}) is invalid, expected multiple of 4`);
    return;
  }
  const ncells = len / 4;
  let cellsize = 0;
  // Offsets of the &references in this value (one pass, not one per cell).
  let refOffsets: Set<number> | undefined;
  for (let cell = 0; cell < ncells; cell += cellsize + 1) {
    const ph = cellAt(prop.value, cell);
    // 0 and -1 skip an optional entry; in an overlay they are external references.
    if (ph === 0 || ph === 0xffffffff) {
      if (ctx.plugin) break;
      cellsize = 0;
      continue;
    }
    // Source values carry markers: then the cell must be a &reference.
    if (prop.markers.length > 0) {
      if (!refOffsets) {
        refOffsets = new Set();
        for (const m of prop.markers) if (m.kind === 'ref-phandle') refOffsets.add(m.offset);
      }
      if (!refOffsets.has(cell * 4)) ctx.failProp(node, prop, `cell ${cell} is not a phandle reference`);
    }
    const providerNode = ctx.index.nodeByPhandle(ph);
    if (!providerNode) {
      ctx.failProp(node, prop, `Could not get phandle node for (cell ${cell})`);
      break;
    }
    const cellprop = providerNode.getProperty(provider.cellName);
    if (cellprop) {
      cellsize = asInt32(propCell(cellprop));
    } else if (provider.optional) {
      cellsize = 0;
    } else {
      ctx.fail(
        node,
        `Missing property '${provider.cellName}' in node ${ctx.fullPath(providerNode)} or bad phandle (referred from ${prop.name}[${cell}])`,
      );
      break;
    }
    // dtc 1.6.1 loops forever when the entry does not advance (#cells = -1);
    // treating that as "too small" (as dtc 1.7+ does) keeps us terminating.
    const expected = (cell + cellsize + 1) * 4;
    if (expected <= cell * 4 || len < expected) {
      ctx.failProp(node, prop, `property size (${len}) too small for cell size ${cellsize}`);
      break;
    }
  }
}

function providerCheck(provider: Provider) {
  return (ctx: CheckContext, node: Node): void => {
    const prop = node.getProperty(provider.propName);
    if (prop) checkPhandleArgs(ctx, node, prop, provider);
  };
}

/** dtc's WARNING_PROPERTY_PHANDLE_CELLS table, in its order. */
const PROVIDERS: readonly [string, string, string, boolean][] = [
  ['clocks', 'clocks', '#clock-cells', false],
  ['cooling_device', 'cooling-device', '#cooling-cells', false],
  ['dmas', 'dmas', '#dma-cells', false],
  ['hwlocks', 'hwlocks', '#hwlock-cells', false],
  ['interrupts_extended', 'interrupts-extended', '#interrupt-cells', false],
  ['io_channels', 'io-channels', '#io-channel-cells', false],
  ['iommus', 'iommus', '#iommu-cells', false],
  ['mboxes', 'mboxes', '#mbox-cells', false],
  ['msi_parent', 'msi-parent', '#msi-cells', true],
  ['mux_controls', 'mux-controls', '#mux-control-cells', false],
  ['phys', 'phys', '#phy-cells', false],
  ['power_domains', 'power-domains', '#power-domain-cells', false],
  ['pwms', 'pwms', '#pwm-cells', false],
  ['resets', 'resets', '#reset-cells', false],
  ['sound_dai', 'sound-dai', '#sound-dai-cells', false],
  ['thermal_sensors', 'thermal-sensors', '#thermal-sensor-cells', false],
];

/** `X_property` then `X_is_cell` for each provider (the order of dtc's check table). */
export const phandleArgChecks: readonly CheckDef[] = PROVIDERS.flatMap(
  ([nm, propName, cellName, optional]) => [
    propCheck(
      `${nm}_property`,
      'warning',
      [`${nm}_is_cell`, 'phandle_references'],
      propName,
      providerCheck({ propName, cellName, optional }),
    ),
    propCheck(`${nm}_is_cell`, 'warning', [], cellName, (c, n) => isCellCheck(c, n, cellName)),
  ],
);
