/**
 * Macro definitions: parsing a `#define` operand into a replacement list,
 * the redefinition rule (C11 6.10.3p2, gcc warns "X" redefined), and the table.
 */
import { TK, isPunct, withFlags, type Token } from './lexer.js';

export type Builtin = 'FILE' | 'LINE' | 'BASE_FILE' | 'INCLUDE_LEVEL' | 'COUNTER';

export interface Macro {
  readonly name: string;
  readonly fn: boolean;
  readonly params: readonly string[];
  readonly variadic: boolean;
  readonly body: readonly Token[];
  readonly builtin?: Builtin;
  /** Where it was defined (presumed file/line) for "previous definition" notes. */
  readonly file: string;
  readonly line: number;
  readonly col: number;
  /** Set while the macro's own expansion is being rescanned (C11 6.10.3.4p2). */
  disabled: boolean;
}

export type DefineResult = { macro: Macro; warning?: string; col?: number } | { error: string; col: number };

/**
 * Parses the tokens after `#define`. `toks[0]` must be the macro name.
 * `nameAdjacentParen` tells whether `(` follows the name without whitespace
 * (that, and only that, makes a function-like macro).
 */
export function parseDefine(toks: readonly Token[], file: string): DefineResult {
  const nameTok = toks[0];
  if (!nameTok) return { error: 'no macro name given in #define directive', col: 0 };
  if (nameTok.k !== TK.Ident) return { error: 'macro names must be identifiers', col: nameTok.col };
  const name = nameTok.s;
  if (name === 'defined') return { error: '"defined" cannot be used as a macro name', col: nameTok.col };
  let i = 1;
  let fn = false;
  const params: string[] = [];
  let variadic = false;
  let warning: string | undefined;
  if (toks[1] && isPunct(toks[1], '(') && !toks[1].w) {
    fn = true;
    i = 2;
    let expectParam = true;
    for (;;) {
      const t = toks[i];
      if (!t) return { error: `missing ')' in macro parameter list of "${name}"`, col: toks[i - 1].col };
      i++;
      if (isPunct(t, ')')) {
        if (expectParam && params.length > 0)
          return { error: `parameter name missing in macro "${name}"`, col: t.col };
        break;
      }
      if (variadic) return { error: `missing ')' after "..." in macro "${name}"`, col: t.col };
      if (expectParam) {
        if (isPunct(t, '...')) {
          variadic = true;
          params.push('__VA_ARGS__');
          expectParam = false;
          continue;
        }
        if (t.k !== TK.Ident)
          return { error: `expected parameter name, found "${t.s}" in macro "${name}"`, col: t.col };
        if (params.includes(t.s))
          return { error: `duplicate macro parameter "${t.s}" in macro "${name}"`, col: t.col };
        params.push(t.s);
        expectParam = false;
        // GNU named variadic parameter: `args...`
        if (toks[i] && isPunct(toks[i], '...')) {
          variadic = true;
          i++;
        }
      } else {
        if (!isPunct(t, ','))
          return { error: `expected ',' or ')', found "${t.s}" in macro "${name}"`, col: t.col };
        expectParam = true;
      }
    }
  } else if (toks[1] && !toks[1].w) {
    warning = `missing whitespace after the macro name "${name}"`;
  }
  const body: Token[] = [];
  for (let j = i; j < toks.length; j++) {
    let t = toks[j];
    if (body.length === 0 && t.w) t = withFlags(t, { w: false });
    if (fn && t.k === TK.Ident) {
      const pi = params.indexOf(t.s);
      if (pi >= 0) {
        body.push({ k: TK.Param, s: t.s, w: t.w, line: 0, col: t.col, pi });
        continue;
      }
    }
    if (isPunct(t, '##')) {
      if (body.length === 0 || j === toks.length - 1)
        return { error: `'##' cannot appear at either end of a macro expansion (in "${name}")`, col: t.col };
      body[body.length - 1] = withFlags(body[body.length - 1], { pl: true });
      continue;
    }
    if (fn && isPunct(t, '#')) {
      const p = toks[j + 1];
      const pi = p && p.k === TK.Ident ? params.indexOf(p.s) : -1;
      if (pi >= 0) {
        body.push({ k: TK.Param, s: p.s, w: t.w, line: 0, col: t.col, pi, sf: true });
        j++;
        continue;
      }
      // assembler-with-cpp: a `#` not followed by a parameter is kept literally.
    }
    body.push({ k: t.k, s: t.s, w: t.w, line: 0, col: t.col });
  }
  const macro: Macro = {
    name,
    fn,
    params,
    variadic,
    body,
    file,
    line: nameTok.line,
    col: nameTok.col,
    disabled: false,
  };
  return warning ? { macro, warning, col: toks[1].col } : { macro };
}

/** C11 6.10.3p2: same kind, parameters and replacement list (whitespace presence only). */
export function sameDefinition(a: Macro, b: Macro): boolean {
  if (a.fn !== b.fn || a.variadic !== b.variadic || a.params.length !== b.params.length) return false;
  for (let i = 0; i < a.params.length; i++) if (a.params[i] !== b.params[i]) return false;
  if (a.body.length !== b.body.length) return false;
  for (let i = 0; i < a.body.length; i++) {
    const x = a.body[i];
    const y = b.body[i];
    if (x.k !== y.k || x.s !== y.s || !!x.pl !== !!y.pl || !!x.sf !== !!y.sf) return false;
    if (i > 0 && x.w !== y.w) return false;
  }
  return true;
}

export function builtinMacro(name: string, builtin: Builtin): Macro {
  return {
    name,
    fn: false,
    params: [],
    variadic: false,
    body: [],
    builtin,
    file: '<built-in>',
    line: 0,
    col: 0,
    disabled: false,
  };
}
