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
