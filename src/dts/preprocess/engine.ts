/**
 * The preprocessor driver: a stack of open files (iterative, so include depth
 * never touches the JS stack), conditional groups per file, text lines
 * (copied verbatim unless they name a macro) and dispatch to the directive
 * handlers in directives.ts.
 */
import type { Diagnostic, Related } from '../../diag/diagnostic.js';
import type { IncludeSite, Span } from '../../diag/span.js';
import { Budget, Expander, ExpansionLimit, type ExpandHost, type PullMode } from './expand.js';
import { IncludeResolver } from './include.js';
import { IDSTART_FILTER_BITS, MacroFilter } from './macro-filter.js';
import { tokenize, withFlags, type PosMapper, type Token } from './lexer.js';
import { builtinMacro, parseDefine, type Macro } from './macro-table.js';
import { Emitter } from './output.js';
import { TokenPrinter } from './print.js';
import { LineReader, rawPos, type RawLine } from './reader.js';
import { handleDirective } from './directives.js';
import type { PreprocessOptions } from './types.js';

// Module-local alias: keeps the hot scan free of cross-module binding lookups
// (which some ESM-to-CJS loaders, e.g. tsx, turn into getter calls).
const BITS = IDSTART_FILTER_BITS;

/** Tokens one source line may expand to before we call it runaway. */
export const MAX_LINE_EXPANSION_TOKENS = 4_000_000;
/** Characters all macro expansions together may produce. */
export const MAX_EXPANDED_CHARS = 64 * 1024 * 1024;

export interface Cond {
  /** Lines of the current group are processed. */
  active: boolean;
  /** Some group of this #if chain was (or, when the parent is skipped, counts as) taken. */
  taken: boolean;
  sawElse: boolean;
  parentActive: boolean;
  directive: string;
  file: string;
  line: number;
  col: number;
}

export interface Frame {
  readonly reader: LineReader;
  /** Path as opened (directory for quoted includes). */
  readonly path: string;
  /** Presumed file name (#line / line markers may change it). */
  presumed: string;
  /** presumed line = physical line + delta. */
  delta: number;
  readonly conds: Cond[];
  readonly dirIndex: number;
  /** Include chain, innermost first. */
  readonly chain: readonly IncludeSite[];
  /** Include levels announced by input line markers (flag 1 / 2), innermost last. */
  readonly virt: IncludeSite[];
}

export class Engine implements ExpandHost {
  readonly macros = new Map<string, Macro>();
  readonly filter = new MacroFilter();
  readonly frames: Frame[] = [];
  readonly out = new Emitter();
  readonly diagnostics: Diagnostic[] = [];
  readonly resolver: IncludeResolver;
  readonly once = new Set<string>();
  private counter = 0;
  /** Current diagnostic anchor when a message carries no token position. */
  curLine = 0;
  curCol = 1;
  private expansionCapReported = false;
  readonly baseFile: string;

  constructor(
    fileName: string,
    readonly opts: PreprocessOptions,
  ) {
    this.baseFile = fileName;
    this.resolver = new IncludeResolver(
      opts.includeDirs.map((d) => (d.length > 1 && d.endsWith('/') ? d.replace(/\/+$/, '') : d)),
      opts.readFile,
    );
  }

  // ---- ExpandHost ----
  get presumedFile(): string {
    return this.top.presumed;
  }
  get includeLevel(): number {
    return this.frames.length - 1;
  }
  nextCounter(): number {
    return this.counter++;
  }
  hasInclude(name: string, angled: boolean, next: boolean): boolean {
    const f = this.top;
    return (
      this.resolver.resolve({ name, angled, includer: f.path, nextAfter: next ? f.dirIndex : undefined }) !==
      undefined
    );
  }
  error(code: string, message: string, line: number, col: number): void {
    this.report('error', code, message, line || this.curLine, line ? col : this.curCol);
  }
  pull(mode: PullMode): Token[] | null {
    const l = this.nextText(mode);
    if (!l) return null;
    return tokenize(l.text, 0, l.text.length, this.mapper(l), true);
  }

  get top(): Frame {
    return this.frames[this.frames.length - 1];
  }

  // ---- diagnostics ----
  span(line: number, col: number, endCol?: number, f: Frame = this.top): Span {
    const chain = f.virt.length > 0 ? [...f.virt].reverse().concat(f.chain) : f.chain;
    return {
      file: f.presumed,
      line,
      col,
      endLine: line,
      endCol: endCol ?? col,
      ...(chain.length > 0 ? { includedFrom: chain } : {}),
    };
  }

  report(
    severity: 'error' | 'warning',
    code: string,
    message: string,
    line: number,
    col: number,
    endCol?: number,
    related?: Related[],
  ): void {
    const span = this.frames.length > 0 ? this.span(line, col, endCol) : undefined;
    this.diagnostics.push({
      severity,
      code,
      message,
      ...(span ? { span } : {}),
      ...(related ? { related } : {}),
    });
  }

  mapper(l: RawLine, f: Frame = this.top): PosMapper {
    const delta = f.delta;
    if (!l.segs) return l.line + delta;
    return (off) => {
      const p = rawPos(l, off);
      return { line: p.line + delta, col: p.col };
    };
  }

  // ---- macros ----
  defineMacro(m: Macro): void {
    this.macros.set(m.name, m);
    this.filter.add(m.name);
  }

  setupPredefined(): void {
    for (const [name, b] of [
      ['__FILE__', 'FILE'],
      ['__LINE__', 'LINE'],
      ['__BASE_FILE__', 'BASE_FILE'],
      ['__INCLUDE_LEVEL__', 'INCLUDE_LEVEL'],
      ['__COUNTER__', 'COUNTER'],
    ] as const)
      this.defineMacro(builtinMacro(name, b));
    // What gcc itself still predefines under -undef for -x assembler-with-cpp
    // (`cpp -undef -x assembler-with-cpp -dM`), plus the kernel's -D__DTS__.
    for (const name of ['__STDC__', '__STDC_HOSTED__', '__ASSEMBLER__', '__DTS__'])
      this.commandLineDefine(name, '1', true);
    for (const d of this.opts.defines) this.commandLineDefine(d.name, d.value ?? '1', false);
    for (const u of this.opts.undefines) this.macros.delete(u);
  }

  private commandLineDefine(name: string, value: string, builtin: boolean): void {
    const file = builtin ? '<built-in>' : '<command-line>';
    const text = `${name} ${value}`;
    const toks = tokenize(text.replace(/\n/g, ' '), 0, text.length, (off) => ({ line: 1, col: off + 1 }));
    const r = parseDefine(toks, file);
    if ('error' in r) {
      this.diagnostics.push({
        severity: 'error',
        code: 'cpp/bad-define',
        message: `-D${name}${value === '1' ? '' : '=' + value}: ${r.error}`,
      });
      return;
    }
    this.defineMacro(r.macro);
  }

  // ---- files ----
  pushFile(path: string, text: string, dirIndex: number, site: IncludeSite | undefined): void {
    const parent = this.frames.length > 0 ? this.top : undefined;
    const chain = site
      ? [
          site,
          ...(parent
            ? parent.virt.length
              ? [...parent.virt].reverse().concat(parent.chain)
              : parent.chain
            : []),
        ]
      : [];
    // gcc skips a UTF-8 byte-order mark at the start of a file.
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    this.frames.push({
      reader: new LineReader(text),
      path,
      presumed: path,
      delta: 0,
      conds: [],
      dirIndex,
      chain,
      virt: [],
    });
    this.out.marker(1, path, site ? 1 : undefined);
  }

  private endFile(f: Frame): void {
    const u = f.reader.unterminated;
    if (u)
      this.report(
        'error',
        'cpp/unterminated-comment',
        'unterminated comment',
        u.line + f.delta,
        u.col,
        u.col + 2,
      );
    for (let i = f.conds.length - 1; i >= 0; i--) {
      const c = f.conds[i];
      this.diagnostics.push({
        severity: 'error',
        code: 'cpp/unterminated-conditional',
        message: `unterminated #${c.directive} (no matching #endif before the end of ${f.presumed})`,
        span: { ...this.span(c.line, c.col, c.col + 1 + c.directive.length, f), file: c.file },
      });
    }
    f.conds.length = 0;
  }

  skipping(f: Frame): boolean {
    return f.conds.length > 0 && !f.conds[f.conds.length - 1].active;
  }

  /**
   * The next line that is text to be output, handling directives and skipped
   * groups on the way. 'paren' and 'args' serve a macro invocation that
   * continues past the line end: neither leaves the current file, and 'paren'
   * stops in front of a directive line (gcc does not look for `(` past it).
   */
  nextText(mode: 'normal' | PullMode): RawLine | null {
    for (;;) {
      const f = this.top;
      const l = f.reader.next();
      if (!l) {
        if (mode !== 'normal') return null;
        this.endFile(f);
        this.frames.pop();
        if (this.frames.length === 0) return null;
        const p = this.top;
        this.out.marker(p.reader.nextLine + p.delta, p.presumed, 2);
        continue;
      }
      if (l.hash) {
        if (mode === 'paren') {
          f.reader.unread(l);
          return null;
        }
        if (handleDirective(this, f, l, mode)) continue;
      }
      if (this.skipping(f)) continue;
      return l;
    }
  }

  run(fileName: string, text: string): string {
    this.setupPredefined();
    this.pushFile(fileName, text, -1, undefined);
    for (;;) {
      const l = this.nextText('normal');
      if (!l) break;
      this.processText(l);
    }
    return this.out.finish();
  }

  /** Offset of the first identifier in `s` that names a macro, or -1. */
  private findMacro(s: string): number {
    const n = s.length;
    const filter = this.filter;
    let i = 0;
    while (i < n) {
      const c = s.charCodeAt(i);
      if (c < 128 && BITS[c] === 1) {
        let j = i + 1;
        while (j < n) {
          const d = s.charCodeAt(j);
          if (d < 128 && BITS[d] !== 0) j++;
          else break;
        }
        if (filter.mayHave(c, j - i) && this.macros.has(s.slice(i, j))) return i;
        i = j;
      } else if (BITS[c] === 2 || (c === 46 && i + 1 < n && BITS[s.charCodeAt(i + 1)] === 2)) {
        // pp-number: digits, letters, `_`, `.`, and a sign after e/E/p/P.
        i++;
        while (i < n) {
          const d = s.charCodeAt(i);
          if (d < 128 && (BITS[d] !== 0 || d === 46)) {
            i++;
            if ((d === 101 || d === 69 || d === 112 || d === 80) && i < n) {
              const e = s.charCodeAt(i);
              if (e === 43 || e === 45) i++;
            }
          } else break;
        }
      } else if (c === 34 || c === 39) {
        let j = i + 1;
        while (j < n) {
          const d = s.charCodeAt(j);
          if (d === c) break;
          j += d === 92 ? 2 : 1;
        }
        if (j >= n) return -1; // unterminated: the rest of the line is one token
        i = j + 1;
      } else i++;
    }
    return -1;
  }

  processText(l: RawLine): void {
    const f = this.top;
    const text = l.text;
    const line = l.line + f.delta;
    const hit = this.findMacro(text);
    this.out.sync(f.presumed, line);
    if (hit < 0) {
      if (l.fast && l.newline) this.out.verbatim(f.reader.src, l.start, l.end, 1);
      else {
        if (text.length > 0) this.out.write(text);
        this.out.newline();
      }
      return;
    }
    let toks: Token[];
    let prev: Token | null = null;
    if (l.segs) toks = tokenize(text, 0, text.length, this.mapper(l));
    else {
      // Only the part from the first macro on is tokenised; the text before it
      // is copied as written (columns kept). Its trailing whitespace is already
      // out, so the macro name must not add more, and only the token right
      // before it matters for gcc's paste-avoidance spacing.
      toks = tokenize(text, hit, text.length, this.mapper(l));
      if (hit > 0) {
        this.out.write(text.slice(0, hit));
        if (toks[0].w) toks[0] = withFlags(toks[0], { w: false });
        prev = tokenBefore(text, hit);
      }
    }
    const printer = new TokenPrinter(this.out, f.presumed);
    printer.setPrev(prev);
    const start = toks[0];
    this.curLine = start.line;
    this.curCol = start.col;
    const budget = new Budget(MAX_LINE_EXPANSION_TOKENS);
    const ex = new Expander(this.macros, this, budget, toks, {
      inIf: false,
      canPull: true,
      depth: 0,
    });
    let result: Token[];
    const direct: boolean[] = [];
    try {
      result = ex.run(direct);
    } catch (e) {
      if (!(e instanceof ExpansionLimit)) throw e;
      this.report('error', e.code, e.message, start.line, start.col, start.col + start.s.length);
      this.out.newline();
      return;
    }
    if (this.out.expandedChars > MAX_EXPANDED_CHARS) {
      if (!this.expansionCapReported) {
        this.expansionCapReported = true;
        this.report(
          'error',
          'cpp/expansion-too-large',
          `macro expansions produced more than ${MAX_EXPANDED_CHARS} bytes of output in total; expansion stopped`,
          start.line,
          start.col,
          start.col + start.s.length,
        );
      }
      this.out.newline();
      return;
    }
    for (let k = 0; k < result.length; k++) printer.print(result[k], direct[k]);
    this.out.expandedChars += printer.written;
    this.out.newline();
  }
}

/**
 * The token that ends at `end` (for spacing decisions only), or null when
 * whitespace precedes `end`. Scans back over identifier characters instead of
 * tokenising the whole prefix.
 */
function tokenBefore(text: string, end: number): Token | null {
  const c = text.charCodeAt(end - 1);
  if (c === 32 || c === 9 || c === 11 || c === 12 || c === 13) return null;
  let i = end - 1;
  if (c < 128 && BITS[c] !== 0) {
    while (i > 0) {
      const d = text.charCodeAt(i - 1);
      if ((d < 128 && BITS[d] !== 0) || d === 46) i--;
      else break;
    }
  } else i = Math.max(0, end - 3);
  const toks = tokenize(text, i, end, 0);
  return toks.length > 0 ? toks[toks.length - 1] : null;
}
