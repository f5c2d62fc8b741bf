import { readFileSync, writeFileSync, renameSync, unlinkSync, statSync } from 'node:fs';
import { resolve, dirname, basename, join } from 'node:path';

/**
 * Everything a command does to the outside world goes through a CliIo, so
 * tests run commands in-process and capture what they write.
 */
export interface CliIo {
  readonly cwd: string;
  /** Reads a file (relative to cwd); undefined when it cannot be read. `-` is standard input. */
  readFile(path: string): Uint8Array | undefined;
  isDirectory(path: string): boolean;
  /** Writes a whole file at once (never a partial file: write to a temporary name, then rename). */
  writeFile(path: string, data: string | Uint8Array): void;
  stdout(data: string | Uint8Array): void;
  stderr(text: string): void;
}

let pipeGuard = false;

export function nodeIo(): CliIo {
  const cwd = process.cwd();
  if (!pipeGuard) {
    pipeGuard = true;
    // `vmshare map | head`: the reader went away; stop quietly as cat or dtc would.
    for (const s of [process.stdout, process.stderr])
      s.on('error', (e: NodeJS.ErrnoException) => {
        if (e.code === 'EPIPE') process.exit(0);
        throw e;
      });
  }
  return {
    cwd,
    readFile(path) {
      try {
        if (path === '-') return new Uint8Array(readFileSync(0));
        return new Uint8Array(readFileSync(resolve(cwd, path)));
      } catch {
        return undefined;
      }
    },
    isDirectory(path) {
      try {
        return statSync(resolve(cwd, path)).isDirectory();
      } catch {
        return false;
      }
    },
    writeFile(path, data) {
      const full = resolve(cwd, path);
      const tmp = join(dirname(full), `.${basename(full)}.${process.pid}.tmp`);
      try {
        writeFileSync(tmp, data);
        renameSync(tmp, full);
      } catch (e) {
        try {
          unlinkSync(tmp);
        } catch {
          /* nothing to clean */
        }
        throw e;
      }
    },
    stdout(data) {
      process.stdout.write(data);
    },
    stderr(text) {
      process.stderr.write(text);
    },
  };
}

export interface CapturedIo extends CliIo {
  readonly out: Uint8Array[];
  readonly err: string[];
  readonly written: Map<string, Uint8Array>;
  stdoutBytes(): Uint8Array;
  stderrText(): string;
}

/** Reads the real file system under `cwd`, captures every write. */
export function captureIo(cwd: string, stdin?: Uint8Array): CapturedIo {
  const out: Uint8Array[] = [];
  const err: string[] = [];
  const written = new Map<string, Uint8Array>();
  const enc = new TextEncoder();
  return {
    cwd,
    out,
    err,
    written,
    readFile(path) {
      if (path === '-') return stdin;
      const full = resolve(cwd, path);
      const w = written.get(full);
      if (w) return w;
      try {
        return new Uint8Array(readFileSync(full));
      } catch {
        return undefined;
      }
    },
    isDirectory(path) {
      try {
        return statSync(resolve(cwd, path)).isDirectory();
      } catch {
        return false;
      }
    },
    writeFile(path, data) {
      written.set(resolve(cwd, path), typeof data === 'string' ? enc.encode(data) : data);
    },
    stdout(data) {
      out.push(typeof data === 'string' ? enc.encode(data) : data);
    },
    stderr(text) {
      err.push(text);
    },
    stdoutBytes() {
      const total = out.reduce((n, b) => n + b.length, 0);
      const all = new Uint8Array(total);
      let o = 0;
      for (const b of out) {
        all.set(b, o);
        o += b.length;
      }
      return all;
    },
    stderrText() {
      return err.join('');
    },
  };
}
