import type { Node } from '../dt/model.js';
import { liveNodes } from '../dt/model.js';
import { anyPropCheck, type CheckDef } from './check.js';
import type { CheckContext } from './context.js';
import { propCell } from './values.js';

/**
 * explicit_phandles: takes node phandles from `phandle` / `linux,phandle`
 * (dtc's check_explicit_phandles). `phandle = <&self>` is left for
 * phandle_references to allocate; 0 and 0xffffffff are rejected; a value
 * already taken by an earlier node (pre-order) is rejected and not assigned.
 */

/** dtc's check_phandle_prop: the usable explicit value, or 0. */
function phandleProp(ctx: CheckContext, node: Node, propname: string): number {
  const prop = node.getProperty(propname);
  if (!prop) return 0;
  if (prop.value.length !== 4) {
    ctx.failProp(node, prop, `bad length (${prop.value.length}) ${prop.name} property`);
    return 0;
  }
  for (const m of prop.markers) {
    if (m.kind !== 'ref-phandle') continue;
    // A reference to the node itself means "allocate one for me"; to another
    // node it is nonsensical. Either way there is no explicit value yet.
    if (ctx.nodeByRef(m.ref ?? '') !== node) ctx.fail(node, `${prop.name} is a reference to another node`);
    return 0;
  }
  const ph = propCell(prop);
  if (ph === 0 || ph === 0xffffffff) {
    ctx.failProp(node, prop, `bad value (0x${ph.toString(16)}) in ${prop.name} property`);
    return 0;
  }
  return ph;
}

function explicitPhandles(ctx: CheckContext, node: Node): void {
  let ph = phandleProp(ctx, node, 'phandle');
  const linux = phandleProp(ctx, node, 'linux,phandle');
  if (!ph && !linux) return;
  if (linux && ph && ph !== linux) ctx.fail(node, "mismatching 'phandle' and 'linux,phandle' properties");
  if (linux && !ph) ph = linux;
  const other = ctx.index.nodeByPhandle(ph);
  if (other && other !== node) {
    ctx.fail(node, `duplicated phandle 0x${ph.toString(16)} (seen before at ${ctx.fullPath(other)})`);
    return;
  }
  node.phandle = ph;
  ctx.index.notePhandle(node);
}

/**
 * dtc asserts that nothing has a phandle before this check; clearing them
 * (and the index) makes "seen before" mean "earlier in this walk" even when
 * the tree was built by a reader that pre-set them.
 */
function clearPhandles(ctx: CheckContext): void {
  const nodes = liveNodes(ctx.root);
  for (let i = 0; i < nodes.length; i++) nodes[i].phandle = 0;
  ctx.index.invalidate();
}

export const phandleChecks: readonly CheckDef[] = [
  anyPropCheck(
    'explicit_phandles',
    'error',
    [],
    ['phandle', 'linux,phandle'],
    explicitPhandles,
    clearPhandles,
  ),
];
