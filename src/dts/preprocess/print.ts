/**
 * Prints expanded tokens with gcc's spacing rules (gcc c-ppoutput.c
 * scan_translation_unit + libcpp cpp_avoid_paste): a space where the source
 * had whitespace, and across a macro-expansion boundary (padding) also where
 * the two tokens would otherwise lex as one (`M-1` -> `5 -1`). DTS depends on
 * that: `&M` must stay `&5`, `x-M` must stay `x-5`.
 *
 * A source token from a later line than the one being written (arguments
 * spanning lines) starts a new output line at its own line and column when
 * whitespace (the line break) precedes it; a token glued to the expansion
 * (`F(1,\n2);` -> `;`) stays on the current line, as gcc prints it.
 */
import { TK, type Token } from './lexer.js';
import type { Emitter } from './output.js';

const EQ_PASTERS = new Set(['=', '!', '>', '<', '+', '-', '*', '/', '%', '&', '|', '^', '>>', '<<']);

/** libcpp cpp_avoid_paste: would printing `b` right after `a` lex differently? */
export function avoidPaste(a: Token, b: Token): boolean {
  const c = b.k === TK.Punct ? b.s[0] : '';
  if (a.k === TK.Punct) {
    if (c === '=' && EQ_PASTERS.has(a.s)) return true;
    switch (a.s) {
      case '>':
        return c === '>';
      case '<':
        return c === '<' || c === '%' || c === ':';
      case '+':
        return c === '+';
      case '-':
        return c === '-' || c === '>';
      case '/':
        return c === '/' || c === '*';
      case '%':
        return c === ':' || c === '%';
      case '&':
        return c === '&';
      case '|':
        return c === '|';
      case ':':
        return c === ':' || c === '>';
      case '->':
        return c === '*';
      case '.':
        return c === '.' || c === '%' || b.k === TK.Number;
      case '#':
        return c === '#' || c === '%';
      default:
        return false;
    }
  }
  switch (a.k) {
    case TK.Ident:
      // A number made only of identifier characters would extend the name
      // (`K(1)2` prints `k 2`, but `a.5` stays together): cpplib's name_p.
      return (
        b.k === TK.Ident ||
        b.k === TK.Char ||
        b.k === TK.String ||
        (b.k === TK.Number && /^[A-Za-z0-9_$]+$/.test(b.s))
      );
    case TK.Number:
      return b.k === TK.Number || b.k === TK.Ident || b.k === TK.Char || c === '.' || c === '+' || c === '-';
    case TK.Other:
      return a.s === '\\' && b.k === TK.Ident;
    default:
      return false;
  }
}

export class TokenPrinter {
  private prev: Token | null = null;
  private source: Token | null = null;
  private pad = false;
  /** Characters written, for the engine's expansion-size cap. */
  written = 0;

  constructor(
    private readonly out: Emitter,
    private readonly file: string,
  ) {}

  /** Continue after `prev` was already written (raw prefix copy). */
  setPrev(prev: Token | null): void {
    this.prev = prev;
  }

  /** `direct`: the token comes straight from the source (see Expander.run), so its line is meaningful. */
  print(t: Token, direct: boolean): void {
    if (t.k === TK.Pad) {
      this.pad = true;
      if (this.source === null || (!this.source.w && t.src === null)) this.source = t.src ?? null;
      return;
    }
    if (t.k === TK.Placemarker) return;
    const out = this.out;
    if (direct && t.w && t.line > out.line) {
      out.sync(this.file, t.line);
      if (t.col > 1) out.write(' '.repeat(t.col - 1));
      this.emit(t.s);
      this.prev = t;
      this.pad = false;
      this.source = null;
      return;
    }
    let space: boolean;
    if (this.pad) {
      const src = this.source ?? t;
      space =
        src.w ||
        (this.prev !== null && avoidPaste(this.prev, t)) ||
        (this.prev === null && t.k === TK.Punct && t.s === '#');
    } else space = t.w;
    if (space) this.emit(' ');
    this.emit(t.s);
    this.pad = false;
    this.source = null;
    this.prev = t;
  }

  private emit(s: string): void {
    this.written += s.length;
    this.out.write(s);
  }
}
