/**
 * getopt_long as dtc uses it: short options clustered (`-qq`), arguments attached
 * (`-Wno-foo`, `-ofile`) or separate, long options as `--name=value` or
 * `--name value` with unambiguous prefixes, options and operands in any order,
 * `--` ends options. Errors are returned, never thrown.
 */
export interface OptSpec {
  /** Short letter (or a long-only key). */
  key: string;
  long?: string;
  hasArg: boolean;
}

export interface ParsedOpt {
  key: string;
  value?: string;
}

export type GetoptResult =
  { ok: true; opts: ParsedOpt[]; operands: string[] } | { ok: false; message: string };

export function getopt(argv: readonly string[], specs: readonly OptSpec[]): GetoptResult {
  const opts: ParsedOpt[] = [];
  const operands: string[] = [];
  const shortMap = new Map<string, OptSpec>();
  for (const s of specs) if (s.key.length === 1) shortMap.set(s.key, s);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      operands.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = a.slice(2, eq < 0 ? undefined : eq);
      const exact = specs.find((s) => s.long === name);
      const candidates = exact ? [exact] : specs.filter((s) => s.long?.startsWith(name));
      if (candidates.length !== 1)
        return {
          ok: false,
          message:
            candidates.length === 0 ? `unrecognized option '--${name}'` : `option '--${name}' is ambiguous`,
        };
      const spec = candidates[0];
      if (spec.hasArg) {
        if (eq >= 0) opts.push({ key: spec.key, value: a.slice(eq + 1) });
        else if (i + 1 < argv.length) opts.push({ key: spec.key, value: argv[++i] });
        else return { ok: false, message: `option '--${spec.long}' requires an argument` };
      } else {
        if (eq >= 0) return { ok: false, message: `option '--${spec.long}' doesn't allow an argument` };
        opts.push({ key: spec.key });
      }
      continue;
    }
    if (a.startsWith('-') && a.length > 1) {
      for (let j = 1; j < a.length; j++) {
        const spec = shortMap.get(a[j]);
        if (!spec) return { ok: false, message: `invalid option -- '${a[j]}'` };
        if (!spec.hasArg) {
          opts.push({ key: spec.key });
          continue;
        }
        if (j + 1 < a.length) opts.push({ key: spec.key, value: a.slice(j + 1) });
        else if (i + 1 < argv.length) opts.push({ key: spec.key, value: argv[++i] });
        else return { ok: false, message: `option requires an argument -- '${a[j]}'` };
        break;
      }
      continue;
    }
    operands.push(a);
  }
  return { ok: true, opts, operands };
}
