import type { Node } from '../dt/model.js';
import { check, propCheck, propNameCheck, selecting, type CheckDef } from './check.js';
import type { CheckContext } from './context.js';
import { charSet, cString, isOneString, spanOf } from './values.js';

/** Structural checks on node and property names (dtc checks.c, "Structural check functions"). */

const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const DIGITS = '0123456789';
const NODECHARS = charSet(LOWER + UPPER + DIGITS + ',._+-@');
const PROPCHARS = charSet(LOWER + UPPER + DIGITS + ',._+*#?-');
const STRICTCHARS = charSet(LOWER + UPPER + DIGITS + ',-');

/** Below this many entries a quadratic scan is cheaper than building maps. */
const SMALL = 16;

/**
 * For each child, every *later* sibling with the same name fails (dtc compares
 * each child with all its successors, deleted ones included). Grouping by name
 * keeps this linear apart from the messages themselves.
 */
function duplicateNodeNames(ctx: CheckContext, node: Node): void {
  const kids = node.children;
  if (kids.length < 2) return;
  if (kids.length <= SMALL) {
    for (let i = 0; i < kids.length; i++) {
      if (kids[i].deleted) continue;
      for (let j = i + 1; j < kids.length; j++)
        if (kids[j].name === kids[i].name) ctx.fail(kids[j], 'Duplicate node name');
    }
    return;
  }
  const byName = new Map<string, number[]>();
  for (let i = 0; i < kids.length; i++) {
    const list = byName.get(kids[i].name);
    if (list) list.push(i);
    else byName.set(kids[i].name, [i]);
  }
  if (byName.size === kids.length) return;
  const seen = new Map<string, number>();
  for (let i = 0; i < kids.length; i++) {
    const name = kids[i].name;
    const list = byName.get(name)!;
    if (list.length === 1) continue;
    const pos = seen.get(name) ?? 0;
    seen.set(name, pos + 1);
    if (kids[i].deleted) continue;
    for (let k = pos + 1; k < list.length; k++) ctx.fail(kids[list[k]], 'Duplicate node name');
  }
}

/** Each live property fails once per later live property of the same name. */
function duplicatePropertyNames(ctx: CheckContext, node: Node): void {
  const props = node.properties;
  if (props.length < 2) return;
  if (props.length <= SMALL) {
    for (let i = 0; i < props.length; i++) {
      if (props[i].deleted) continue;
      for (let j = i + 1; j < props.length; j++)
        if (!props[j].deleted && props[j].name === props[i].name)
          ctx.failProp(node, props[i], 'Duplicate property name');
    }
    return;
  }
  const total = new Map<string, number>();
  for (const p of props) if (!p.deleted) total.set(p.name, (total.get(p.name) ?? 0) + 1);
  if (total.size === props.length) return;
  const seen = new Map<string, number>();
  for (const p of props) {
    if (p.deleted) continue;
    const before = seen.get(p.name) ?? 0;
    seen.set(p.name, before + 1);
    const later = total.get(p.name)! - before - 1;
    for (let k = 0; k < later; k++) ctx.failProp(node, p, 'Duplicate property name');
  }
}

function nodeNameChars(ctx: CheckContext, node: Node): void {
  const n = spanOf(node.name, NODECHARS);
  if (n < node.name.length) ctx.fail(node, `Bad character '${node.name[n]}' in node name`);
}

function nodeNameCharsStrict(ctx: CheckContext, node: Node): void {
  const n = spanOf(node.name, STRICTCHARS);
  if (n < node.basename.length) ctx.fail(node, `Character '${node.name[n]}' not recommended in node name`);
}

function nodeNameFormat(ctx: CheckContext, node: Node): void {
  const at = node.name.indexOf('@');
  if (at >= 0 && node.name.indexOf('@', at + 1) >= 0) ctx.fail(node, "multiple '@' characters in node name");
}

function nodeNameVsPropertyName(ctx: CheckContext, node: Node): void {
  if (!node.parent) return;
  // Most node names are no property name anywhere: one map lookup instead of a scan.
  if (!ctx.anyNodeHasProp(node.name)) return;
  if (node.parent.getProperty(node.name)) ctx.fail(node, 'node name and property name conflict');
}

function propertyNameChars(ctx: CheckContext, node: Node): void {
  for (const p of node.properties) {
    if (p.deleted) continue;
    const n = spanOf(p.name, PROPCHARS);
    if (n < p.name.length) ctx.failProp(node, p, `Bad character '${p.name[n]}' in property name`);
  }
}

function propertyNameCharsStrict(ctx: CheckContext, node: Node): void {
  for (const p of node.properties) {
    if (p.deleted) continue;
    let name = p.name;
    let n = spanOf(name, STRICTCHARS);
    if (n === name.length) continue;
    if (name === 'device_type') continue;
    // '#' is allowed at the start of the name, after an optional vendor prefix.
    if (name[n] === '#' && (n === 0 || name[n - 1] === ',')) {
      name = name.slice(n + 1);
      n = spanOf(name, STRICTCHARS);
    }
    if (n < name.length) ctx.failProp(node, p, `Character '${name[n]}' not recommended in property name`);
  }
}

function nameIsString(ctx: CheckContext, node: Node): void {
  const p = node.getProperty('name');
  if (p && !isOneString(p.value)) ctx.failProp(node, p, 'property is not a string');
}

/**
 * A legacy `name` property equal to the base name is redundant and removed;
 * a different one is an error. dtc looks at the first `name` in the raw
 * property list, deleted or not.
 */
function nameProperties(ctx: CheckContext, node: Node): void {
  const props = node.properties;
  let idx = -1;
  for (let i = 0; i < props.length; i++) {
    if (props[i].name === 'name') {
      idx = i;
      break;
    }
  }
  if (idx < 0) return;
  const p = node.properties[idx];
  const base = node.basename;
  const v = p.value;
  const baseBytes = new TextEncoder().encode(base);
  let same = v.length === baseBytes.length + 1;
  for (let i = 0; same && i < baseBytes.length; i++) if (v[i] !== baseBytes[i]) same = false;
  if (!same) {
    ctx.fail(node, `"name" property is incorrect ("${cString(v)}" instead of base node name)`);
  } else {
    node.properties.splice(idx, 1);
    ctx.invalidatePropIndex();
  }
}

export const nameChecks: readonly CheckDef[] = [
  selecting(check('duplicate_node_names', 'error', [], duplicateNodeNames), (ctx) =>
    ctx.nodesWithSeveralChildren(),
  ),
  {
    ...check('duplicate_property_names', 'error', [], duplicatePropertyNames),
    select: (ctx) => ctx.nodesWithDuplicateProps(),
  },
  selecting(check('node_name_chars', 'error', [], nodeNameChars), (ctx) =>
    ctx.nodesWithNameMatching((n) => spanOf(n, NODECHARS) < n.length),
  ),
  check('node_name_chars_strict', 'off', [], nodeNameCharsStrict),
  selecting(check('node_name_format', 'error', ['node_name_chars'], nodeNameFormat), (ctx) =>
    ctx.nodesWithNameMatching((n) => {
      const at = n.indexOf('@');
      return at >= 0 && n.indexOf('@', at + 1) >= 0;
    }),
  ),
  // Only a node whose name is some live property's name can clash with its parent's.
  selecting(
    check('node_name_vs_property_name', 'warning', ['node_name_chars'], nodeNameVsPropertyName),
    (ctx) => ctx.nodesWithNameMatching((n) => ctx.anyNodeHasProp(n)),
  ),
  propNameCheck(
    'property_name_chars',
    'error',
    [],
    (n) => spanOf(n, PROPCHARS) < n.length,
    propertyNameChars,
  ),
  check('property_name_chars_strict', 'off', [], propertyNameCharsStrict),
  propCheck('name_is_string', 'error', [], 'name', nameIsString),
  selecting(check('name_properties', 'error', ['name_is_string'], nameProperties), (ctx) =>
    ctx.nodesWithRawNameProp(),
  ),
];
