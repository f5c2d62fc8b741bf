import type { DeviceTree, MemReserve, Node } from './model.js';

/**
 * dtc's sort_tree (`-s`): memory reservations by (address, size), then in
 * every node (deleted ones included, as dtc sorts the lists with their
 * deleted entries) the properties and the children by `strcmp` of their
 * names. The sort is stable, as glibc's merge-sort qsort is for these sizes.
 */
export function sortTree(tree: DeviceTree): void {
  tree.memreserves.sort(compareReserve);
  const stack: Node[] = [tree.root];
  while (stack.length > 0) {
    const n = stack.pop()!;
    n.properties.sort((a, b) => strcmp(a.name, b.name));
    n.children.sort((a, b) => strcmp(a.name, b.name));
    for (const c of n.children) stack.push(c);
  }
}

function compareReserve(a: MemReserve, b: MemReserve): number {
  if (a.address !== b.address) return a.address < b.address ? -1 : 1;
  if (a.size !== b.size) return a.size < b.size ? -1 : 1;
  return 0;
}

/**
 * strcmp over the UTF-8 bytes. UTF-8 byte order is code point order, which
 * differs from JS's UTF-16 comparison only for astral characters against
 * U+E000..U+FFFF, so compare by code point.
 */
export function strcmp(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    if (x < 0xd800 && y < 0xd800) return x - y;
    const cx = a.codePointAt(i)!;
    const cy = b.codePointAt(i)!;
    if (cx !== cy) return cx - cy;
  }
  return a.length - b.length;
}
