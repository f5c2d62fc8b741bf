import type { Marker, Node, Property } from '../dt/model.js';
import { walkLive } from '../dt/model.js';
import { check, type CheckDef } from './check.js';
import type { CheckContext } from './context.js';

/**
 * duplicate_label: every label (on a node, a property or inside a value) must
 * name one thing. dtc resolves a label by searching the whole tree three
 * times (node labels first, then property labels, then value labels); one
 * pre-order pass filling three first-occurrence maps gives the same answers.
 */

interface Owner {
  node: Node;
  prop: Property | undefined;
  mark: Marker | undefined;
}

const firsts = new WeakMap<
  CheckContext,
  { nodes: Map<string, Owner>; props: Map<string, Owner>; marks: Map<string, Owner> }
>();

function buildMaps(ctx: CheckContext): void {
  const nodes = new Map<string, Owner>();
  const props = new Map<string, Owner>();
  const marks = new Map<string, Owner>();
  for (const node of walkLive(ctx.root)) {
    for (const l of node.labels)
      if (!l.deleted && !nodes.has(l.name)) nodes.set(l.name, { node, prop: undefined, mark: undefined });
    for (const prop of node.properties) {
      if (prop.deleted) continue;
      for (const l of prop.labels)
        if (!l.deleted && !props.has(l.name)) props.set(l.name, { node, prop, mark: undefined });
      for (const m of prop.markers)
        if (m.kind === 'label' && m.ref !== undefined && !marks.has(m.ref))
          marks.set(m.ref, { node, prop, mark: m });
    }
  }
  firsts.set(ctx, { nodes, props, marks });
}

function describe(ctx: CheckContext, o: Owner): string {
  return `${o.mark ? 'value of ' : ''}${o.prop ? `'${o.prop.name}' in ` : ''}${ctx.fullPath(o.node)}`;
}

function checkOne(ctx: CheckContext, label: string, here: Owner): void {
  const m = firsts.get(ctx)!;
  const other = m.nodes.get(label) ?? m.props.get(label) ?? m.marks.get(label);
  if (!other) return;
  if (other.node !== here.node || other.prop !== here.prop || other.mark !== here.mark)
    ctx.fail(here.node, `Duplicate label '${label}' on ${describe(ctx, here)} and ${describe(ctx, other)}`);
}

function duplicateLabel(ctx: CheckContext, node: Node): void {
  for (const l of node.labels)
    if (!l.deleted) checkOne(ctx, l.name, { node, prop: undefined, mark: undefined });
  for (const prop of node.properties) {
    if (prop.deleted) continue;
    for (const l of prop.labels) if (!l.deleted) checkOne(ctx, l.name, { node, prop, mark: undefined });
    for (const m of prop.markers)
      if (m.kind === 'label' && m.ref !== undefined) checkOne(ctx, m.ref, { node, prop, mark: m });
  }
}

export const labelChecks: readonly CheckDef[] = [
  check('duplicate_label', 'error', [], duplicateLabel, buildMaps),
];
