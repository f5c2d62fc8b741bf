/**
 * Macro expansion with cpplib's context-stack model (gcc libcpp/macro.c):
 * a macro's replacement is pushed as a context and the macro is disabled until
 * that context is popped, so a name met while it is disabled is "painted" and
 * never expanded again (C11 6.10.3.4p2). This makes self- and mutually-recursive
 * macros terminate. Arguments are fully macro-expanded in isolation before
 * substitution unless they are operands of `#` or `##` (6.10.3.1).
 *
 * Padding tokens (TK.Pad) are emitted at expansion boundaries exactly where
 * cpplib emits CPP_PADDING, so the printer can reproduce gcc's spacing
 * (`M-1` with `#define M 5` prints `5 -1`).
 *
 * Exponential definitions are bounded by a token budget charged on every
 * pushed replacement list and every pre-expanded argument (source tokens that
 * merely pass through are not charged, so a huge line is fine); nested
 * argument pre-expansion is bounded in depth. Both unwind with
 * ExpansionLimit, caught per line.
 */
import { PAD_NONE, TK, isPunct, lexSingle, padFor, withFlags, type Token } from './lexer.js';
import type { Macro } from './macro-table.js';

export type PullMode = 'paren' | 'args';

export interface ExpandHost {
  /**
   * Tokens of the next text line of the current file, for a function-like
   * macro whose `(` or arguments continue on following lines. 'paren' mode
   * must not consume a directive line; both modes stop at end of file (null).
   */
  pull(mode: PullMode): Token[] | null;
  readonly presumedFile: string;
  readonly baseFile: string;
  readonly includeLevel: number;
  nextCounter(): number;
  hasInclude(name: string, angled: boolean, next: boolean): boolean;
  /** Reports at a token position; line 0 means "at the current directive / line". */
  error(code: string, message: string, line: number, col: number): void;
}

export class ExpansionLimit extends Error {
  override name = 'ExpansionLimit';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Work counter shared by one top-level expansion and its nested argument expansions. */
export class Budget {
  used = 0;
  /** Line of the outermost macro name: what __LINE__ expands to (gcc's expansion point). */
  expansionLine = 0;
  constructor(readonly limit: number) {}
  charge(n: number): void {
    this.used += n;
    if (this.used > this.limit)
      throw new ExpansionLimit(
        'cpp/expansion-too-large',
        `macro expansion produced more than ${this.limit} tokens on one line (exponential macro definitions?)`,
      );
  }
}

export const MAX_ARG_NESTING = 200;

interface Ctx {
  toks: readonly Token[];
  i: number;
  macro: Macro | null;
}

export interface ExpandOptions {
  /** Evaluate `defined` and `__has_include` (inside #if / #elif). */
  inIf: boolean;
  /** May pull following source lines into the base context (text lines only). */
  canPull: boolean;
  depth: number;
}

export class Expander {
  private readonly stack: Ctx[];

  constructor(
    private readonly macros: ReadonlyMap<string, Macro>,
    private readonly host: ExpandHost,
    private readonly budget: Budget,
    base: readonly Token[],
    private readonly opts: ExpandOptions,
  ) {
    this.stack = [{ toks: base, i: 0, macro: null }];
  }

  /**
   * Set by `next()`: the token returned came straight from the base context
   * (source text, not a macro expansion), so its line/column are where it
   * will be printed.
   */
  private fromBase = false;

  /** Expands everything; the result may contain Pad tokens. `direct` receives `fromBase` per token. */
  run(direct?: boolean[]): Token[] {
    const out: Token[] = [];
    try {
      for (;;) {
        const t = this.next();
        if (t === null) break;
        out.push(t);
        if (direct) direct.push(this.fromBase);
      }
    } finally {
      // On an abort, re-enable macros whose contexts are still open.
      for (let d = this.stack.length - 1; d > 0; d--) {
        const m = this.stack[d].macro;
        if (m) m.disabled = false;
      }
      this.stack.length = 1;
    }
    return out;
  }

  /** Tokens of the base context not yet consumed (after `run` this is empty). */
  private next(): Token | null {
    this.fromBase = false;
    for (;;) {
      const ctx = this.stack[this.stack.length - 1];
      if (ctx.i >= ctx.toks.length) {
        if (this.stack.length === 1) return null;
        this.stack.pop();
        if (ctx.macro) ctx.macro.disabled = false;
        return PAD_NONE;
      }
      const t = ctx.toks[ctx.i++];
      this.fromBase = this.stack.length === 1;
      if (t.k !== TK.Ident || t.ne) return t;
      if (this.opts.inIf) {
        if (t.s === 'defined') return this.parseDefined(t);
        if (t.s === '__has_include' || t.s === '__has_include_next') return this.parseHasInclude(t);
      }
      const m = this.macros.get(t.s);
      if (!m) return t;
      if (m.disabled) return withFlags(t, { ne: true });
      if (this.stack.length === 1 && this.opts.depth === 0) this.budget.expansionLine = t.line;
      if (this.enter(m, t)) {
        this.fromBase = false;
        return padFor(t);
      }
      return t;
    }
  }

  /** Reads without expanding (arguments, `defined` operands); still paints disabled names. */
  private rawNext(pull: boolean): Token | null {
    for (;;) {
      const ctx = this.stack[this.stack.length - 1];
      if (ctx.i >= ctx.toks.length) {
        if (this.stack.length === 1) {
          if (pull && this.opts.canPull) {
            const more = this.host.pull('args');
            if (more) {
              ctx.toks = more;
              ctx.i = 0;
              continue;
            }
          }
          return null;
        }
        this.stack.pop();
        if (ctx.macro) ctx.macro.disabled = false;
        return PAD_NONE;
      }
      const t = ctx.toks[ctx.i++];
      if (t.k === TK.Ident && !t.ne) {
        const m = this.macros.get(t.s);
        if (m && m.disabled) return withFlags(t, { ne: true });
      }
      return t;
    }
  }

  /** Is the next non-padding token `(`? Looks through open contexts and, for text, following lines. */
  private peekParen(): boolean {
    for (let d = this.stack.length - 1; d >= 0; d--) {
      const ctx = this.stack[d];
      for (let j = ctx.i; j < ctx.toks.length; j++) {
        const t = ctx.toks[j];
        if (t.k === TK.Pad) continue;
        return isPunct(t, '(');
      }
    }
    if (!this.opts.canPull) return false;
    for (;;) {
      const more = this.host.pull('paren');
      if (!more) return false;
      const base = this.stack[0];
      base.toks = more;
      base.i = 0;
      for (const t of more) if (t.k !== TK.Pad) return isPunct(t, '(');
    }
  }

  private enter(m: Macro, name: Token): boolean {
    if (m.builtin) {
      this.stack.push({ toks: [this.builtinToken(m, name)], i: 0, macro: null });
      return true;
    }
    if (!m.fn) {
      this.budget.charge(m.body.length + 1);
      const body = m.body.some((t) => t.pl) ? pasteAll(m.body) : m.body;
      this.stack.push({ toks: body, i: 0, macro: m });
      m.disabled = true;
      return true;
    }
    if (!this.peekParen()) return false;
    for (;;) {
      const t = this.rawNext(false);
      if (t === null || isPunct(t, '(')) break;
    }
    const args = this.collectArgs(m, name);
    if (!args) return false;
    const body = this.substitute(m, args);
    this.budget.charge(body.length + 1);
    this.stack.push({ toks: body, i: 0, macro: m });
    m.disabled = true;
    return true;
  }

  private collectArgs(m: Macro, name: Token): Token[][] | null {
    const args: Token[][] = [[]];
    let depth = 0;
    for (;;) {
      const t = this.rawNext(true);
      if (t === null) {
        this.host.error(
          'cpp/unterminated-args',
          `unterminated argument list invoking macro "${m.name}"`,
          name.line,
          name.col,
        );
        return null;
      }
      const cur = args[args.length - 1];
      if (t.k === TK.Pad) {
        if (cur.length > 0) cur.push(t);
        continue;
      }
      if (t.k === TK.Punct) {
        if (t.s === '(') depth++;
        else if (t.s === ')') {
          if (depth === 0) break;
          depth--;
        } else if (t.s === ',' && depth === 0 && !(m.variadic && args.length === m.params.length)) {
          args.push([]);
          continue;
        }
      }
      cur.push(t);
    }
    const want = m.params.length;
    if (want === 0 && args.length === 1 && args[0].every((t) => t.k === TK.Pad)) return [];
    if (args.length === want) return args;
    if (args.length === want - 1 && m.variadic) {
      // Variable arguments absent (not merely empty): remembered for `, ## __VA_ARGS__`.
      const absent: Token[] & { absent?: boolean } = [];
      absent.absent = true;
      args.push(absent);
      return args;
    }
    if (args.length < want) {
      this.host.error(
        'cpp/macro-arg-count',
        `macro "${m.name}" requires ${want} argument${want === 1 ? '' : 's'}, but only ${args.length} given`,
        name.line,
        name.col,
      );
    } else {
      this.host.error(
        'cpp/macro-arg-count',
        `macro "${m.name}" passed ${args.length} arguments, but takes just ${want}`,
        name.line,
        name.col,
      );
    }
    return null;
  }

  private expandArg(arg: readonly Token[]): Token[] {
    if (this.opts.depth >= MAX_ARG_NESTING)
      throw new ExpansionLimit(
        'cpp/expansion-too-deep',
        `macro arguments nested more than ${MAX_ARG_NESTING} levels deep`,
      );
    const sub = new Expander(this.macros, this.host, this.budget, arg, {
      inIf: this.opts.inIf,
      canPull: false,
      depth: this.opts.depth + 1,
    });
    return sub.run();
  }

  private substitute(m: Macro, args: Token[][]): Token[] {
    const out: Token[] = [];
    const expanded: (Token[] | undefined)[] = [];
    const body = m.body;
    let pastes = false;
    for (let i = 0; i < body.length; i++) {
      const b = body[i];
      if (b.pl) pastes = true;
      if (b.k !== TK.Param) {
        out.push(b);
        continue;
      }
      const arg = args[b.pi!];
      const afterPaste = i > 0 && body[i - 1].pl === true;
      if (b.sf) {
        // Like any argument, a stringified one is padded unless it is an operand of `##`.
        if (i > 0 && !afterPaste) out.push(padFor(b));
        out.push({ k: TK.String, s: stringify(arg), w: b.w, line: 0, col: 0, pl: b.pl });
        if (!b.pl) out.push(PAD_NONE);
        continue;
      }
      if (afterPaste || b.pl) {
        const real = arg.filter((t) => t.k !== TK.Pad);
        // GNU: `, ## __VA_ARGS__` drops the comma when the variable arguments are
        // absent (gcc keeps it for `C(1,)`, where they are present but empty).
        if (
          afterPaste &&
          m.variadic &&
          b.pi === m.params.length - 1 &&
          out.length > 0 &&
          isPunct(out[out.length - 1], ',')
        ) {
          if ((arg as { absent?: boolean }).absent) {
            out.pop();
            continue;
          }
          out[out.length - 1] = withFlags(out[out.length - 1], { pl: false });
        }
        // cpplib pads on the left of every argument that is not the right operand of `##`.
        if (!afterPaste && i > 0) out.push(padFor(b));
        if (real.length === 0) {
          out.push({ k: TK.Placemarker, s: '', w: b.w, line: 0, col: 0, pl: b.pl });
          continue;
        }
        // Operands of `##` are copied as they were written, whitespace flags
        // included (only PASTE_LEFT moves to the last token, like cpplib).
        for (let j = 0; j < real.length; j++) {
          let t = real[j];
          if (j === real.length - 1 && !!t.pl !== !!b.pl) t = withFlags(t, { pl: !!b.pl });
          out.push(t);
        }
        continue;
      }
      let e = expanded[b.pi!];
      if (!e) e = expanded[b.pi!] = this.expandArg(arg);
      this.budget.charge(e.length);
      if (i > 0) out.push(padFor(b));
      for (const t of e) out.push(t);
      out.push(PAD_NONE);
    }
    return pastes ? pasteAll(out) : out;
  }

  private builtinToken(m: Macro, name: Token): Token {
    const h = this.host;
    switch (m.builtin) {
      case 'FILE':
        return { k: TK.String, s: quote(h.presumedFile), w: false, line: 0, col: 0 };
      case 'BASE_FILE':
        return { k: TK.String, s: quote(h.baseFile), w: false, line: 0, col: 0 };
      case 'LINE':
        return { k: TK.Number, s: String(this.budget.expansionLine || name.line), w: false, line: 0, col: 0 };
      case 'INCLUDE_LEVEL':
        return { k: TK.Number, s: String(h.includeLevel), w: false, line: 0, col: 0 };
      case 'COUNTER':
        return { k: TK.Number, s: String(h.nextCounter()), w: false, line: 0, col: 0 };
      default:
        return name;
    }
  }

  /** `defined X` / `defined ( X )` inside #if: never macro-expands X. */
  private parseDefined(d: Token): Token {
    let t = this.nonPad();
    let paren = false;
    if (t && isPunct(t, '(')) {
      paren = true;
      t = this.nonPad();
    }
    if (!t || t.k !== TK.Ident) {
      this.host.error(
        'cpp/if-syntax',
        'operator "defined" requires an identifier',
        t?.line ?? d.line,
        t?.col ?? d.col,
      );
      return { k: TK.Number, s: '0', w: d.w, line: d.line, col: d.col };
    }
    if (paren) {
      const c = this.nonPad();
      if (!c || !isPunct(c, ')'))
        this.host.error('cpp/if-syntax', 'missing \')\' after "defined"', d.line, d.col);
    }
    return { k: TK.Number, s: this.macros.has(t.s) ? '1' : '0', w: d.w, line: d.line, col: d.col };
  }

  private parseHasInclude(h: Token): Token {
    const zero: Token = { k: TK.Number, s: '0', w: h.w, line: h.line, col: h.col };
    const open = this.nonPad();
    if (!open || !isPunct(open, '(')) {
      this.host.error('cpp/if-syntax', `missing '(' after "${h.s}"`, h.line, h.col);
      return zero;
    }
    let t = this.nonPad();
    let name: string | undefined;
    let angled = false;
    if (t && t.k === TK.String) name = t.s.slice(1, -1);
    else if (t && isPunct(t, '<')) {
      angled = true;
      let s = '';
      for (;;) {
        t = this.rawNext(false);
        if (!t || isPunct(t, '>')) break;
        if (t.k === TK.Pad) continue;
        if (t.w && s) s += ' ';
        s += t.s;
      }
      if (t) name = s;
    }
    const close = name !== undefined ? this.nonPad() : null;
    if (name === undefined || !close || !isPunct(close, ')')) {
      this.host.error('cpp/if-syntax', `operator "${h.s}" requires a header-name`, h.line, h.col);
      return zero;
    }
    return { ...zero, s: this.host.hasInclude(name, angled, h.s === '__has_include_next') ? '1' : '0' };
  }

  private nonPad(): Token | null {
    for (;;) {
      const t = this.rawNext(false);
      if (t === null || t.k !== TK.Pad) return t;
    }
  }
}

/**
 * Applies `##` (6.10.3.3). In assembler mode an invalid paste keeps both
 * tokens, silently. Like cpplib, every paste result (or failed left operand)
 * is followed by padding, so the printer separates it from a token it would
 * otherwise merge with (`uart##@##1000` prints `uart@ 1000` when the argument
 * `1000` was written after a space).
 */
function pasteAll(toks: readonly Token[]): Token[] {
  const res: Token[] = [];
  for (let k = 0; k < toks.length; k++) {
    let t = toks[k];
    const pasting = t.pl === true;
    while (t.pl && k + 1 < toks.length) {
      const r = toks[++k];
      if (t.k === TK.Placemarker) t = r.w === t.w ? r : withFlags(r, { w: t.w });
      else if (r.k === TK.Placemarker) t = withFlags(t, { pl: !!r.pl });
      else {
        const p = lexSingle(t.s + r.s);
        if (p) t = { ...p, w: t.w, pl: !!r.pl };
        else {
          res.push(withFlags(t, { pl: false }));
          res.push(PAD_NONE);
          t = r;
        }
      }
    }
    if (t.k !== TK.Placemarker) res.push(t.pl ? withFlags(t, { pl: false }) : t);
    if (pasting) res.push(PAD_NONE);
  }
  return res;
}

/** `#param` (6.10.3.2) with cpplib's whitespace rule for padding tokens. */
export function stringify(arg: readonly Token[]): string {
  let s = '"';
  let source: Token | null = null;
  let first = true;
  for (const t of arg) {
    if (t.k === TK.Pad) {
      if (source === null || (!source.w && t.src === null)) source = t.src ?? null;
      continue;
    }
    if (!first && (source ?? t).w) s += ' ';
    source = null;
    first = false;
    if (t.k === TK.String || t.k === TK.Char) s += t.s.replace(/[\\"]/g, (c) => '\\' + c);
    else s += t.s;
  }
  return s + '"';
}

/** A C string literal for a file name (gcc escapes `\` and `"`). */
export function quote(name: string): string {
  return '"' + name.replace(/[\\"]/g, (c) => '\\' + c) + '"';
}
