/**
 * Preprocessing tokens (C11 6.4 "pp-tokens") as gcc's cpplib lexes them in
 * assembler-with-cpp mode. Only the lines that need macro expansion or that are
 * directives are tokenised; plain text lines are copied without ever building
 * tokens (see engine.ts), so this lexer favours clarity over raw speed.
 */

export enum TK {
  Ident,
  Number,
  String,
  Char,
  Punct,
  /** Any other single character (`@`, `$` when not in an identifier, a lone quote, bytes >= 0x80...). */
  Other,
  /** Stands for an empty macro argument next to `##` (C11 6.10.3.3p2). */
  Placemarker,
  /** A macro body's reference to a parameter (`pi`), optionally stringified (`sf`). */
  Param,
  /**
   * cpplib's CPP_PADDING: marks a macro-expansion boundary so the printer can
   * decide whether a space is needed (`src` supplies the whitespace flag).
   */
  Pad,
}

export interface Token {
  readonly k: TK;
  /** Spelling. */
  readonly s: string;
  /** Preceded by whitespace (cpplib's PREV_WHITE). */
  readonly w: boolean;
  /** Presumed line / 1-based column for tokens read from the source; 0 for tokens made by expansion. */
  readonly line: number;
  readonly col: number;
  /** Painted blue: names a macro that was disabled when the token was read (never expanded again). */
  readonly ne?: boolean;
  /** Left operand of `##` in a macro body (cpplib's PASTE_LEFT). */
  readonly pl?: boolean;
  /** Param: parameter index; `sf` set when the body says `#param`. */
  readonly pi?: number;
  readonly sf?: boolean;
  /** Pad: the token whose whitespace the next printed token inherits (null = none). */
  readonly src?: Token | null;
}

export const PAD_NONE: Token = { k: TK.Pad, s: '', w: false, line: 0, col: 0, src: null };

export function padFor(src: Token): Token {
  return { k: TK.Pad, s: '', w: false, line: 0, col: 0, src };
}

export function withFlags(t: Token, f: Partial<Token>): Token {
  return { ...t, ...f };
}

// Character classes, indexed by char code (ASCII only; everything >= 0x80 is "other").
const IDSTART = new Uint8Array(128);
const IDCHAR = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if (/[A-Za-z_$]/.test(ch)) IDSTART[c] = 1;
  if (/[A-Za-z0-9_$]/.test(ch)) IDCHAR[c] = 1;
}

export function isIdStart(c: number): boolean {
  return c < 128 && IDSTART[c] === 1;
}
export function isIdChar(c: number): boolean {
  return c < 128 && IDCHAR[c] === 1;
}
export function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
export function isHSpace(c: number): boolean {
  // space, tab, vertical tab, form feed, carriage return
  return c === 32 || c === 9 || c === 11 || c === 12 || c === 13;
}

/** End offset of the identifier starting at `i`. */
export function scanIdent(s: string, i: number, end: number): number {
  i++;
  while (i < end) {
    const c = s.charCodeAt(i);
    if (c < 128 && IDCHAR[c] === 1) i++;
    else break;
  }
  return i;
}

/** End of a pp-number starting at `i` (a digit, or `.` followed by a digit). */
export function scanNumber(s: string, i: number, end: number): number {
  i++;
  while (i < end) {
    const c = s.charCodeAt(i);
    if (c < 128 && (IDCHAR[c] === 1 || c === 46)) {
      // e+ e- p+ p- (6.4.8)
      if ((c === 101 || c === 69 || c === 112 || c === 80) && i + 1 < end) {
        const n = s.charCodeAt(i + 1);
        if (n === 43 || n === 45) {
          i += 2;
          continue;
        }
      }
      i++;
    } else break;
  }
  return i;
}

/**
 * End of the string / char literal opened by the quote at `i`, or -1 when it is
 * not terminated on this line (then gcc makes the rest of the line one
 * CPP_OTHER token, silently in assembler-with-cpp mode).
 */
export function scanQuoted(s: string, i: number, end: number): number {
  const q = s.charCodeAt(i);
  i++;
  while (i < end) {
    const c = s.charCodeAt(i);
    if (c === q) return i + 1;
    if (c === 92) i += 2;
    else i++;
  }
  return -1;
}

// Punctuators longest first (6.4.6), minus digraphs (gcc does not enable them for assembler).
const PUNCT3 = new Set(['...', '<<=', '>>=']);
const PUNCT2 = new Set([
  '->',
  '++',
  '--',
  '<<',
  '>>',
  '<=',
  '>=',
  '==',
  '!=',
  '&&',
  '||',
  '*=',
  '/=',
  '%=',
  '+=',
  '-=',
  '&=',
  '^=',
  '|=',
  '##',
]);
const PUNCT1 = new Set('[](){}.&*+-~!/%<>^|?:;=,#'.split(''));

function punctLength(s: string, i: number, end: number): number {
  if (i + 3 <= end && PUNCT3.has(s.slice(i, i + 3))) return 3;
  if (i + 2 <= end && PUNCT2.has(s.slice(i, i + 2))) return 2;
  if (PUNCT1.has(s[i])) return 1;
  return 0;
}

/**
 * Maps an offset of a logical line to its presumed line and 1-based column.
 * A plain number is the common case (one physical line): that line, column =
 * offset + 1, without allocating a position per token.
 */
export type PosMapper = ((offset: number) => { line: number; col: number }) | number;

export function positionOf(at: PosMapper, offset: number): { line: number; col: number } {
  return typeof at === 'number' ? { line: at, col: offset + 1 } : at(offset);
}

/**
 * Tokenises `s[from, end)`. `firstWhite` says whether the first token counts as
 * preceded by whitespace.
 */
export function tokenize(s: string, from: number, end: number, at: PosMapper, firstWhite = false): Token[] {
  const out: Token[] = [];
  let i = from;
  let white = firstWhite;
  while (i < end) {
    const c = s.charCodeAt(i);
    if (isHSpace(c) || c === 10) {
      white = true;
      i++;
      continue;
    }
    let j: number;
    let k: TK;
    if (c < 128 && IDSTART[c] === 1) {
      j = scanIdent(s, i, end);
      k = TK.Ident;
    } else if (isDigit(c) || (c === 46 && i + 1 < end && isDigit(s.charCodeAt(i + 1)))) {
      j = scanNumber(s, i, end);
      k = TK.Number;
    } else if (c === 34 || c === 39) {
      const q = scanQuoted(s, i, end);
      if (q < 0) {
        // gcc (lex_string): an unterminated literal becomes one CPP_OTHER token
        // running to the end of the line; assembler mode does not complain.
        j = end;
        k = TK.Other;
      } else {
        j = q;
        k = c === 34 ? TK.String : TK.Char;
      }
    } else {
      const n = punctLength(s, i, end);
      if (n > 0) {
        j = i + n;
        k = TK.Punct;
      } else {
        j = i + 1;
        k = TK.Other;
      }
    }
    if (typeof at === 'number') out.push({ k, s: s.slice(i, j), w: white, line: at, col: i + 1 });
    else {
      const p = at(i);
      out.push({ k, s: s.slice(i, j), w: white, line: p.line, col: p.col });
    }
    white = false;
    i = j;
  }
  return out;
}

/**
 * Lexes a spelling produced by `##` and returns the single token it forms, or
 * undefined when it does not form exactly one token (gcc then keeps both
 * operands, silently in assembler mode).
 */
export function lexSingle(text: string): Token | undefined {
  const toks = tokenize(text, 0, text.length, 0);
  if (toks.length !== 1 || toks[0].s.length !== text.length) return undefined;
  return toks[0];
}

export function isPunct(t: Token, s: string): boolean {
  return t.k === TK.Punct && t.s === s;
}
