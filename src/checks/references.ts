import { deleteNode } from '../dt/merge.js';
import type { Node, Property } from '../dt/model.js';
import { check, selecting, type CheckDef } from './check.js';
import type { CheckContext } from './context.js';

/**
 * The fixup checks: they resolve `&ref`s in values and mutate the tree exactly
 * like dtc's fixup_phandle_references / fixup_path_references /
 * fixup_omit_unused_nodes.
 */

// dtc's format string ends in "\n", so its output carries an empty line after
// the message; the message keeps it to stay byte-identical.
const nonExistent = (ref: string): string => `Reference to non-existent node or label "${ref}"\n`;

function phandleReferences(ctx: CheckContext, node: Node): void {
  // Index loop: a self-reference appends a `phandle` property to this very
  // list, which dtc's walk then visits too (it has no references).
  for (let i = 0; i < node.properties.length; i++) {
    const prop = node.properties[i];
    if (prop.deleted) continue;
    for (const m of prop.markers) {
      if (m.kind !== 'ref-phandle') continue;
      const ref = m.ref ?? '';
      const target = ctx.nodeByRef(ref);
      let value: number;
      if (!target) {
        if (!ctx.plugin) {
          ctx.fail(node, nonExistent(ref));
          continue;
        }
        // Overlays: left unresolved for __fixups__.
        value = 0xffffffff;
      } else {
        value = ctx.index.getNodePhandle(target, ctx.phandleFormat);
        target.isReferenced = true;
      }
      const v = prop.value;
      v[m.offset] = value >>> 24;
      v[m.offset + 1] = (value >>> 16) & 0xff;
      v[m.offset + 2] = (value >>> 8) & 0xff;
      v[m.offset + 3] = value & 0xff;
    }
  }
}

const encoder = new TextEncoder();

/**
 * dtc's fixup_path_references: each `&ref` outside `< >` gets "full path\0"
 * inserted at its marker (data_insert_at_marker), and every marker after it
 * in list order moves along by the inserted length. Markers come in offset
 * order from the parser, so all insertions of a value are done in one pass
 * (one copy, not one per reference); otherwise they are spliced one by one.
 */
function pathReferences(ctx: CheckContext, node: Node): void {
  for (const prop of node.properties) {
    if (prop.deleted) continue;
    const markers = prop.markers;
    let hasPath = false;
    let sorted = true;
    for (let i = 0; i < markers.length; i++) {
      if (markers[i].kind === 'ref-path') hasPath = true;
      if (i > 0 && markers[i].offset < markers[i - 1].offset) sorted = false;
    }
    if (!hasPath) continue;
    if (sorted) spliceInOnePass(ctx, node, prop);
    else spliceOneByOne(ctx, node, prop);
  }
}

function resolvePath(ctx: CheckContext, node: Node, ref: string): Uint8Array | undefined {
  const target = ctx.nodeByRef(ref);
  if (!target) {
    ctx.fail(node, nonExistent(ref));
    return undefined;
  }
  target.isReferenced = true;
  // Many values name the same node: encode its path once (the bytes are only copied from).
  let bytes = pathBytes.get(ctx)?.get(target);
  if (!bytes) {
    bytes = encoder.encode(`${ctx.fullPath(target)}\0`);
    let m = pathBytes.get(ctx);
    if (!m) pathBytes.set(ctx, (m = new Map()));
    m.set(target, bytes);
  }
  return bytes;
}

/** Encoded "full path\0" per referenced node, per check run. */
const pathBytes = new WeakMap<CheckContext, Map<Node, Uint8Array>>();

function spliceInOnePass(ctx: CheckContext, node: Node, prop: Property): void {
  const old = prop.value;
  const markers = prop.markers;
  // Resolve first (in marker order, as the messages must come), then build the
  // new value in one copy without temporary views.
  const paths: (Uint8Array | undefined)[] = [];
  let shift = 0;
  for (let i = 0; i < markers.length; i++) {
    const m = markers[i];
    if (m.kind !== 'ref-path') continue;
    const path = resolvePath(ctx, node, m.ref ?? '');
    paths.push(path);
    if (path) shift += path.length;
  }
  if (shift === 0) return;
  const next = new Uint8Array(old.length + shift);
  let copied = 0;
  let o = 0;
  let k = 0;
  shift = 0;
  for (let i = 0; i < markers.length; i++) {
    const m = markers[i];
    const orig = m.offset;
    m.offset = orig + shift;
    if (m.kind !== 'ref-path') continue;
    const path = paths[k++];
    if (!path) continue;
    o = copyInto(next, o, old, copied, orig);
    o = copyInto(next, o, path, 0, path.length);
    copied = orig;
    shift += path.length;
  }
  copyInto(next, o, old, copied, old.length);
  prop.value = next;
}

/** Copies `from[start, end)` to `to` at `at`; returns the position after it. */
function copyInto(to: Uint8Array, at: number, from: Uint8Array, start: number, end: number): number {
  const n = end - start;
  if (n > 64) to.set(from.subarray(start, end), at);
  else for (let i = 0; i < n; i++) to[at + i] = from[start + i];
  return at + n;
}

function spliceOneByOne(ctx: CheckContext, node: Node, prop: Property): void {
  const markers = prop.markers;
  for (let mi = 0; mi < markers.length; mi++) {
    const m = markers[mi];
    if (m.kind !== 'ref-path') continue;
    const path = resolvePath(ctx, node, m.ref ?? '');
    if (!path) continue;
    const old = prop.value;
    const next = new Uint8Array(old.length + path.length);
    next.set(old.subarray(0, m.offset), 0);
    next.set(path, m.offset);
    next.set(old.subarray(m.offset), m.offset + path.length);
    prop.value = next;
    for (let k = mi + 1; k < markers.length; k++) markers[k].offset += path.length;
  }
}

function omitUnusedNodes(ctx: CheckContext, node: Node): void {
  // With -@ a labelled node is kept (dtc tests `node->labels`, deleted labels included).
  if (ctx.generateSymbols && node.labels.length > 0) return;
  if (node.omitIfNoRef && !node.isReferenced) {
    deleteNode(node);
    ctx.nodesDeleted();
  }
}

export const referenceChecks: readonly CheckDef[] = [
  {
    ...check('phandle_references', 'error', ['duplicate_node_names', 'explicit_phandles'], phandleReferences),
    onlyWithMarker: 'ref-phandle',
  },
  {
    ...check('path_references', 'error', ['duplicate_node_names'], pathReferences),
    onlyWithMarker: 'ref-path',
  },
  selecting(
    check('omit_unused_nodes', 'error', ['phandle_references', 'path_references'], omitUnusedNodes),
    (ctx) => ctx.nodesMarkedOmit(),
  ),
];
