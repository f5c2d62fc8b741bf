import type { Node } from './model.js';
import { nodeByPathDtc } from './merge.js';

/**
 * dtc's guess_boot_cpuid: the `reg` of the first child of `/cpus` when it is
 * exactly one cell, else 0. "First child" is the first entry of the child
 * list even when that node was deleted (dtc reads `cpus->children`), but its
 * `reg` must be live, so a deleted first CPU gives 0.
 */
export function guessBootCpuid(root: Node): number {
  const cpus = nodeByPathDtc(root, '/cpus');
  if (!cpus) return 0;
  const first = cpus.children[0];
  if (!first) return 0;
  const reg = first.getProperty('reg');
  if (!reg || reg.value.length !== 4) return 0;
  const v = reg.value;
  return ((v[0] << 24) | (v[1] << 16) | (v[2] << 8) | v[3]) >>> 0;
}
