/**
 * POSIX path joining for manifest-relative file names, without node:path, so
 * the platform loader also runs where there is no file system (a browser
 * handing it files by name). Relative paths stay relative: diagnostics then
 * show `examples/seed/vplatform-vm2.dts:22:5`, not a machine-specific prefix.
 */
export function dirOf(file: string): string {
  const i = file.lastIndexOf('/');
  if (i < 0) return '';
  return i === 0 ? '/' : file.slice(0, i);
}

export function joinPath(base: string, rel: string): string {
  if (rel.startsWith('/') || base === '' || base === '.') return normalizePath(rel);
  return normalizePath(`${base}/${rel}`);
}

export function normalizePath(p: string): string {
  const abs = p.startsWith('/');
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..' && out.length > 0 && out[out.length - 1] !== '..') out.pop();
    else if (part === '..' && abs) continue;
    else out.push(part);
  }
  const s = out.join('/');
  return abs ? `/${s}` : s === '' ? '.' : s;
}

/** The last component: `vplatform-vm2.dts`. */
export function baseName(p: string): string {
  const i = p.lastIndexOf('/');
  return i < 0 ? p : p.slice(i + 1);
}
