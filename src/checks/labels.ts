import type { Marker, Node, Property } from '../dt/model.js';
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

interface Firsts {
  nodes: Map<string, Owner>;
  props: Map<string, Owner>;
  marks: Map<string, Owner>;
  /** The nodes (pre-order) carrying any label: the only ones the check looks at. */
  labelled: Node[];
}

const firsts = new WeakMap<CheckContext, Firsts>();

function buildMaps(ctx: CheckContext): void {
  const nodes = new Map<string, Owner>();
  const props = new Map<string, Owner>();
  const marks = new Map<string, Owner>();
  const labelled: Node[] = [];
  const all = ctx.livePreorder();
  for (let i = 0; i < all.length; i++) {
    const node = all[i];
    // A node deleted since the pre-order list was taken has its whole subtree deleted too.
    if (node.deleted) continue;
    let has = node.labels.length > 0;
    for (const l of node.labels)
      if (!l.deleted && !nodes.has(l.name)) nodes.set(l.name, { node, prop: undefined, mark: undefined });
    const plist = node.properties;
    for (let k = 0; k < plist.length; k++) {
      const prop = plist[k];
      if (prop.deleted) continue;
      const pl = prop.labels;
      if (pl.length > 0) has = true;
      for (let j = 0; j < pl.length; j++) {
        const l = pl[j];
        if (!l.deleted && !props.has(l.name)) props.set(l.name, { node, prop, mark: undefined });
      }
      const ms = prop.markers;
      for (let j = 0; j < ms.length; j++) {
        const m = ms[j];
        if (m.kind === 'label' && m.ref !== undefined) {
          has = true;
          if (!marks.has(m.ref)) marks.set(m.ref, { node, prop, mark: m });
        }
      }
    }
    if (has) labelled.push(node);
  }
  firsts.set(ctx, { nodes, props, marks, labelled });
}

function describe(
  ctx: CheckContext,
  node: Node,
  prop: Property | undefined,
  mark: Marker | undefined,
): string {
  return `${mark ? 'value of ' : ''}${prop ? `'${prop.name}' in ` : ''}${ctx.fullPath(node)}`;
}

function checkOne(
  ctx: CheckContext,
  m: Firsts,
  label: string,
  node: Node,
  prop: Property | undefined,
  mark: Marker | undefined,
): void {
  const other = m.nodes.get(label) ?? m.props.get(label) ?? m.marks.get(label);
  if (!other) return;
  if (other.node !== node || other.prop !== prop || other.mark !== mark)
    ctx.fail(
      node,
      `Duplicate label '${label}' on ${describe(ctx, node, prop, mark)} and ${describe(ctx, other.node, other.prop, other.mark)}`,
    );
}

function duplicateLabel(ctx: CheckContext, node: Node): void {
  const m = firsts.get(ctx)!;
  const labels = node.labels;
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i];
    if (!l.deleted) checkOne(ctx, m, l.name, node, undefined, undefined);
  }
  const props = node.properties;
  for (let i = 0; i < props.length; i++) {
    const prop = props[i];
    if (prop.deleted) continue;
    for (const l of prop.labels) if (!l.deleted) checkOne(ctx, m, l.name, node, prop, undefined);
    const marks = prop.markers;
    for (let k = 0; k < marks.length; k++) {
      const mk = marks[k];
      if (mk.kind === 'label' && mk.ref !== undefined) checkOne(ctx, m, mk.ref, node, prop, mk);
    }
  }
}

export const labelChecks: readonly CheckDef[] = [
  {
    ...check('duplicate_label', 'error', [], duplicateLabel, buildMaps),
    select: (ctx) => firsts.get(ctx)!.labelled,
  },
];
