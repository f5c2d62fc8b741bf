import type { CliIo } from './io.js';
import { getopt, type OptSpec } from './getopt.js';
import { compile, type CompileOptions } from '../compile/compile.js';
import { parseCheckFlags } from '../checks/index.js';
import { writeDtb } from '../dtb/write.js';
import { printDts } from '../dts/print.js';
import { renderText } from '../diag/render-text.js';
import type { Diagnostic } from '../diag/diagnostic.js';
import type { PhandleFormat } from '../dt/model.js';
import { VERSION } from './version.js';

/**
 * `vmshare dtc`: a stand-in for dtc 1.6.1 with its flags and their meaning,
 * plus a built-in C preprocessor (`--cpp`, `-D`, `-U`). Output is written only
 * when the whole run succeeded (or -f forced it), never partially.
 */
const SPECS: readonly OptSpec[] = [
  { key: 'q', long: 'quiet', hasArg: false },
  { key: 'I', long: 'in-format', hasArg: true },
  { key: 'o', long: 'out', hasArg: true },
  { key: 'O', long: 'out-format', hasArg: true },
  { key: 'V', long: 'out-version', hasArg: true },
  { key: 'd', long: 'out-dependency', hasArg: true },
  { key: 'R', long: 'reserve', hasArg: true },
  { key: 'S', long: 'space', hasArg: true },
  { key: 'p', long: 'pad', hasArg: true },
  { key: 'a', long: 'align', hasArg: true },
  { key: 'b', long: 'boot-cpu', hasArg: true },
  { key: 'f', long: 'force', hasArg: false },
  { key: 'i', long: 'include', hasArg: true },
  { key: 's', long: 'sort', hasArg: false },
  { key: 'H', long: 'phandle', hasArg: true },
  { key: 'W', long: 'warning', hasArg: true },
  { key: 'E', long: 'error', hasArg: true },
  { key: '@', long: 'symbols', hasArg: false },
  { key: 'A', long: 'auto-alias', hasArg: false },
  { key: 'T', long: 'annotate', hasArg: false },
  { key: 'h', long: 'help', hasArg: false },
  { key: 'v', long: 'version', hasArg: false },
  // vmshare additions: the built-in preprocessor.
  { key: 'cpp', long: 'cpp', hasArg: false },
  { key: 'D', long: 'define', hasArg: true },
  { key: 'U', long: 'undefine', hasArg: true },
];

export const DTC_USAGE = `Usage: vmshare dtc [options] <input file>

Options (as dtc 1.6.1):
  -q, --quiet            Quiet: -q suppress warnings, -qq errors, -qqq all
  -I, --in-format <fmt>  Input format: dts, dtb
  -o, --out <file>       Output file (default stdout)
  -O, --out-format <fmt> Output format: dts, dtb, null
  -V, --out-version <n>  Blob version to produce (17 default; 16, 3, 2, 1)
  -d, --out-dependency <file>  Write a make dependency file
  -R, --reserve <n>      Extra empty memory reservation entries
  -S, --space <bytes>    Make the blob at least <bytes> long
  -p, --pad <bytes>      Add padding to the blob
  -a, --align <bytes>    Make the blob size a multiple of <bytes> (a power of two)
  -b, --boot-cpu <id>    Boot CPU id in the blob header
  -f, --force            Write output even when the checks found errors
  -i, --include <dir>    Search path for /include/, /incbin/ (and #include)
  -s, --sort             Sort reserve entries, properties and nodes
  -H, --phandle <fmt>    phandle properties: legacy, epapr (default), both
  -W, --warning <check>  Enable/disable (no-<check>) a check as a warning
  -E, --error <check>    Enable/disable (no-<check>) a check as an error
  -@, --symbols          Add a /__symbols__ node (for overlays)
  -A, --auto-alias       Add an /aliases entry for every label
  -h, --help             This help
  -v, --version          Print the version
vmshare additions:
      --cpp              Run the built-in C preprocessor first (#include, #define, #if)
  -D, --define <N[=V]>   Define a preprocessor macro (implies --cpp)
  -U, --undefine <N>     Undefine a preprocessor macro (implies --cpp)
`;

interface DtcRun {
  inform?: string;
  outform?: string;
  outname: string;
  outversion: number;
  depname?: string;
  reserve: number;
  minsize: number;
  padsize: number;
  alignsize: number;
  force: boolean;
  quiet: number;
  bootCpuid?: number;
  includeDirs: string[];
  sort: boolean;
  phandleFormat: PhandleFormat;
  checkFlags: { kind: 'W' | 'E'; arg: string }[];
  symbols: boolean;
  autoAliases: boolean;
  cpp: boolean;
  defines: { name: string; value?: string }[];
  undefines: string[];
}

/** C's strtol(s, NULL, 0): leading space, sign, 0x/0 prefixes; trailing junk ignored; no digits = 0. */
export function strtol(s: string): number {
  const m = /^\s*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)/.exec(s);
  if (!m) return 0;
  const body = m[2];
  let v: number;
  if (/^0[xX]/.test(body)) v = parseInt(body.slice(2), 16);
  else if (body.length > 1 && body[0] === '0') v = parseInt(body.slice(1), 8);
  else v = parseInt(body, 10);
  return m[1] === '-' ? -v : v;
}

function guessTypeByName(name: string | undefined): string | undefined {
  if (!name) return undefined;
  const dot = name.lastIndexOf('.');
  if (dot < 0) return undefined;
  const ext = name.slice(dot).toLowerCase();
  if (ext === '.dts') return 'dts';
  if (ext === '.dtb') return 'dtb';
  if (ext === '.yaml') return 'yaml';
  return undefined;
}

function guessInputFormat(io: CliIo, name: string): string {
  if (name === '-') return 'dts';
  if (io.isDirectory(name)) return 'fs';
  const b = io.readFile(name);
  if (!b || b.length < 4) return guessTypeByName(name) ?? 'dts';
  if (b[0] === 0xd0 && b[1] === 0x0d && b[2] === 0xfe && b[3] === 0xed) return 'dtb';
  return guessTypeByName(name) ?? 'dts';
}

function fatal(io: CliIo, message: string): number {
  io.stderr(`vmshare dtc: error: ${message}\n`);
  return 1;
}

export function runDtc(argv: readonly string[], io: CliIo): number {
  const parsed = getopt(argv, SPECS);
  if (!parsed.ok) {
    io.stderr(`vmshare dtc: ${parsed.message}\n${DTC_USAGE}`);
    return 1;
  }
  const run: DtcRun = {
    outname: '-',
    outversion: 17,
    reserve: 0,
    minsize: 0,
    padsize: 0,
    alignsize: 0,
    force: false,
    quiet: 0,
    includeDirs: [],
    sort: false,
    phandleFormat: 'epapr',
    checkFlags: [],
    symbols: false,
    autoAliases: false,
    cpp: false,
    defines: [],
    undefines: [],
  };
  for (const { key, value = '' } of parsed.opts) {
    switch (key) {
      case 'I':
        run.inform = value;
        break;
      case 'O':
        run.outform = value;
        break;
      case 'o':
        run.outname = value;
        break;
      case 'V':
        run.outversion = strtol(value);
        break;
      case 'd':
        run.depname = value;
        break;
      case 'R':
        run.reserve = strtol(value);
        break;
      case 'S':
        run.minsize = strtol(value);
        break;
      case 'p':
        run.padsize = strtol(value);
        break;
      case 'a':
        run.alignsize = strtol(value);
        if (run.alignsize <= 0 || (run.alignsize & (run.alignsize - 1)) !== 0)
          return fatal(io, `Invalid argument "${run.alignsize}" to -a option (must be a power of two)`);
        break;
      case 'b':
        run.bootCpuid = strtol(value);
        break;
      case 'f':
        run.force = true;
        break;
      case 'q':
        run.quiet++;
        break;
      case 'i':
        run.includeDirs.push(value);
        break;
      case 's':
        run.sort = true;
        break;
      case 'H':
        if (value !== 'legacy' && value !== 'epapr' && value !== 'both')
          return fatal(io, `Invalid argument "${value}" to -H option (legacy, epapr or both)`);
        run.phandleFormat = value;
        break;
      case 'W':
      case 'E':
        run.checkFlags.push({ kind: key, arg: value });
        break;
      case '@':
        run.symbols = true;
        break;
      case 'A':
        run.autoAliases = true;
        break;
      case 'T':
        return fatal(io, '-T/--annotate is not supported by vmshare dtc');
      case 'h':
        io.stdout(DTC_USAGE);
        return 0;
      case 'v':
        io.stdout(`Version: DTC 1.6.1 (vmshare ${VERSION})\n`);
        return 0;
      case 'cpp':
        run.cpp = true;
        break;
      case 'D': {
        const eq = value.indexOf('=');
        run.defines.push(eq < 0 ? { name: value } : { name: value.slice(0, eq), value: value.slice(eq + 1) });
        run.cpp = true;
        break;
      }
      case 'U':
        run.undefines.push(value);
        run.cpp = true;
        break;
    }
  }
  if (parsed.operands.length > 1) {
    io.stderr(`vmshare dtc: error: more than one input file (${parsed.operands.join(', ')})\n${DTC_USAGE}`);
    return 1;
  }
  const input = parsed.operands[0] ?? '-';
  if (run.minsize && run.padsize) return fatal(io, "Can't set both -p and -S");

  const checks = parseCheckFlags(run.checkFlags);
  if (!checks.config) {
    printDiagnostics(io, checks.diagnostics, 0);
    return 1;
  }

  const inform = run.inform ?? guessInputFormat(io, input);
  let outform = run.outform ?? guessTypeByName(run.outname === '-' ? undefined : run.outname);
  if (!outform) outform = inform === 'dts' ? 'dtb' : 'dts';
  if (inform !== 'dts' && inform !== 'dtb')
    return fatal(
      io,
      inform === 'fs'
        ? `input format "fs" (a /proc/device-tree directory) is not supported`
        : `Unknown input format "${inform}" (supported: dts, dtb)`,
    );
  if (outform !== 'dts' && outform !== 'dtb' && outform !== 'null')
    return fatal(
      io,
      outform === 'asm' || outform === 'yaml'
        ? `output format "${outform}" is not supported (supported: dts, dtb, null)`
        : `Unknown output format "${outform}"`,
    );
  if (outform === 'dtb' && ![1, 2, 3, 16, 17].includes(run.outversion))
    return fatal(io, `Unknown device tree blob version ${run.outversion}`);
  if (run.cpp && inform !== 'dts')
    return fatal(io, 'the preprocessor (--cpp, -D, -U) applies to DTS input only');

  const opts: CompileOptions = {
    inputFormat: inform,
    fileName: input,
    readFile: (p) => io.readFile(p),
    includeDirs: run.includeDirs,
    cpp: run.cpp ? { defines: run.defines, undefines: run.undefines } : undefined,
    checks: checks.config,
    phandleFormat: run.phandleFormat,
    bootCpuid: run.bootCpuid,
    symbols: run.symbols,
    autoAliases: run.autoAliases,
    sort: run.sort,
    force: run.force,
  };
  const result = compile(opts);
  printDiagnostics(io, result.diagnostics, run.quiet);

  if (run.depname && result.stage !== 'input-failed') {
    io.writeFile(run.depname, `${run.outname}: ${result.files.join(' ')}\n`);
  }
  if (result.stage === 'input-failed') return 1;
  if (result.stage === 'check-failed') {
    if (run.quiet < 2)
      io.stderr('vmshare dtc: error: input tree has errors, aborting (use -f to force output)\n');
    return 2;
  }
  if (result.forced && run.quiet < 1)
    io.stderr('vmshare dtc: warning: input tree has errors, output forced\n');

  const tree = result.tree!;
  let out: string | Uint8Array | undefined;
  if (outform === 'dts') {
    try {
      out = printDts(tree);
    } catch (e) {
      // V8 strings stop at about 512 MiB; dtc would stream such a file.
      if (!(e instanceof RangeError)) throw e;
      return fatal(
        io,
        `the -O dts text of this tree is larger than vmshare can hold in memory (${e.message})`,
      );
    }
  } else if (outform === 'dtb') {
    const writeDiags: Diagnostic[] = [];
    out = writeDtb(tree, {
      version: run.outversion,
      reserveExtra: run.reserve,
      padBytes: run.padsize,
      minSize: run.minsize,
      align: run.alignsize,
      diagnostics: writeDiags,
    });
    printDiagnostics(io, writeDiags, run.quiet);
  }
  if (out !== undefined) {
    if (run.outname === '-') io.stdout(out);
    else io.writeFile(run.outname, out);
  }
  return 0;
}

function printDiagnostics(io: CliIo, ds: readonly Diagnostic[], quiet: number): void {
  for (const d of ds) {
    if (d.severity === 'error' ? quiet >= 2 : quiet >= 1) continue;
    io.stderr(renderText(d) + '\n');
  }
}
