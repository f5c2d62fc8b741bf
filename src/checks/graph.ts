import type { Node } from '../dt/model.js';
import { check, selecting, type CheckDef } from './check.js';
import type { CheckContext } from './context.js';
import { baseNameIs, cellAt, hex32, propCell, unitName } from './values.js';

/** OF graph (ports/endpoints) checks, dtc 1.6.1. */

function graphNodes(ctx: CheckContext, node: Node): void {
  for (const child of node.children) {
    if (child.deleted) continue;
    if (!(baseNameIs(child, 'endpoint') || child.getProperty('remote-endpoint'))) continue;
    // dtc 1.6.1 dereferences the missing parent of the root here and crashes;
    // 1.7+ reports it, which is what we do.
    if (!node.parent) {
      ctx.fail(
        node,
        `root node contains endpoint node '${child.name}', potentially misplaced remote-endpoint property`,
      );
      continue;
    }
    ctx.bus.set(node, 'graph-port');
    // The parent of a port is either `ports` or the device itself.
    if (!ctx.bus.has(node.parent) && (node.parent.name === 'ports' || node.getProperty('reg')))
      ctx.bus.set(node.parent, 'graph-ports');
    break;
  }
}

function graphReg(ctx: CheckContext, node: Node): void {
  const prop = node.getProperty('reg');
  if (!prop) return;
  if (prop.value.length !== 4) {
    ctx.fail(node, "graph node malformed 'reg' property");
    return;
  }
  const expected = hex32(propCell(prop));
  if (unitName(node) !== expected) ctx.fail(node, `graph node unit address error, expected "${expected}"`);
  const parent = node.parent!;
  // dtc names the node's own #address-cells/#size-cells (usually absent) here.
  if (ctx.rawAddrCells(parent) !== 1)
    ctx.failProp(
      node,
      node.getProperty('#address-cells'),
      `graph node '#address-cells' is ${ctx.rawAddrCells(parent)}, must be 1`,
    );
  if (ctx.rawSizeCells(parent) !== 0)
    ctx.failProp(
      node,
      node.getProperty('#size-cells'),
      `graph node '#size-cells' is ${ctx.rawSizeCells(parent)}, must be 0`,
    );
}

function graphPort(ctx: CheckContext, node: Node): void {
  if (ctx.bus.get(node) !== 'graph-port') return;
  if (node.basename !== 'port') ctx.fail(node, "graph port node name should be 'port'");
  graphReg(ctx, node);
}

function remoteEndpoint(ctx: CheckContext, endpoint: Node): Node | undefined {
  const prop = endpoint.getProperty('remote-endpoint');
  if (!prop) return undefined;
  const ph = propCell(prop);
  if (ph === 0 || ph === 0xffffffff) return undefined;
  const n = ctx.index.nodeByPhandle(ph);
  if (!n) ctx.failProp(endpoint, prop, 'graph phandle is not valid');
  return n;
}

function graphEndpoint(ctx: CheckContext, node: Node): void {
  if (!node.parent || ctx.bus.get(node.parent) !== 'graph-port') return;
  if (node.basename !== 'endpoint') ctx.fail(node, "graph endpoint node name should be 'endpoint'");
  graphReg(ctx, node);
  const remote = remoteEndpoint(ctx, node);
  if (!remote) return;
  if (remoteEndpoint(ctx, remote) !== node)
    ctx.fail(node, `graph connection to node '${ctx.fullPath(remote)}' is not bidirectional`);
}

function graphChildAddress(ctx: CheckContext, node: Node): void {
  const bus = ctx.bus.get(node);
  if (bus !== 'graph-ports' && bus !== 'graph-port') return;
  let cnt = 0;
  for (const child of node.children) {
    if (child.deleted) continue;
    const reg = child.getProperty('reg');
    // Any non-zero address makes the cells necessary.
    if (reg && cellAt(reg.value, 0) !== 0) return;
    cnt++;
  }
  if (cnt === 1 && ctx.rawAddrCells(node) !== -1)
    ctx.fail(
      node,
      `graph node has single child node '${node.children[0].name}', #address-cells/#size-cells are not necessary`,
    );
}

export const graphChecks: readonly CheckDef[] = [
  // Only parents of an `endpoint` node or of a node with remote-endpoint can be ports.
  selecting(check('graph_nodes', 'warning', [], graphNodes), (ctx) =>
    ctx.parentsOf(ctx.union([ctx.nodesWithBaseName('endpoint'), ctx.nodesWithProp('remote-endpoint')])),
  ),
  // 1.6.1 lists only graph_nodes as prerequisite (graph_port/graph_endpoint came later).
  selecting(check('graph_child_address', 'warning', ['graph_nodes'], graphChildAddress), (ctx) =>
    ctx.nodesWithBus(['graph-ports', 'graph-port']),
  ),
  selecting(check('graph_port', 'warning', ['graph_nodes'], graphPort), (ctx) =>
    ctx.nodesWithBus(['graph-port']),
  ),
  selecting(check('graph_endpoint', 'warning', ['graph_nodes'], graphEndpoint), (ctx) =>
    ctx.childrenOfBus('graph-port'),
  ),
];
