import type { Node } from '../dt/model.js';
import { propCheck, propNameCheck, type CheckDef } from './check.js';
import type { CheckContext } from './context.js';
import { isOneString } from './values.js';

/** Value-type checks on well-known properties (dtc's *_is_cell / *_is_string / *_is_string_list). */

/** check_is_cell: exactly one 32-bit cell. */
export function isCellCheck(ctx: CheckContext, node: Node, propname: string): void {
  const p = node.getProperty(propname);
  if (p && p.value.length !== 4) ctx.failProp(node, p, 'property is not a single cell');
}

/** check_is_string: exactly one NUL-terminated string. */
export function isStringCheck(ctx: CheckContext, node: Node, propname: string): void {
  const p = node.getProperty(propname);
  if (p && !isOneString(p.value)) ctx.failProp(node, p, 'property is not a string');
}

/** check_is_string_list: every chunk NUL-terminated (an empty value passes). */
export function isStringListCheck(ctx: CheckContext, node: Node, propname: string): void {
  const p = node.getProperty(propname);
  if (!p) return;
  const v = p.value;
  let pos = 0;
  while (pos < v.length) {
    const nul = v.indexOf(0, pos);
    if (nul < 0) {
      ctx.failProp(node, p, 'property is not a string list');
      break;
    }
    pos = nul + 1;
  }
}

function namesIsStringList(ctx: CheckContext, node: Node): void {
  for (const p of node.properties)
    if (!p.deleted && p.name.endsWith('-names')) isStringListCheck(ctx, node, p.name);
}

export const propertyChecks: readonly CheckDef[] = [
  propCheck('address_cells_is_cell', 'warning', [], '#address-cells', (c, n) =>
    isCellCheck(c, n, '#address-cells'),
  ),
  propCheck('size_cells_is_cell', 'warning', [], '#size-cells', (c, n) => isCellCheck(c, n, '#size-cells')),
  propCheck('device_type_is_string', 'warning', [], 'device_type', (c, n) =>
    isStringCheck(c, n, 'device_type'),
  ),
  propCheck('model_is_string', 'warning', [], 'model', (c, n) => isStringCheck(c, n, 'model')),
  propCheck('status_is_string', 'warning', [], 'status', (c, n) => isStringCheck(c, n, 'status')),
  propCheck('label_is_string', 'warning', [], 'label', (c, n) => isStringCheck(c, n, 'label')),
  propCheck('compatible_is_string_list', 'warning', [], 'compatible', (c, n) =>
    isStringListCheck(c, n, 'compatible'),
  ),
  propNameCheck('names_is_string_list', 'warning', [], (n) => n.endsWith('-names'), namesIsStringList),
];
