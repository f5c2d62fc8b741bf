// Shared helpers for the DTS front-end tests: parse from memory, describe a tree.
import { parseDts, type DtsParseResult } from '../../src/dts/parse.js';
import type { Node, Property } from '../../src/dt/model.js';

/** Parses `text` as `t.dts`; `files` are the other readable files (path -> content). */
export function parse(
  text: string,
  files: Record<string, string | Uint8Array> = {},
  includeDirs: string[] = [],
): DtsParseResult {
  return parseDts(text, {
    fileName: 't.dts',
    includeDirs,
    readFile: (p) => {
      const v = files[p];
      if (v === undefined) return undefined;
      return typeof v === 'string' ? new TextEncoder().encode(v) : v;
    },
  });
}

/** Parses and insists on success. */
export function tree(text: string, files: Record<string, string | Uint8Array> = {}) {
  const r = parse(text, files);
  if (!r.tree)
    throw new Error(
      `parse failed: ${r.diagnostics.map((d) => `${d.span?.line}:${d.span?.col} ${d.message}`).join('; ')}`,
    );
  return r.tree;
}

export function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

/** `name=hex` for a property, with `!` when deleted. */
export function propSig(p: Property): string {
  return `${p.deleted ? '!' : ''}${p.name}=${hex(p.value)}`;
}

export function markerSig(p: Property): string {
  return p.markers.map((m) => `${m.offset}:${m.kind}${m.ref !== undefined ? `:${m.ref}` : ''}`).join(' ');
}

/** The node at a path of full names (deleted ones included), for inspection. */
export function at(root: Node, path: string): Node {
  let n = root;
  for (const comp of path.split('/').filter(Boolean)) {
    const c = n.children.find((x) => x.name === comp);
    if (!c) throw new Error(`no child ${comp} under ${n.fullPath}`);
    n = c;
  }
  return n;
}

export function labels(x: { labels: { name: string; deleted: boolean }[] }): string {
  return x.labels.map((l) => (l.deleted ? `!${l.name}` : l.name)).join(',');
}

/** First error as `code line:col-endLine:endCol message`. */
export function firstError(r: DtsParseResult): string {
  const d = r.diagnostics.find((x) => x.severity === 'error');
  if (!d) return 'none';
  const s = d.span;
  return `${d.code} ${s ? `${s.file}:${s.line}.${s.col}-${s.endLine}.${s.endCol}` : '-'} ${d.message}`;
}
