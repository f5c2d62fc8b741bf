import type { Node } from '../dt/model.js';
import type { CheckContext } from './context.js';

export type DefaultLevel = 'error' | 'warning' | 'off';

/**
 * One of dtc's named checks. `node` runs on every live node in a pre-order
 * walk (dtc's check_nodes_props); `begin` prepares whole-tree state (maps that
 * keep the check linear) before that walk.
 */
export interface CheckDef {
  readonly name: string;
  readonly defaultLevel: DefaultLevel;
  /** Names of checks that must pass first (dtc's prereq list, in order). */
  readonly prereqs: readonly string[];
  readonly node: (ctx: CheckContext, node: Node) => void;
  readonly begin?: (ctx: CheckContext) => void;
  /**
   * When set, the check does nothing on a node without a live property of
   * this name, so the walk may visit only the nodes that have one (same
   * pre-order). Purely an optimisation.
   */
  readonly onlyWithProp?: string;
  /**
   * When set, the check does nothing on a node none of whose live properties
   * carries a marker of this kind (references), so the walk may visit only
   * the nodes that have one (same pre-order). Purely an optimisation.
   */
  readonly onlyWithMarker?: 'ref-phandle' | 'ref-path';
  /**
   * When set, the nodes the check can act on (a pre-order subsequence of the
   * live nodes, taken after `begin`); the check does nothing on any other
   * node. Purely an optimisation: every whole-tree pass over the properties
   * of a large tree costs cache misses, so cheap checks should not take one.
   */
  readonly select?: (ctx: CheckContext) => readonly Node[];
}

/** The check, acting only on the nodes `select` gives (see CheckDef.select). */
export function selecting(c: CheckDef, select: (ctx: CheckContext) => readonly Node[]): CheckDef {
  return { ...c, select };
}

/** A check that only concerns nodes with a live property of one of these names. */
export function anyPropCheck(
  name: string,
  defaultLevel: DefaultLevel,
  prereqs: readonly string[],
  props: readonly string[],
  node: (ctx: CheckContext, node: Node) => void,
  begin?: (ctx: CheckContext) => void,
): CheckDef {
  return {
    name,
    defaultLevel,
    prereqs,
    node,
    ...(begin ? { begin } : {}),
    select: (ctx) => ctx.nodesWithAnyProp(props),
  };
}

/** A check that only concerns nodes with a live property whose name passes `test`. */
export function propNameCheck(
  name: string,
  defaultLevel: DefaultLevel,
  prereqs: readonly string[],
  test: (propName: string) => boolean,
  node: (ctx: CheckContext, node: Node) => void,
): CheckDef {
  return { name, defaultLevel, prereqs, node, select: (ctx) => ctx.nodesWithPropMatching(test) };
}

export function check(
  name: string,
  defaultLevel: DefaultLevel,
  prereqs: readonly string[],
  node: (ctx: CheckContext, node: Node) => void,
  begin?: (ctx: CheckContext) => void,
): CheckDef {
  return begin ? { name, defaultLevel, prereqs, node, begin } : { name, defaultLevel, prereqs, node };
}

/** A check that only concerns nodes carrying property `prop`. */
export function propCheck(
  name: string,
  defaultLevel: DefaultLevel,
  prereqs: readonly string[],
  prop: string,
  node: (ctx: CheckContext, node: Node) => void,
): CheckDef {
  return { name, defaultLevel, prereqs, node, onlyWithProp: prop };
}
