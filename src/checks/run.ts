import type { Diagnostic } from '../diag/diagnostic.js';
import type { TreeIndex } from '../dt/lookup.js';
import { type DeviceTree, type PhandleFormat } from '../dt/model.js';
import { InvariantError } from '../util/assert.js';
import { CheckContext, type CheckLevel } from './context.js';
import type { CheckConfig } from './flags.js';
import type { CheckDef } from './check.js';
import { CHECK_INDEX, CHECK_TABLE, defaultLevels } from './registry.js';

export interface RunChecksOptions {
  config?: CheckConfig;
  phandleFormat: PhandleFormat;
  /** dtc's -@: /omit-if-no-ref/ nodes that carry a label are kept. */
  generateSymbols?: boolean;
  /**
   * Every check visits every live node, ignoring the checks' node selections
   * (`select`, `onlyWithProp`, `onlyWithMarker`). Slower, same result: tests
   * use it to show that the selections skip only nodes a check ignores.
   */
  exhaustive?: boolean;
}

const enum Status {
  Unchecked,
  Prereq,
  Passed,
  Failed,
}

/**
 * dtc's process_checks: every enabled check runs in table order, each after
 * its prerequisites (which run even when disabled, silently). A check whose
 * prerequisite did not pass is skipped with "Failed prerequisite 'x'". The
 * result has errors when an error-level check did not pass.
 */
export function runChecks(
  tree: DeviceTree,
  index: TreeIndex,
  opts: RunChecksOptions,
): { diagnostics: Diagnostic[]; hasErrors: boolean } {
  const levels: readonly Readonly<CheckLevel>[] = opts.config?.levels ?? defaultLevels();
  const ctx = new CheckContext(tree, index, opts.phandleFormat, opts.generateSymbols ?? false);
  const status: Status[] = CHECK_TABLE.map(() => Status.Unchecked);
  const inProgress: boolean[] = CHECK_TABLE.map(() => false);

  const runOne = (i: number): boolean => {
    const c = CHECK_TABLE[i];
    if (inProgress[i]) throw new InvariantError(`check ${c.name} depends on itself`);
    let error = false;
    if (status[i] === Status.Unchecked) {
      inProgress[i] = true;
      for (const p of c.prereqs) {
        const pi = CHECK_INDEX.get(p)!;
        // Short-circuit as in dtc: once an error is known, later prerequisites
        // are not run (and then count as not passed).
        error = error || runOne(pi);
        if (status[pi] !== Status.Passed) {
          status[i] = Status.Prereq;
          ctx.current = { name: c.name, level: levels[i], failed: false };
          ctx.failBare(`Failed prerequisite '${p}'`);
        }
      }
      if (status[i] === Status.Unchecked) {
        ctx.current = { name: c.name, level: levels[i], failed: false };
        c.begin?.(ctx);
        walk(ctx, c, opts.exhaustive === true);
        // phandle_references appends phandle properties; the other fixups
        // that change properties say so themselves (name_properties when it
        // removes one, omit_unused_nodes via nodesDeleted); path_references
        // only rewrites values.
        if (c.name === 'phandle_references') ctx.propsAdded(['phandle', 'linux,phandle']);
        status[i] = ctx.current.failed ? Status.Failed : Status.Passed;
      }
      inProgress[i] = false;
    }
    if (status[i] !== Status.Passed && levels[i].error) error = true;
    return error;
  };

  let hasErrors = false;
  for (let i = 0; i < CHECK_TABLE.length; i++) {
    // dtc's `error = error || run_check(c)`: after the first error-level
    // failure no further check runs at all.
    if (levels[i].warn || levels[i].error) hasErrors = hasErrors || runOne(i);
  }
  return { diagnostics: ctx.diagnostics, hasErrors };
}

/**
 * dtc's check_nodes_props: the node, then each live child's subtree in order.
 * Deletion (omit_unused_nodes) is seen as it happens: a child is skipped if it
 * is deleted by the time the walk reaches it.
 */
function walk(ctx: CheckContext, c: CheckDef, exhaustive: boolean): void {
  const fn = c.node;
  // Checks never add nodes and only ever delete whole subtrees (dtc's
  // delete_node flags every descendant), so the pre-order list of live nodes
  // taken once stays valid: a node deleted meanwhile is simply skipped.
  ctx.livePreorder();
  const nodes = exhaustive
    ? ctx.livePreorder()
    : c.select !== undefined
      ? c.select(ctx)
      : c.onlyWithProp !== undefined
        ? ctx.nodesWithProp(c.onlyWithProp)
        : c.onlyWithMarker !== undefined
          ? ctx.nodesWithMarker(c.onlyWithMarker)
          : ctx.livePreorder();
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i];
    if (!n.deleted) fn(ctx, n);
  }
}
