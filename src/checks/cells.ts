import type { Node } from '../dt/model.js';
import { anyPropCheck, propCheck, type CheckDef } from './check.js';
import type { CheckContext } from './context.js';
import { asInt32, propCell } from './values.js';

/**
 * #address-cells / #size-cells bookkeeping and the reg/ranges length checks
 * (dtc's fixup_addr_size_cells, check_reg_format, check_ranges_format).
 */

function addrSizeCells(ctx: CheckContext, node: Node): void {
  const a = node.getProperty('#address-cells');
  const s = node.getProperty('#size-cells');
  // Stored in a C int: -1 means "absent" (so an explicit 0xffffffff does too).
  ctx.addrCells.set(node, a ? asInt32(propCell(a)) : -1);
  ctx.sizeCells.set(node, s ? asInt32(propCell(s)) : -1);
}

/** is_multiple_of: a zero divisor only accepts zero. */
function isMultipleOf(n: number, d: number): boolean {
  return d === 0 ? n === 0 : n % d === 0;
}

function regFormat(ctx: CheckContext, node: Node): void {
  const prop = node.getProperty('reg');
  if (!prop) return;
  if (!node.parent) {
    ctx.fail(node, 'Root node has a "reg" property');
    return;
  }
  const len = prop.value.length;
  if (len === 0) ctx.failProp(node, prop, 'property is empty');
  const a = ctx.nodeAddrCells(node.parent);
  const s = ctx.nodeSizeCells(node.parent);
  const entry = asInt32((a + s) * 4);
  if (!isMultipleOf(len, entry))
    ctx.failProp(
      node,
      prop,
      `property has invalid length (${len} bytes) (#address-cells == ${a}, #size-cells == ${s})`,
    );
}

function rangesFormat(ctx: CheckContext, node: Node, ranges: string): void {
  const prop = node.getProperty(ranges);
  if (!prop) return;
  if (!node.parent) {
    ctx.failProp(node, prop, `Root node has a "${ranges}" property`);
    return;
  }
  const pa = ctx.nodeAddrCells(node.parent);
  const ps = ctx.nodeSizeCells(node.parent);
  const ca = ctx.nodeAddrCells(node);
  const cs = ctx.nodeSizeCells(node);
  const entry = asInt32((pa + ca + cs) * 4);
  const len = prop.value.length;
  if (len === 0) {
    const parentPath = ctx.fullPath(node.parent);
    if (pa !== ca)
      ctx.failProp(
        node,
        prop,
        `empty "${ranges}" property but its #address-cells (${ca}) differs from ${parentPath} (${pa})`,
      );
    if (ps !== cs)
      ctx.failProp(
        node,
        prop,
        `empty "${ranges}" property but its #size-cells (${cs}) differs from ${parentPath} (${ps})`,
      );
  } else if (!isMultipleOf(len, entry)) {
    ctx.failProp(
      node,
      prop,
      `"${ranges}" property has invalid length (${len} bytes) (parent #address-cells == ${pa}, child #address-cells == ${ca}, #size-cells == ${cs})`,
    );
  }
}

export const cellChecks: readonly CheckDef[] = [
  // Nodes with neither property read as -1 ("absent") once this check has run (see CheckContext.cellsFixed).
  anyPropCheck(
    'addr_size_cells',
    'warning',
    ['address_cells_is_cell', 'size_cells_is_cell'],
    ['#address-cells', '#size-cells'],
    addrSizeCells,
    (ctx) => {
      ctx.cellsFixed = true;
    },
  ),
  propCheck('reg_format', 'warning', ['addr_size_cells'], 'reg', regFormat),
  propCheck('ranges_format', 'warning', ['addr_size_cells'], 'ranges', (c, n) =>
    rangesFormat(c, n, 'ranges'),
  ),
  propCheck('dma_ranges_format', 'warning', ['addr_size_cells'], 'dma-ranges', (c, n) =>
    rangesFormat(c, n, 'dma-ranges'),
  ),
];
