import type { Node } from '../dt/model.js';
import { anyPropCheck, check, selecting, type CheckDef } from './check.js';
import type { CheckContext } from './context.js';
import { unitName, valueIsCString } from './values.js';

/** Unit-address checks (dtc's unit_address_*, avoid_*_addr_size, unique_unit_address*). */

/** Per check run: the nodes with a live `__overlay__` child (taken when unit_address_vs_reg starts). */
const overlayParents = new WeakMap<CheckContext, Set<Node>>();

function findOverlayParents(ctx: CheckContext): void {
  const set = new Set<Node>();
  for (const n of ctx.nodesNamed('__overlay__')) if (!n.deleted && n.parent) set.add(n.parent);
  overlayParents.set(ctx, set);
}

function unitAddressVsReg(ctx: CheckContext, node: Node): void {
  // Overlay fragments are exempt (dtc's "HACK").
  if (overlayParents.get(ctx)!.has(node)) return;
  const unit = unitName(node);
  let prop = node.getProperty('reg');
  if (!prop) {
    prop = node.getProperty('ranges');
    if (prop && prop.value.length === 0) prop = undefined;
  }
  if (prop) {
    if (!unit) ctx.fail(node, 'node has a reg or ranges property, but no unit name');
  } else if (unit) {
    ctx.fail(node, 'node has a unit name, but no reg or ranges property');
  }
}

const HEX = '0123456789abcdefABCDEF';

function unitAddressFormat(ctx: CheckContext, node: Node): void {
  if (node.parent && ctx.bus.has(node.parent)) return;
  let unit = unitName(node);
  if (!unit) return;
  if (unit.startsWith('0x')) {
    ctx.fail(node, 'unit name should not have leading "0x"');
    unit = unit.slice(2);
  }
  if (unit[0] === '0' && unit.length > 1 && HEX.includes(unit[1]))
    ctx.fail(node, 'unit name should not have leading 0s');
}

function avoidDefaultAddrSize(ctx: CheckContext, node: Node): void {
  if (!node.parent) return;
  if (!node.getProperty('reg') && !node.getProperty('ranges')) return;
  if (ctx.rawAddrCells(node.parent) === -1) ctx.fail(node, 'Relying on default #address-cells value');
  if (ctx.rawSizeCells(node.parent) === -1) ctx.fail(node, 'Relying on default #size-cells value');
}

/** 1.6.1 version: only `ranges` or a child `reg` justify the cells (dma-ranges came later). */
function avoidUnnecessaryAddrSize(ctx: CheckContext, node: Node): void {
  if (!node.parent || ctx.rawAddrCells(node) < 0 || ctx.rawSizeCells(node) < 0) return;
  // `!node->children` looks at the raw child list, deleted children included.
  if (node.getProperty('ranges') || node.children.length === 0) return;
  for (const c of node.children) if (!c.deleted && c.getProperty('reg')) return;
  ctx.fail(node, 'unnecessary #address-cells/#size-cells without "ranges" or child "reg" property');
}

function isDisabled(n: Node): boolean {
  const p = n.getProperty('status');
  return p !== undefined && valueIsCString(p.value, 'disabled');
}

/**
 * dtc compares each child with every earlier sibling and reports the
 * *earlier* one, naming the later one. A per-parent map from unit address to
 * the earlier children with it keeps the scan linear in the children.
 */
function uniqueUnitAddressCommon(ctx: CheckContext, node: Node, skipDisabled: boolean): void {
  if (ctx.rawAddrCells(node) < 0 || ctx.rawSizeCells(node) < 0) return;
  if (node.children.length === 0) return;
  const seen = new Map<string, Node[]>();
  for (const a of node.children) {
    if (a.deleted) continue;
    const addr = unitName(a);
    const disabled = skipDisabled && isDisabled(a);
    if (addr && !disabled) {
      const earlier = seen.get(addr);
      if (earlier)
        for (const b of earlier) ctx.fail(b, `duplicate unit-address (also used in node ${ctx.fullPath(a)})`);
    }
    if (!disabled) {
      const list = seen.get(addr);
      if (list) list.push(a);
      else seen.set(addr, [a]);
    }
  }
}

export const addressChecks: readonly CheckDef[] = [
  check('unit_address_vs_reg', 'warning', [], unitAddressVsReg, findOverlayParents),
  // (Nearly every node has a unit name: a selection would not save a walk.)
  check(
    'unit_address_format',
    'warning',
    ['node_name_format', 'pci_bridge', 'simple_bus_bridge'],
    unitAddressFormat,
  ),
  anyPropCheck(
    'avoid_default_addr_size',
    'warning',
    ['addr_size_cells'],
    ['reg', 'ranges'],
    avoidDefaultAddrSize,
  ),
  // These three need the node's own #address-cells (absent: -1, nothing to do).
  selecting(
    check('avoid_unnecessary_addr_size', 'warning', ['avoid_default_addr_size'], avoidUnnecessaryAddrSize),
    (ctx) => ctx.nodesWithProp('#address-cells'),
  ),
  selecting(
    check('unique_unit_address', 'warning', ['avoid_default_addr_size'], (c, n) =>
      uniqueUnitAddressCommon(c, n, false),
    ),
    (ctx) => ctx.nodesWithProp('#address-cells'),
  ),
  selecting(
    check('unique_unit_address_if_enabled', 'off', ['avoid_default_addr_size'], (c, n) =>
      uniqueUnitAddressCommon(c, n, true),
    ),
    (ctx) => ctx.nodesWithProp('#address-cells'),
  ),
];
