/**
 * Output with gcc-style line markers (`# <line> "<file>" [flags]`, flag 1 =
 * entering an included file, 2 = returning to it; see the cpp manual,
 * "Preprocessor Output"). The emitter tracks which presumed file/line the
 * next output line corresponds to and resynchronises with blank lines (up to
 * 8, like gcc) or a fresh marker, so a downstream lexer can map every output
 * line back to its source line.
 *
 * Runs of source lines copied unchanged are appended as one slice of the
 * source text, which keeps 50 MB inputs cheap.
 */

/** Largest gap bridged with blank lines before a marker is cheaper (gcc uses 8). */
const MAX_BLANK_GAP = 8;

export function markerLine(line: number, file: string, flag?: 1 | 2): string {
  return `# ${line} "${escapeFileName(file)}"${flag ? ' ' + flag : ''}\n`;
}

/** gcc escapes backslash and double quote in marker file names. */
export function escapeFileName(file: string): string {
  return /[\\"\n]/.test(file) ? file.replace(/[\\"]/g, (c) => '\\' + c).replace(/\n/g, '\\n') : file;
}

export class Emitter {
  private readonly parts: string[] = [];
  /** Presumed file and line of the output line being written (or next to be written). */
  file = '';
  line = 1;
  private atLineStart = true;
  private runSrc: string | null = null;
  private runStart = 0;
  private runEnd = 0;
  /** Characters produced by macro expansion so far (capped by the engine). */
  expandedChars = 0;

  marker(line: number, file: string, flag?: 1 | 2): void {
    if (!this.atLineStart) this.newline();
    this.flushRun();
    this.parts.push(markerLine(line, file, flag));
    this.file = file;
    this.line = line;
  }

  /** Starts output line `line` of `file`, bridging the gap since the last line. */
  sync(file: string, line: number): void {
    if (!this.atLineStart) this.newline();
    if (file === this.file && line === this.line) return;
    if (file !== this.file || line < this.line || line - this.line > MAX_BLANK_GAP) {
      this.marker(line, file);
      return;
    }
    this.flushRun();
    this.parts.push('\n'.repeat(line - this.line));
    this.line = line;
  }

  /** Appends source `src[start, end)`, which is `lines` complete lines ending in a newline. */
  verbatim(src: string, start: number, end: number, lines: number): void {
    if (this.runSrc === src && this.runEnd === start) this.runEnd = end;
    else {
      this.flushRun();
      this.runSrc = src;
      this.runStart = start;
      this.runEnd = end;
    }
    this.line += lines;
  }

  write(s: string): void {
    if (this.runSrc !== null) this.flushRun();
    this.parts.push(s);
    this.atLineStart = false;
  }

  newline(): void {
    if (this.runSrc !== null) this.flushRun();
    this.parts.push('\n');
    this.line++;
    this.atLineStart = true;
  }

  get lineStarted(): boolean {
    return !this.atLineStart;
  }

  finish(): string {
    if (!this.atLineStart) this.newline();
    this.flushRun();
    return this.parts.join('');
  }

  private flushRun(): void {
    if (this.runSrc !== null) {
      this.parts.push(this.runSrc.slice(this.runStart, this.runEnd));
      this.runSrc = null;
    }
  }
}
