import { spanIn, type IncludeSite, type Span, type SpanFile } from '../diag/span.js';
import type { DiagnosticBag } from '../diag/diagnostic.js';
import { FatalInputError } from '../diag/diagnostic.js';
import { Tok } from './tokens.js';
import { unescapeInto, type EscapeSink } from './escape.js';

/**
 * dtc 1.6.1's flex lexer (dtc-lexer.l) as a hand-written scanner over one
 * string per source file: start conditions INITIAL / V1 / PROPNODENAME /
 * BYTESTRING switched by the same tokens as dtc, longest-match between the
 * rules that can apply, `/include/` handled inside the lexer with a file
 * stack, and cpp line markers at line start changing the file/line used in
 * spans (flags 1/2 push/pop the include chain).
 */

/** The file part of a span: changes with line markers and includes. */
export type FileState = SpanFile;

const enum St {
  Initial,
  V1,
  PropNodeName,
  ByteString,
}

interface SourceBuffer {
  text: string;
  pos: number;
  line: number;
  lineStart: number;
  file: FileState;
  /** dtc's srcfile->dir: directory of the path actually opened (undefined: none). */
  dir: string | undefined;
}

export interface LexerOptions {
  includeDirs: readonly string[];
  readFile(path: string): Uint8Array | undefined;
  diagnostics: DiagnosticBag;
  files: string[];
}

/** dtc's MAX_SRCFILE_DEPTH: the main file plus 199 nested includes. */
export const MAX_SRCFILE_DEPTH = 200;

const U64_MAX = (1n << 64n) - 1n;

// Character classes as lookup tables (index = char code < 128).
const PROPNODECHAR = new Uint8Array(128);
const LABELSTART = new Uint8Array(128);
const LABELCHAR = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if (/[a-zA-Z0-9,._+*#?@-]/.test(ch)) PROPNODECHAR[c] = 1;
  if (/[a-zA-Z_]/.test(ch)) LABELSTART[c] = 1;
  if (/[a-zA-Z0-9_]/.test(ch)) LABELCHAR[c] = 1;
}

function isPropNodeChar(c: number): boolean {
  return c < 128 && PROPNODECHAR[c] === 1;
}
function isPathChar(c: number): boolean {
  return c === 0x2f || isPropNodeChar(c);
}
function isWs(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}
function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}
/** The value of a hex digit character (the caller has checked isHex). */
function hexDigit(c: number): number {
  return c <= 0x39 ? c - 0x30 : (c | 0x20) - 0x57;
}
function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
}

/**
 * Source bytes to text, one char per byte (Latin-1, not WHATWG's
 * windows-1252 "latin1"): dtc works on bytes, and this keeps every byte.
 */
export function latin1(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.length).toString('latin1');
}

/** dtc's get_dirname: the text before the last `/`, or none. */
export function dirnameOf(path: string): string | undefined {
  const i = path.lastIndexOf('/');
  return i < 0 ? undefined : path.slice(0, i);
}

/** dtc's join_path. */
function joinPath(dir: string, name: string): string {
  if (dir.length > 0 && !dir.endsWith('/')) return `${dir}/${name}`;
  return dir + name;
}

const KEYWORDS: readonly [string, Tok, St | -1][] = [
  ['/dts-v1/', Tok.V1, St.V1],
  ['/plugin/', Tok.Plugin, -1],
  ['/memreserve/', Tok.MemReserve, St.V1],
  ['/bits/', Tok.Bits, St.V1],
  ['/delete-property/', Tok.DelProp, St.PropNodeName],
  ['/delete-node/', Tok.DelNode, St.PropNodeName],
  ['/omit-if-no-ref/', Tok.OmitNoRef, St.PropNodeName],
];

export class Lexer {
  // Current token.
  tok: Tok = Tok.Eof;
  charCode = 0;
  text = '';
  /** Literal value when it is below 2^53 (else -1, see `big`). */
  num = 0;
  big: bigint | undefined;
  /** String token bytes (with the terminating NUL) are `strSink.buf[0, strSink.len)`. */
  readonly strSink: EscapeSink = { buf: new Uint8Array(256), len: 0 };
  sLine = 1;
  sCol = 1;
  eLine = 1;
  eCol = 1;
  file: FileState;

  private state = St.Initial;
  private buf: SourceBuffer;
  private readonly stack: SourceBuffer[] = [];
  private depth = 1;

  constructor(
    text: string,
    fileName: string,
    private readonly opts: LexerOptions,
  ) {
    this.file = { name: fileName };
    this.buf = { text, pos: 0, line: 1, lineStart: 0, file: this.file, dir: dirnameOf(fileName) };
    opts.files.push(fileName);
  }

  /** The current token kind (a method, so that checks after `next()` are not narrowed away). */
  cur(): Tok {
    return this.tok;
  }

  /** The current source directory (for /incbin/ lookups). */
  get currentDir(): string | undefined {
    return this.buf.dir;
  }

  /** A span from a saved start to the current token's end (file of the end, as dtc's YYLLOC_DEFAULT). */
  spanFrom(sLine: number, sCol: number): Span {
    return mkSpan(this.file, sLine, sCol, this.eLine, this.eCol);
  }

  tokenSpan(): Span {
    return mkSpan(this.file, this.sLine, this.sCol, this.eLine, this.eCol);
  }

  private fatal(code: string, message: string, span: Span): never {
    const d = { severity: 'error' as const, code, message, span };
    this.opts.diagnostics.add(d);
    throw new FatalInputError(d);
  }

  private lexError(message: string): void {
    this.opts.diagnostics.error('dts/lexical', message, this.tokenSpan());
  }

  /**
   * dtc's srcfile_relative_open: the directory of the current real file
   * first, then each search directory; absolute names as given.
   */
  openRelative(name: string, span: Span): { path: string; bytes: Uint8Array } {
    const tryOpen = (dir: string | undefined): { path: string; bytes: Uint8Array } | undefined => {
      const path = dir === undefined || name.startsWith('/') ? name : joinPath(dir, name);
      const bytes = this.opts.readFile(path);
      return bytes ? { path, bytes } : undefined;
    };
    let r = tryOpen(this.buf.dir);
    for (let i = 0; !r && i < this.opts.includeDirs.length; i++) r = tryOpen(this.opts.includeDirs[i]);
    if (!r) this.fatal('dts/file-not-found', `Couldn't open "${name}": No such file or directory`, span);
    this.opts.files.push(r.path);
    return r;
  }

  private pushInclude(name: string): void {
    const span = this.tokenSpan();
    if (this.depth >= MAX_SRCFILE_DEPTH)
      this.fatal(
        'dts/include-depth',
        `Includes nested too deeply (more than ${MAX_SRCFILE_DEPTH} files)`,
        span,
      );
    this.depth++;
    const { path, bytes } = this.openRelative(name, span);
    const cur = this.buf;
    const site: IncludeSite = { file: cur.file.name, line: this.sLine };
    const file: FileState = { name: path, includedFrom: [site, ...(cur.file.includedFrom ?? [])] };
    this.stack.push(cur);
    this.buf = { text: latin1(bytes), pos: 0, line: 1, lineStart: 0, file, dir: dirnameOf(path) };
  }

  /** Advances `pos` to `to`, counting newlines. */
  private advance(to: number): void {
    const b = this.buf;
    const s = b.text;
    let p = b.pos;
    for (;;) {
      const nl = s.indexOf('\n', p);
      if (nl < 0 || nl >= to) break;
      b.line++;
      b.lineStart = nl + 1;
      p = nl + 1;
    }
    b.pos = to;
  }

  /** Skips whitespace or comments; like any flex match it sets the location. */
  private skipTo(to: number): void {
    this.begin();
    this.finish(to, true);
  }

  private begin(): void {
    const b = this.buf;
    this.sLine = b.line;
    this.sCol = b.pos - b.lineStart + 1;
  }

  private finish(to: number, multiline: boolean): void {
    if (multiline) this.advance(to);
    else this.buf.pos = to;
    const b = this.buf;
    this.eLine = b.line;
    this.eCol = b.pos - b.lineStart + 1;
    this.file = b.file;
  }

  /** Matches `"([^\\"]|\\.)*"` at `p`; returns the end (after the quote) or -1. */
  private matchString(s: string, p: number): number {
    let q = p + 1;
    const n = s.length;
    while (q < n) {
      const c = s.charCodeAt(q);
      if (c === 0x22) return q + 1;
      if (c === 0x5c) {
        if (q + 1 >= n || s.charCodeAt(q + 1) === 0x0a) return -1;
        q += 2;
      } else q++;
    }
    return -1;
  }

  /** Matches `'([^']|\\')*'` (longest match) at `p`; returns the end or -1. */
  private matchCharLiteral(s: string, p: number): number {
    let q = p + 1;
    const n = s.length;
    let candidate = -1;
    while (q < n) {
      const c = s.charCodeAt(q);
      if (c === 0x27) return q + 1;
      if (c === 0x5c && q + 1 < n && s.charCodeAt(q + 1) === 0x27) {
        candidate = q + 2; // the quote could also close the literal here
        q += 2;
      } else q++;
    }
    return candidate;
  }

  /** Tries a cpp line marker at line start; returns true when one was consumed. */
  private tryLineMarker(s: string, p: number): boolean {
    let q = p + 1;
    const n = s.length;
    if (
      s.startsWith('line', q) &&
      q + 4 < n &&
      (s.charCodeAt(q + 4) === 0x20 || s.charCodeAt(q + 4) === 0x09)
    )
      q += 4;
    const blanks = (from: number): number => {
      let r = from;
      while (r < n && (s.charCodeAt(r) === 0x20 || s.charCodeAt(r) === 0x09)) r++;
      return r;
    };
    let r = blanks(q);
    if (r === q) return false;
    const numStart = r;
    while (r < n && isDigit(s.charCodeAt(r))) r++;
    if (r === numStart) return false;
    const lineNo = parseInt(s.slice(numStart, r), 10);
    q = blanks(r);
    if (q === r || q >= n || s.charCodeAt(q) !== 0x22) return false;
    const strEnd = this.matchString(s, q);
    if (strEnd < 0) return false;
    // The name is the string's value (escapes applied); a NUL inside is refused.
    const sink: EscapeSink = { buf: new Uint8Array(64), len: 0 };
    const escOk = unescapeInto(s, q + 1, strEnd - 1, sink);
    const raw = sink.buf.subarray(0, sink.len);
    const nul = raw.indexOf(0);
    const name = latin1(nul < 0 ? raw : raw.subarray(0, nul));
    let end = strEnd;
    const flags: number[] = [];
    for (;;) {
      const b = blanks(end);
      if (b === end) break;
      let d = b;
      while (d < n && isDigit(s.charCodeAt(d))) d++;
      if (d === b) break;
      flags.push(parseInt(s.slice(b, d), 10));
      end = d;
    }
    this.finish(end, true);
    if (!escOk) this.fatal('dts/lexical', '\\x used with no following hex digits', this.tokenSpan());
    if (nul >= 0) this.lexError('nul in line number directive');
    const b = this.buf;
    let includedFrom = b.file.includedFrom ?? [];
    if (flags.includes(1)) {
      // Entering an include: the site is where the previous file stands now.
      includedFrom = [{ file: b.file.name, line: b.line }, ...includedFrom];
    } else if (flags.includes(2) && includedFrom.length > 0) {
      includedFrom = includedFrom.slice(1);
    }
    b.file = includedFrom.length > 0 ? { name, includedFrom } : { name };
    // dtc: srcpos_set_line(name, N - 1); the marker's own newline then makes it N.
    b.line = lineNo - 1;
    return true;
  }

  private setChar(c: number, end: number): void {
    this.tok = Tok.Char;
    this.charCode = c;
    this.finish(end, c === 0x0a);
    if (c === 0x5b) this.state = St.ByteString;
    else if (c === 0x7b || c === 0x3b) this.state = St.PropNodeName;
  }

  /** Scans an integer literal at `p` (V1 state, `p` is a digit). */
  private scanLiteral(s: string, p: number): void {
    const n = s.length;
    let q = p;
    let hex = false;
    if (
      s.charCodeAt(p) === 0x30 &&
      (s.charCodeAt(p + 1) === 0x78 || s.charCodeAt(p + 1) === 0x58) &&
      p + 2 < n &&
      isHex(s.charCodeAt(p + 2))
    ) {
      hex = true;
      q = p + 2;
      while (q < n && isHex(s.charCodeAt(q))) q++;
    } else {
      while (q < n && isDigit(s.charCodeAt(q))) q++;
    }
    const digitsEnd = q;
    // Suffix (U|L|UL|LL|ULL), longest alternative.
    if (s.startsWith('ULL', q)) q += 3;
    else if (s.startsWith('UL', q) || s.startsWith('LL', q)) q += 2;
    else if (s.charCodeAt(q) === 0x55 || s.charCodeAt(q) === 0x4c) q += 1;
    this.begin();
    this.tok = Tok.Literal;
    this.finish(q, false);
    // strtoull(text, &end, 0): base from the prefix; octal stops at 8/9.
    let start = hex ? p + 2 : p;
    let base = hex ? 16 : 10;
    if (!hex && s.charCodeAt(p) === 0x30 && digitsEnd - p > 1) {
      base = 8;
      start = p + 1;
    }
    let stop = digitsEnd;
    if (base === 8) {
      stop = start;
      while (stop < digitsEnd && s.charCodeAt(stop) <= 0x37) stop++;
    }
    const bad = stop !== digitsEnd;
    const maxFast = base === 16 ? 13 : base === 10 ? 15 : 17;
    if (stop - start <= maxFast) {
      // Exact in a double: accumulate without slicing (the hot path of big inputs).
      let v = 0;
      for (let i = start; i < stop; i++) {
        const c = s.charCodeAt(i);
        v = v * base + (c <= 0x39 ? c - 0x30 : (c | 0x20) - 0x57);
      }
      this.num = v;
      this.big = undefined;
      if (bad) this.lexError(`Bad integer literal '${s.slice(p, q)}'`);
      return;
    }
    const digits = s.slice(start, stop);
    let v = base === 16 ? BigInt('0x' + digits) : base === 8 ? BigInt('0o' + digits) : BigInt(digits);
    if (bad) this.lexError(`Bad integer literal '${s.slice(p, q)}'`);
    if (v > U64_MAX) {
      this.lexError(`Integer literal '${s.slice(p, q)}' out of range`);
      v = U64_MAX;
    }
    this.setBig(v);
  }

  private setBig(v: bigint): void {
    if (v <= 0x1fffffffffffffn) {
      this.num = Number(v);
      this.big = undefined;
    } else {
      this.num = -1;
      this.big = v;
    }
  }

  /** The current literal's value as a bigint. */
  bigValue(): bigint {
    return this.big ?? BigInt(this.num);
  }

  next(): void {
    for (;;) {
      const b = this.buf;
      const s = b.text;
      const p = b.pos;
      const n = s.length;
      if (p >= n) {
        const prev = this.stack.pop();
        if (prev) {
          this.buf = prev;
          this.depth--;
          continue;
        }
        // No rule matches at EOF: dtc's location stays that of the last
        // matched text (often the trailing whitespace).
        this.tok = Tok.Eof;
        return;
      }
      const c = s.charCodeAt(p);
      if (c === 0x20 || (c >= 0x09 && c <= 0x0d)) {
        // Whitespace, counting newlines on the way (the skip sets the
        // location like any match: begin() and finish() inlined).
        this.sLine = b.line;
        this.sCol = p - b.lineStart + 1;
        let q = p;
        let line = b.line;
        let lineStart = b.lineStart;
        while (q < n) {
          const d = s.charCodeAt(q);
          if (d === 0x0a) {
            line++;
            lineStart = q + 1;
          } else if (!(d === 0x20 || (d >= 0x09 && d <= 0x0d))) break;
          q++;
        }
        b.pos = q;
        b.line = line;
        b.lineStart = lineStart;
        this.eLine = line;
        this.eCol = q - lineStart + 1;
        this.file = b.file;
        continue;
      }
      const st = this.state;
      if (c === 0x2f) {
        const c1 = p + 1 < n ? s.charCodeAt(p + 1) : 0;
        if (c1 === 0x2a) {
          const e = s.indexOf('*/', p + 2);
          if (e >= 0) {
            this.skipTo(e + 2);
            continue;
          }
        } else if (c1 === 0x2f) {
          const e = s.indexOf('\n', p + 2);
          if (e >= 0) {
            this.skipTo(e + 1);
            continue;
          }
        } else {
          if (c1 === 0x69 && s.startsWith('/include/', p)) {
            let q = p + 9;
            while (q < n && isWs(s.charCodeAt(q))) q++;
            if (q < n && s.charCodeAt(q) === 0x22) {
              const e = this.matchString(s, q);
              if (e >= 0) {
                this.begin();
                this.finish(e, true);
                this.pushInclude(s.slice(q + 1, e - 1));
                continue;
              }
            }
          }
          // Every keyword's second character is one of d, p, m, b, o.
          const kwStart = c1 === 0x64 || c1 === 0x70 || c1 === 0x6d || c1 === 0x62 || c1 === 0x6f;
          for (let k = 0; kwStart && k < KEYWORDS.length; k++) {
            const kw = KEYWORDS[k];
            if (s.startsWith(kw[0], p)) {
              this.begin();
              this.tok = kw[1];
              this.finish(p + kw[0].length, false);
              if (kw[2] !== -1) this.state = kw[2];
              return;
            }
          }
          if (st !== St.PropNodeName && st !== St.ByteString && s.startsWith('/incbin/', p)) {
            this.begin();
            this.tok = Tok.Incbin;
            this.finish(p + 8, false);
            return;
          }
        }
      } else if (c === 0x23 && (p === 0 || s.charCodeAt(p - 1) === 0x0a)) {
        this.begin();
        if (this.tryLineMarker(s, p)) continue;
      } else if (c === 0x22) {
        const e = this.matchString(s, p);
        if (e >= 0) {
          this.begin();
          this.tok = Tok.String;
          this.finish(e, true);
          const sink = this.strSink;
          sink.len = 0;
          if (!unescapeInto(s, p + 1, e - 1, sink))
            this.fatal('dts/lexical', '\\x used with no following hex digits', this.tokenSpan());
          if (sink.len >= sink.buf.length) {
            const bigger = new Uint8Array(sink.buf.length * 2);
            bigger.set(sink.buf);
            sink.buf = bigger;
          }
          sink.buf[sink.len++] = 0;
          return;
        }
      } else if (c === 0x27) {
        const e = this.matchCharLiteral(s, p);
        if (e >= 0) {
          this.begin();
          this.tok = Tok.CharLiteral;
          this.finish(e, true);
          const sink: EscapeSink = { buf: new Uint8Array(8), len: 0 };
          if (!unescapeInto(s, p + 1, e - 1, sink))
            this.fatal('dts/lexical', '\\x used with no following hex digits', this.tokenSpan());
          if (sink.len === 0) {
            this.lexError('Empty character literal');
            this.num = 0;
          } else {
            this.num = sink.buf[0];
            if (sink.len > 1) this.lexError(`Character literal has ${sink.len} characters instead of 1`);
          }
          this.big = undefined;
          return;
        }
      } else if (c === 0x26) {
        const c1 = p + 1 < n ? s.charCodeAt(p + 1) : 0;
        if (c1 === 0x26) {
          this.begin();
          this.tok = Tok.And;
          this.finish(p + 2, false);
          return;
        }
        if (c1 < 128 && LABELSTART[c1] === 1) {
          let q = p + 2;
          while (q < n && s.charCodeAt(q) < 128 && LABELCHAR[s.charCodeAt(q)] === 1) q++;
          this.begin();
          this.tok = Tok.LabelRef;
          this.finish(q, false);
          this.text = s.slice(p + 1, q);
          return;
        }
        if (c1 === 0x7b && p + 2 < n && s.charCodeAt(p + 2) === 0x2f) {
          let q = p + 3;
          while (q < n && isPathChar(s.charCodeAt(q))) q++;
          if (q < n && s.charCodeAt(q) === 0x7d) {
            this.begin();
            this.tok = Tok.PathRef;
            this.finish(q + 1, false);
            this.text = s.slice(p + 2, q);
            return;
          }
        }
      }
      // {LABEL}: wins over a name or byte of the same start (it is longer).
      // Label characters are name characters too: a name scan resumes where it stopped.
      let labelEnd = -1;
      if (c < 128 && LABELSTART[c] === 1) {
        let q = p + 1;
        while (q < n) {
          const d = s.charCodeAt(q);
          if (d >= 128 || LABELCHAR[d] !== 1) break;
          q++;
        }
        if (q < n && s.charCodeAt(q) === 0x3a) {
          this.begin();
          this.tok = Tok.Label;
          this.finish(q + 1, false);
          this.text = s.slice(p, q);
          return;
        }
        labelEnd = q;
      }
      if (st === St.PropNodeName) {
        const start = c === 0x5c ? p + 1 : p;
        let q = labelEnd >= 0 ? labelEnd : start;
        while (q < n) {
          const d = s.charCodeAt(q);
          if (d >= 128 || PROPNODECHAR[d] !== 1) break;
          q++;
        }
        if (q > start) {
          this.begin();
          this.tok = Tok.PropNodeName;
          this.finish(q, false);
          this.text = s.slice(start, q);
          this.state = St.V1;
          return;
        }
      } else if (st === St.ByteString) {
        if (isHex(c) && p + 1 < n && isHex(s.charCodeAt(p + 1))) {
          this.begin();
          this.tok = Tok.Byte;
          this.finish(p + 2, false);
          this.num = hexDigit(c) * 16 + hexDigit(s.charCodeAt(p + 1));
          return;
        }
        if (c === 0x5d) {
          this.begin();
          this.tok = Tok.Char;
          this.charCode = c;
          this.finish(p + 1, false);
          this.state = St.V1;
          return;
        }
      } else if (st === St.V1 && isDigit(c)) {
        this.scanLiteral(s, p);
        return;
      }
      if (p + 1 < n) {
        const c1 = s.charCodeAt(p + 1);
        let t: Tok | -1 = -1;
        if (c === 0x3c && c1 === 0x3c) t = Tok.LShift;
        else if (c === 0x3e && c1 === 0x3e) t = Tok.RShift;
        else if (c === 0x3c && c1 === 0x3d) t = Tok.Le;
        else if (c === 0x3e && c1 === 0x3d) t = Tok.Ge;
        else if (c === 0x3d && c1 === 0x3d) t = Tok.Eq;
        else if (c === 0x21 && c1 === 0x3d) t = Tok.Ne;
        else if (c === 0x7c && c1 === 0x7c) t = Tok.Or;
        if (t !== -1) {
          this.begin();
          this.tok = t;
          this.finish(p + 2, false);
          return;
        }
      }
      this.begin();
      this.setChar(c, p + 1);
      return;
    }
  }
}

/** A span in the lexer's current file state (the diag layer's spanIn). */
export const mkSpan = spanIn;
