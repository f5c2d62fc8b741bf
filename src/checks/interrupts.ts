import type { Node, Property } from '../dt/model.js';
import { anyPropCheck, propCheck, type CheckDef } from './check.js';
import type { CheckContext } from './context.js';
import { propCell } from './values.js';

/** Interrupt wiring (dtc 1.6.1's interrupts_property and interrupt_provider). */

function isInterruptProvider(n: Node): boolean {
  return n.getProperty('interrupt-controller') !== undefined || n.getProperty('interrupt-map') !== undefined;
}

function interruptsProperty(ctx: CheckContext, node: Node): void {
  const irqProp = node.getProperty('interrupts');
  if (!irqProp) return;
  const len = irqProp.value.length;
  if (len % 4 !== 0) ctx.failProp(node, irqProp, `size (${len}) is invalid, expected multiple of 4`);

  // Walk up: the nearest interrupt provider ancestor, or the first
  // interrupt-parent found on the node or an ancestor.
  let irqNode: Node | undefined;
  let parent: Node | undefined = node;
  let prop: Property | undefined;
  while (parent && !prop) {
    if (parent !== node && isInterruptProvider(parent)) {
      irqNode = parent;
      break;
    }
    prop = parent.getProperty('interrupt-parent');
    if (prop) {
      const ph = propCell(prop);
      if (ph === 0 || ph === 0xffffffff) {
        // An overlay's external reference: nothing to check.
        if (ctx.plugin) return;
        ctx.failProp(parent, prop, 'Invalid phandle');
        continue; // (ends the loop: prop is set)
      }
      irqNode = ctx.index.nodeByPhandle(ph);
      if (!irqNode) {
        ctx.failProp(parent, prop, 'Bad phandle');
        return;
      }
      if (!isInterruptProvider(irqNode))
        ctx.fail(irqNode, 'Missing interrupt-controller or interrupt-map property');
      break;
    }
    parent = parent.parent;
  }
  if (!irqNode) {
    ctx.fail(node, 'Missing interrupt-parent');
    return;
  }
  const cellsProp = irqNode.getProperty('#interrupt-cells');
  // A missing #interrupt-cells is interrupt_provider's business.
  if (!cellsProp) return;
  const unit = (propCell(cellsProp) * 4) >>> 0;
  const ok = unit === 0 ? len === 0 : len % unit === 0;
  // dtc names the provider's #interrupt-cells property in this message.
  if (!ok) ctx.failProp(node, cellsProp, `size is (${len}), expected multiple of ${unit | 0}`);
}

/** 1.6.1: a provider must have both #interrupt-cells and #address-cells. */
function interruptProvider(ctx: CheckContext, node: Node): void {
  if (!isInterruptProvider(node)) return;
  if (!node.getProperty('#interrupt-cells')) ctx.fail(node, 'Missing #interrupt-cells in interrupt provider');
  if (!node.getProperty('#address-cells')) ctx.fail(node, 'Missing #address-cells in interrupt provider');
}

export const interruptChecks: readonly CheckDef[] = [
  // dtc passes &phandle_references as this check's *data*, not as a prerequisite.
  propCheck('interrupts_property', 'warning', [], 'interrupts', interruptsProperty),
  anyPropCheck(
    'interrupt_provider',
    'warning',
    [],
    ['interrupt-controller', 'interrupt-map'],
    interruptProvider,
  ),
];
