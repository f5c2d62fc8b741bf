/**
 * Splits one source file into logical lines the way translation phases 1-3 do
 * (C11 5.1.1.2): backslash-newline splices, then comments become whitespace.
 *
 * Column preservation: a comment inside a line is replaced by as many spaces as
 * it had characters, so text after it keeps its column; a text line never
 * absorbs the following physical lines because of a comment (the remainder of
 * the comment just blanks the start of the next line), which keeps output lines
 * aligned with input lines. Only a directive line is joined with the lines its
 * trailing comment spans, because the directive continues after the comment.
 *
 * Most DTS lines contain no `/` and no trailing backslash; those are returned
 * as a plain slice (the `fast` flag lets the engine copy them verbatim).
 */

export interface RawLine {
  /** Logical text: splices removed, comments blanked, no newline or trailing CR. */
  readonly text: string;
  /** Physical line number (1-based) of the first physical line. */
  readonly line: number;
  /** Number of physical lines consumed. */
  readonly lines: number;
  /** Offsets of the raw source consumed: [start, end) including the final newline. */
  readonly start: number;
  readonly end: number;
  /** `text` is exactly the raw bytes of one physical line (minus newline/CR). */
  readonly fast: boolean;
  /** The raw line ended with a newline (false only for the last line of a file). */
  readonly newline: boolean;
  /** First non-blank character is `#` and the line did not start inside a comment. */
  readonly hash: boolean;
  /**
   * When the logical line spans physical lines: triples [offset, physical line,
   * column] marking where each physical line's text begins in `text`.
   */
  readonly segs?: readonly number[];
}

export interface UnterminatedComment {
  line: number;
  col: number;
}

export class LineReader {
  private pos = 0;
  private phys = 1;
  private inComment = false;
  private commentLine = 0;
  private commentCol = 0;
  private nextSlash = -1;
  private pending: RawLine | null = null;
  /** Set once when the file ends inside a block comment. */
  unterminated: UnterminatedComment | undefined;

  constructor(readonly src: string) {
    this.nextSlash = src.indexOf('/');
  }

  /** Physical line number of the next line to be read. */
  get nextLine(): number {
    return this.pending ? this.pending.line : this.phys;
  }

  /** Pushes back one line (used when a `(` lookahead meets a directive). */
  unread(l: RawLine): void {
    this.pending = l;
  }

  next(): RawLine | null {
    if (this.pending) {
      const p = this.pending;
      this.pending = null;
      return p;
    }
    const src = this.src;
    const start = this.pos;
    if (start >= src.length) {
      if (this.inComment && !this.unterminated)
        this.unterminated = { line: this.commentLine, col: this.commentCol };
      return null;
    }
    let nl = src.indexOf('\n', start);
    const newline = nl >= 0;
    if (!newline) nl = src.length;
    let textEnd = nl;
    if (textEnd > start && src.charCodeAt(textEnd - 1) === 13) textEnd--;
    if (this.nextSlash >= 0 && this.nextSlash < start) this.nextSlash = src.indexOf('/', start);
    // A comment needs `/*` or `//`; slashes in paths (`/dts-v1/`, "a/b") do not.
    let comment = false;
    let p = this.nextSlash;
    while (p >= 0 && p < textEnd) {
      const c = src.charCodeAt(p + 1);
      if (c === 42 || c === 47) {
        comment = true;
        break;
      }
      p = src.indexOf('/', p + 1);
    }
    this.nextSlash = p;
    const splice = textEnd > start && src.charCodeAt(textEnd - 1) === 92;
    if (!this.inComment && !comment && !splice) {
      const text = src.slice(start, textEnd);
      const line = this.phys++;
      this.pos = newline ? nl + 1 : nl;
      return {
        text,
        line,
        lines: 1,
        start,
        end: this.pos,
        fast: true,
        newline,
        hash: firstNonBlankIsHash(text),
      };
    }
    return this.readSlow();
  }

  /** One spliced physical-line group: text without splices, plus segment marks. */
  private readSpliced(segs: number[], base: number): { text: string; newline: boolean } | null {
    const src = this.src;
    if (this.pos >= src.length) return null;
    let text = '';
    let newline = false;
    for (;;) {
      const start = this.pos;
      let nl = src.indexOf('\n', start);
      newline = nl >= 0;
      if (!newline) nl = src.length;
      let e = nl;
      if (e > start && src.charCodeAt(e - 1) === 13) e--;
      const line = this.phys++;
      this.pos = newline ? nl + 1 : nl;
      segs.push(base + text.length, line, 1);
      if (e > start && src.charCodeAt(e - 1) === 92 && this.pos < src.length) {
        text += src.slice(start, e - 1);
        continue;
      }
      text += src.slice(start, e > start && src.charCodeAt(e - 1) === 92 ? e - 1 : e);
      return { text, newline };
    }
  }

  private readSlow(): RawLine {
    const start = this.pos;
    const line = this.phys;
    const segs: number[] = [];
    const first = this.readSpliced(segs, 0)!;
    const startsInComment = this.inComment;
    let text = this.strip(first.text, segs, 0);
    let newline = first.newline;
    const hash = !startsInComment && firstNonBlankIsHash(text);
    // A directive continues past a comment that spans lines.
    while (hash && this.inComment) {
      const base = text.length + 1;
      const more = this.readSpliced(segs, base);
      if (!more) break;
      text += ' ' + this.strip(more.text, segs, base);
      newline = more.newline;
    }
    const lines = this.phys - line;
    const simple = segs.length === 3;
    return {
      text,
      line,
      lines,
      start,
      end: this.pos,
      fast: false,
      newline,
      hash,
      segs: simple ? undefined : segs,
    };
  }

  /** Blanks comments in `s` (which begins at logical offset `base`), tracking block-comment state. */
  private strip(s: string, segs: number[], base: number): string {
    const n = s.length;
    let out = '';
    let last = 0;
    let i = 0;
    if (this.inComment) {
      const e = s.indexOf('*/');
      if (e < 0) return '';
      this.inComment = false;
      out = ' '.repeat(e + 2);
      last = i = e + 2;
    }
    while (i < n) {
      const c = s.charCodeAt(i);
      if (c === 34 || c === 39) {
        const q = scanQuotedLocal(s, i, n);
        // An unterminated literal swallows the rest of the line (gcc lex_string).
        i = q < 0 ? n : q;
      } else if (c === 47 && i + 1 < n) {
        const d = s.charCodeAt(i + 1);
        if (d === 42) {
          const e = s.indexOf('*/', i + 2);
          out += s.slice(last, i);
          if (e < 0) {
            this.inComment = true;
            const p = mapOffset(segs, base + i);
            this.commentLine = p.line;
            this.commentCol = p.col;
            return out + ' ';
          }
          out += ' '.repeat(e + 2 - i);
          i = last = e + 2;
        } else if (d === 47) {
          return out + s.slice(last, i);
        } else i++;
      } else i++;
    }
    return last === 0 ? s : out + s.slice(last);
  }
}

function scanQuotedLocal(s: string, i: number, end: number): number {
  const q = s.charCodeAt(i);
  i++;
  while (i < end) {
    const c = s.charCodeAt(i);
    if (c === q) return i + 1;
    i += c === 92 ? 2 : 1;
  }
  return -1;
}

function firstNonBlankIsHash(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 32 || c === 9 || c === 11 || c === 12 || c === 13) continue;
    return c === 35;
  }
  return false;
}

/** Physical line and column of a logical offset, given segment triples. */
export function mapOffset(
  segs: readonly number[] | undefined,
  off: number,
  line0 = 0,
): { line: number; col: number } {
  if (!segs || segs.length === 0) return { line: line0, col: off + 1 };
  let k = 0;
  for (let j = 3; j < segs.length; j += 3) {
    if (segs[j] <= off) k = j;
    else break;
  }
  return { line: segs[k + 1], col: segs[k + 2] + off - segs[k] };
}

/** Physical position of a logical offset of `l`. */
export function rawPos(l: RawLine, off: number): { line: number; col: number } {
  return l.segs ? mapOffset(l.segs, off) : { line: l.line, col: off + 1 };
}
