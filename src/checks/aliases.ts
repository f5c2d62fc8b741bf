import type { Node } from '../dt/model.js';
import { check, selecting, type CheckDef } from './check.js';
import type { CheckContext } from './context.js';
import { cString, cStringOrNull } from './values.js';

/**
 * alias_paths: in any node named `aliases`, every property (but phandles) must
 * be a path to an existing node. dtc's get_node_by_path takes the C string
 * and also accepts a path without the leading '/' (and "" means the root).
 */
const ALIAS_NAME_CHARS = /^[a-z0-9-]*$/;

function aliasPaths(ctx: CheckContext, node: Node): void {
  if (node.name !== 'aliases') return;
  for (const prop of node.properties) {
    if (prop.deleted) continue;
    if (prop.name === 'phandle' || prop.name === 'linux,phandle') continue;
    if (prop.value.length === 0 || !ctx.nodeByPath(cString(prop.value))) {
      ctx.failProp(node, prop, `aliases property is not a valid node (${cStringOrNull(prop.value)})`);
      continue;
    }
    if (!ALIAS_NAME_CHARS.test(prop.name))
      ctx.fail(node, "aliases property name must include only lowercase and '-'");
  }
}

export const aliasChecks: readonly CheckDef[] = [
  selecting(check('alias_paths', 'warning', [], aliasPaths), (ctx) => ctx.nodesNamed('aliases')),
];
