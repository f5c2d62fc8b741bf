/**
 * Directive lines (C11 6.10). Assembler-with-cpp leniency as in gcc's
 * directives.c: a `#` followed by something that is not a directive name
 * (`#address-cells = <1>;`) is not an error but ordinary text, so
 * handleDirective returns false and the engine outputs the line.
 * Input line markers (`# 12 "file" 1`) are honoured like `#line`, so already
 * preprocessed text can be preprocessed again.
 */
import { Budget, Expander, ExpansionLimit } from './expand.js';
import { evaluateIf } from './if-expr.js';
import { TK, isHSpace, isIdChar, isIdStart, positionOf, tokenize, type Token } from './lexer.js';
import { parseDefine, sameDefinition } from './macro-table.js';
import type { Cond, Engine, Frame } from './engine.js';
import { MAX_INCLUDE_DEPTH } from './include.js';
import type { PullMode } from './expand.js';
import type { RawLine } from './reader.js';

const CONDITIONALS = new Set(['if', 'ifdef', 'ifndef', 'elif', 'else', 'endif']);
const KNOWN = new Set([
  'define',
  'undef',
  'include',
  'include_next',
  'import',
  'line',
  'error',
  'warning',
  'pragma',
  'ident',
  'sccs',
  'assert',
  'unassert',
]);

interface Ctx {
  e: Engine;
  f: Frame;
  l: RawLine;
  name: string;
  /** Presumed line and column of the `#`. */
  line: number;
  col: number;
  /** Offset in l.text just after the directive name. */
  rest: number;
  mode: 'normal' | PullMode;
}

/** Handles the line if it is a directive (true), or returns false for assembler `#` text. */
export function handleDirective(e: Engine, f: Frame, l: RawLine, mode: 'normal' | PullMode): boolean {
  const s = l.text;
  let i = s.indexOf('#') + 1;
  const pos = positionOf(e.mapper(l, f), i - 1);
  while (i < s.length && isHSpace(s.charCodeAt(i))) i++;
  const skipping = e.skipping(f);
  if (i >= s.length) return true; // the null directive
  const c = s.charCodeAt(i);
  if (c >= 48 && c <= 57) {
    if (!skipping) lineMarker({ e, f, l, name: '', line: pos.line, col: pos.col, rest: i, mode });
    return true;
  }
  if (!isIdStart(c)) return skipping;
  let j = i + 1;
  while (j < s.length && isIdChar(s.charCodeAt(j))) j++;
  const name = s.slice(i, j);
  const ctx: Ctx = { e, f, l, name, line: pos.line, col: pos.col, rest: j, mode };
  e.curLine = pos.line;
  e.curCol = pos.col;
  if (CONDITIONALS.has(name)) {
    conditional(ctx);
    return true;
  }
  if (skipping) return true;
  if (!KNOWN.has(name)) return false;
  switch (name) {
    case 'define':
      define(ctx);
      break;
    case 'undef':
      undef(ctx);
      break;
    case 'include':
    case 'include_next':
    case 'import':
      include(ctx);
      break;
    case 'line':
      lineDirective(ctx);
      break;
    case 'error':
    case 'warning': {
      const text = s.slice(j).trim();
      e.report(
        name === 'error' ? 'error' : 'warning',
        `cpp/${name}`,
        `#${name}${text ? ' ' + text : ''}`,
        pos.line,
        pos.col,
        pos.col + 1 + name.length,
      );
      break;
    }
    case 'pragma':
      if (/^\s*(GCC\s+)?once\s*$/.test(s.slice(j))) e.once.add(f.path);
      break;
    default:
      // #ident, #sccs, #assert, #unassert: accepted and ignored (no output for dtc).
      break;
  }
  return true;
}

function restTokens(x: Ctx): Token[] {
  return tokenize(x.l.text, x.rest, x.l.text.length, x.e.mapper(x.l, x.f));
}

function expandTokens(x: Ctx, toks: Token[], inIf: boolean): Token[] | undefined {
  const ex = new Expander(x.e.macros, x.e, new Budget(1_000_000), toks, { inIf, canPull: false, depth: 0 });
  try {
    return ex.run().filter((t) => t.k !== TK.Pad);
  } catch (err) {
    if (!(err instanceof ExpansionLimit)) throw err;
    x.e.report('error', err.code, err.message, x.line, x.col);
    return undefined;
  }
}

function extraTokens(x: Ctx, t: Token | undefined): void {
  if (t)
    x.e.report(
      'warning',
      'cpp/extra-tokens',
      `extra tokens at end of #${x.name} directive`,
      t.line,
      t.col,
      t.col + t.s.length,
    );
}

function conditional(x: Ctx): void {
  const { e, f } = x;
  const conds = f.conds;
  const top: Cond | undefined = conds[conds.length - 1];
  const outerActive = !top || top.active;
  switch (x.name) {
    case 'if':
    case 'ifdef':
    case 'ifndef': {
      let value = false;
      if (outerActive) value = x.name === 'if' ? evalIf(x) : evalIfdef(x);
      conds.push({
        active: outerActive && value,
        taken: !outerActive || value,
        sawElse: false,
        parentActive: outerActive,
        directive: x.name,
        file: f.presumed,
        line: x.line,
        col: x.col,
      });
      return;
    }
    case 'elif': {
      if (!top) {
        e.report('error', 'cpp/unbalanced-conditional', '#elif without #if', x.line, x.col, x.col + 5);
        return;
      }
      if (top.sawElse) {
        e.report(
          'error',
          'cpp/unbalanced-conditional',
          `#elif after #else (the #${top.directive} is at line ${top.line})`,
          x.line,
          x.col,
          x.col + 5,
        );
        return;
      }
      if (!top.parentActive || top.taken) {
        top.active = false;
        return;
      }
      const v = evalIf(x);
      top.active = v;
      top.taken = v;
      return;
    }
    case 'else': {
      if (!top) {
        e.report('error', 'cpp/unbalanced-conditional', '#else without #if', x.line, x.col, x.col + 5);
        return;
      }
      if (top.sawElse) {
        e.report(
          'error',
          'cpp/unbalanced-conditional',
          `#else after #else (the #${top.directive} is at line ${top.line})`,
          x.line,
          x.col,
          x.col + 5,
        );
        return;
      }
      top.sawElse = true;
      top.active = top.parentActive && !top.taken;
      top.taken = true;
      if (top.parentActive) extraTokens(x, restTokens(x)[0]);
      return;
    }
    case 'endif': {
      if (!top) {
        e.report('error', 'cpp/unbalanced-conditional', '#endif without #if', x.line, x.col, x.col + 6);
        return;
      }
      conds.pop();
      if (top.parentActive) extraTokens(x, restTokens(x)[0]);
      return;
    }
  }
}

function evalIfdef(x: Ctx): boolean {
  const toks = restTokens(x);
  const t = toks[0];
  if (!t) {
    x.e.report(
      'error',
      'cpp/if-syntax',
      `no macro name given in #${x.name} directive`,
      x.line,
      x.col,
      x.col + 1 + x.name.length,
    );
    return false;
  }
  if (t.k !== TK.Ident) {
    x.e.report(
      'error',
      'cpp/if-syntax',
      `macro names must be identifiers (got "${t.s}")`,
      t.line,
      t.col,
      t.col + t.s.length,
    );
    return false;
  }
  extraTokens(x, toks[1]);
  const has = x.e.macros.has(t.s);
  return x.name === 'ifdef' ? has : !has;
}

function evalIf(x: Ctx): boolean {
  const expanded = expandTokens(x, restTokens(x), true);
  if (!expanded) return false;
  const diags: Parameters<typeof evaluateIf>[1] = [];
  const r = evaluateIf(expanded, diags);
  for (const d of diags) {
    const at = d.at && d.at.line > 0 ? d.at : undefined;
    const line = at ? at.line : x.line;
    const col = at ? at.col : x.col;
    const msg = d.at && !at ? `${d.message} (in the expansion of #${x.name} at column ${x.col})` : d.message;
    x.e.report(d.severity, d.code, msg, line, col, at ? col + at.s.length : col + 1 + x.name.length);
  }
  return r ?? false;
}

function define(x: Ctx): void {
  const { e, f } = x;
  const toks = restTokens(x);
  const r = parseDefine(toks, f.presumed);
  if ('error' in r) {
    const col = r.col || x.col;
    e.report('error', 'cpp/bad-define', r.error, toks[0]?.line ?? x.line, col);
    return;
  }
  if (r.warning) e.report('warning', 'cpp/define-whitespace', r.warning, x.line, r.col ?? x.col);
  const m = r.macro;
  const old = e.macros.get(m.name);
  if (old) {
    if (old.builtin) {
      e.report(
        'warning',
        'cpp/builtin-redefined',
        `redefining builtin macro "${m.name}"`,
        m.line,
        m.col,
        m.col + m.name.length,
      );
    } else if (!sameDefinition(old, m)) {
      e.report(
        'warning',
        'cpp/macro-redefined',
        `"${m.name}" redefined`,
        m.line,
        m.col,
        m.col + m.name.length,
        [
          {
            message: 'this is the location of the previous definition',
            ...(old.line > 0
              ? {
                  span: {
                    file: old.file,
                    line: old.line,
                    col: old.col,
                    endLine: old.line,
                    endCol: old.col + old.name.length,
                  },
                }
              : {}),
          },
        ],
      );
    }
  }
  e.defineMacro(m);
}

function undef(x: Ctx): void {
  const toks = restTokens(x);
  const t = toks[0];
  if (!t || t.k !== TK.Ident) {
    x.e.report(
      'error',
      'cpp/bad-define',
      t ? `macro names must be identifiers (got "${t.s}")` : 'no macro name given in #undef directive',
      t?.line ?? x.line,
      t?.col ?? x.col,
    );
    return;
  }
  if (t.s === 'defined') {
    x.e.report(
      'error',
      'cpp/bad-define',
      '"defined" cannot be used as a macro name',
      t.line,
      t.col,
      t.col + t.s.length,
    );
    return;
  }
  extraTokens(x, toks[1]);
  x.e.macros.delete(t.s);
}

function include(x: Ctx): void {
  const { e, f, l } = x;
  const s = l.text;
  let i = x.rest;
  while (i < s.length && isHSpace(s.charCodeAt(i))) i++;
  let name: string | undefined;
  let angled = false;
  let extra: Token | undefined;
  const pos = e.mapper(l, f);
  if (s[i] === '"' || s[i] === '<') {
    // Header names are taken literally, not as string literals (6.4.7).
    const close = s.indexOf(s[i] === '"' ? '"' : '>', i + 1);
    if (close > i) {
      angled = s[i] === '<';
      name = s.slice(i + 1, close);
      extra = tokenize(s, close + 1, s.length, pos)[0];
    }
  }
  if (name === undefined) {
    const toks = restTokens(x);
    const exp = toks.length > 0 ? expandTokens(x, toks, false) : [];
    if (exp === undefined) return;
    const t = exp[0];
    if (t && t.k === TK.String) {
      name = t.s.slice(1, -1);
      extra = exp[1];
    } else if (t && t.k === TK.Punct && t.s === '<') {
      let k = 1;
      let n = '';
      for (; k < exp.length && !(exp[k].k === TK.Punct && exp[k].s === '>'); k++)
        n += (exp[k].w && n ? ' ' : '') + exp[k].s;
      if (k < exp.length) {
        name = n;
        angled = true;
        extra = exp[k + 1];
      }
    }
  }
  if (name === undefined) {
    e.report(
      'error',
      'cpp/include-syntax',
      `#${x.name} expects "FILENAME" or <FILENAME>`,
      x.line,
      x.col,
      x.col + 1 + x.name.length,
    );
    return;
  }
  if (name === '') {
    e.report(
      'error',
      'cpp/include-syntax',
      `empty filename in #${x.name}`,
      x.line,
      x.col,
      x.col + 1 + x.name.length,
    );
    return;
  }
  if (extra && extra.line > 0) extraTokens(x, extra);
  if (x.mode !== 'normal') {
    e.report(
      'error',
      'cpp/include-in-macro-args',
      `#${x.name} "${name}" inside the arguments of a macro invocation is not supported`,
      x.line,
      x.col,
    );
    return;
  }
  if (e.frames.length >= MAX_INCLUDE_DEPTH) {
    e.report(
      'error',
      'cpp/include-depth',
      `#include nested depth ${e.frames.length} exceeds maximum of ${MAX_INCLUDE_DEPTH} (including "${name}"; recursive #include?)`,
      x.line,
      x.col,
      x.col + 1 + x.name.length,
    );
    return;
  }
  const isNext = x.name === 'include_next' && f.chain.length > 0;
  const req = { name, angled, includer: f.path, ...(isNext ? { nextAfter: f.dirIndex } : {}) };
  const found = e.resolver.resolve(req);
  if (!found) {
    const dirs = e.resolver.searchList(req).map((d) => (d.dir === '' ? '.' : d.dir.replace(/\/$/, '')));
    const where = name.startsWith('/')
      ? 'absolute path'
      : dirs.length > 0
        ? `searched: ${dirs.join(', ')}`
        : 'no include directories given (-I)';
    e.report(
      'error',
      'cpp/include-not-found',
      `${name}: No such file or directory (${where})`,
      x.line,
      x.col,
      x.col + 1 + x.name.length,
    );
    return;
  }
  if (e.once.has(found.path)) return;
  if (x.name === 'import') e.once.add(found.path);
  e.pushFile(found.path, found.text, found.dirIndex, { file: f.presumed, line: x.line });
}

/** `#line N ["file"]`: the next line is presumed line N (6.10.4). */
function lineDirective(x: Ctx): void {
  const exp = expandTokens(x, restTokens(x), false);
  if (!exp) return;
  applyLine(x, exp, false);
}

/** `# N "file" flags` from earlier preprocessing (gcc output format). */
function lineMarker(x: Ctx): void {
  applyLine(x, tokenize(x.l.text, x.rest, x.l.text.length, x.e.mapper(x.l, x.f)), true);
}

function applyLine(x: Ctx, toks: Token[], marker: boolean): void {
  const { e, f, l } = x;
  const n = toks[0];
  if (!n || n.k !== TK.Number || !/^[0-9]+$/.test(n.s)) {
    e.report(
      'error',
      'cpp/bad-line-directive',
      n ? `"${n.s}" after #line is not a positive integer` : 'unexpected end of file after #line',
      n?.line || x.line,
      n?.col || x.col,
    );
    return;
  }
  const value = Number(n.s);
  let file: string | undefined;
  const t = toks[1];
  if (t) {
    if (t.k !== TK.String || t.s[0] !== '"') {
      e.report(
        'error',
        'cpp/bad-line-directive',
        `invalid filename ${t.s} in #line`,
        t.line || x.line,
        t.col || x.col,
      );
      return;
    }
    file = t.s.slice(1, -1).replace(/\\(.)/g, '$1');
  }
  let flag: 1 | 2 | undefined;
  if (marker) {
    for (const ft of toks.slice(2)) {
      if (ft.s === '1') flag = 1;
      else if (ft.s === '2') flag = 2;
      else if (ft.s !== '3' && ft.s !== '4') {
        e.report(
          'error',
          'cpp/bad-line-directive',
          `invalid flag "${ft.s}" in line directive`,
          ft.line,
          ft.col,
        );
        return;
      }
    }
    if (flag === 1) f.virt.push({ file: f.presumed, line: x.line });
    else if (flag === 2) f.virt.pop();
  } else if (toks[2]) extraTokens(x, toks[2]);
  // The line after this directive is presumed line `value`.
  const nextPhys = l.line + l.lines;
  f.delta = value - nextPhys;
  if (file !== undefined) f.presumed = file;
  if (marker && flag) e.out.marker(value, f.presumed, flag);
}
