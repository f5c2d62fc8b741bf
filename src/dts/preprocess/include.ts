/**
 * `#include` resolution as gcc does it with -nostdinc: `"file"` looks in the
 * directory of the including file first, then in the -I directories in order;
 * `<file>` only in the -I directories. `#include_next` resumes the search after
 * the directory where the current file was found. Names are joined textually
 * (`dir/file`) like gcc, so line markers show the same paths gcc shows.
 */

/** gcc's default -fmax-include-depth (the main file counts as depth 1). */
export const MAX_INCLUDE_DEPTH = 200;

export interface Resolved {
  path: string;
  text: string;
  /** Index in the -I list where it was found; -1 for the includer's directory or an absolute name. */
  dirIndex: number;
}

export interface IncludeRequest {
  name: string;
  angled: boolean;
  /** Path of the including file as opened (not its #line name). */
  includer: string;
  /** For #include_next: the includer's own dirIndex (search starts after it). */
  nextAfter?: number;
}

export function dirOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i + 1);
}

function joinDir(dir: string, name: string): string {
  if (dir === '' || dir === '.') return name;
  return dir.endsWith('/') ? dir + name : dir + '/' + name;
}

export class IncludeResolver {
  private readonly cache = new Map<string, string | undefined>();
  /** Files successfully read, in first-read order. */
  readonly files: string[] = [];

  constructor(
    private readonly dirs: readonly string[],
    private readonly readFile: (path: string) => string | undefined,
  ) {}

  read(path: string): string | undefined {
    if (this.cache.has(path)) return this.cache.get(path);
    let text: string | undefined;
    try {
      text = this.readFile(path);
    } catch {
      text = undefined;
    }
    this.cache.set(path, text);
    if (text !== undefined) this.files.push(path);
    return text;
  }

  /** The directories searched for `req`, in order (for the not-found message). */
  searchList(req: IncludeRequest): { dir: string; index: number }[] {
    if (req.name.startsWith('/')) return [{ dir: '', index: -1 }];
    const list: { dir: string; index: number }[] = [];
    if (req.nextAfter === undefined && !req.angled) list.push({ dir: dirOf(req.includer), index: -1 });
    const from = req.nextAfter === undefined ? 0 : req.nextAfter + 1;
    for (let i = from; i < this.dirs.length; i++) list.push({ dir: this.dirs[i], index: i });
    return list;
  }

  resolve(req: IncludeRequest): Resolved | undefined {
    for (const { dir, index } of this.searchList(req)) {
      const path = req.name.startsWith('/') ? req.name : joinDir(dir, req.name);
      const text = this.read(path);
      if (text !== undefined) return { path, text, dirIndex: index };
    }
    return undefined;
  }
}
