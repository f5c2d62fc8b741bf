import type { Node } from '../dt/model.js';
import { check, selecting, type CheckDef } from './check.js';
import type { CheckContext } from './context.js';
import { isStringCheck } from './properties.js';

/** /chosen checks (dtc's obsolete_chosen_interrupt_controller, chosen_node_*). */

function obsoleteChosenInterruptController(ctx: CheckContext, node: Node): void {
  if (node !== ctx.root) return;
  const chosen = ctx.nodeByPath('/chosen');
  if (!chosen) return;
  const prop = chosen.getProperty('interrupt-controller');
  // Reported against the root node with /chosen's property.
  if (prop) ctx.failProp(node, prop, '/chosen has obsolete "interrupt-controller" property');
}

function chosenNodeIsRoot(ctx: CheckContext, node: Node): void {
  if (node.name !== 'chosen') return;
  if (node.parent !== ctx.root) ctx.fail(node, 'chosen node must be at root node');
}

function chosenNodeBootargs(ctx: CheckContext, node: Node): void {
  if (node.name !== 'chosen') return;
  if (!node.getProperty('bootargs')) return;
  isStringCheck(ctx, node, 'bootargs');
}

function chosenNodeStdoutPath(ctx: CheckContext, node: Node): void {
  if (node.name !== 'chosen') return;
  let prop = node.getProperty('stdout-path');
  if (!prop) {
    prop = node.getProperty('linux,stdout-path');
    if (!prop) return;
    ctx.failProp(node, prop, "Use 'stdout-path' instead");
  }
  isStringCheck(ctx, node, prop.name);
}

export const chosenChecks: readonly CheckDef[] = [
  selecting(
    check('obsolete_chosen_interrupt_controller', 'warning', [], obsoleteChosenInterruptController),
    (ctx) => [ctx.root],
  ),
  selecting(check('chosen_node_is_root', 'warning', [], chosenNodeIsRoot), (ctx) => ctx.nodesNamed('chosen')),
  selecting(check('chosen_node_bootargs', 'warning', [], chosenNodeBootargs), (ctx) =>
    ctx.nodesNamed('chosen'),
  ),
  selecting(check('chosen_node_stdout_path', 'warning', [], chosenNodeStdoutPath), (ctx) =>
    ctx.nodesNamed('chosen'),
  ),
];
