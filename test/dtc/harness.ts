// Shared machinery of the differential tests: run the real dtc 1.6.1 (as a process) and our
// `runDtc` (in-process, through a capturing CliIo) on the same input and flags, and register one
// group of subtests per input so every disagreement is reported against its file.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { strict as assert } from 'node:assert';
import { runDtc } from '../../src/cli/dtc.js';
import { captureIo } from '../../src/cli/io.js';

/** The reference dtc 1.6.1; $VMSHARE_DTC overrides it (a missing path simulates a machine without dtc). */
export const DTC_PATH = process.env.VMSHARE_DTC ?? '/usr/bin/dtc';
export const haveDtc = existsSync(DTC_PATH);

/** What one compiler run produced. `status` 124+ means dtc hung or crashed. */
export interface RunResult {
  readonly status: number;
  readonly out: Uint8Array | undefined;
  readonly stderr: string;
}

/** dtc's reference results for one input: live, or read back from a recorded corpus. */
export interface Expected {
  readonly dtb: RunResult;
  /** Same input with `-O dts`; undefined when no reference exists. */
  readonly dts: RunResult | undefined;
  /** False when only the exit status is known (no dtc binary, no recorded stderr). */
  readonly stderrKnown: boolean;
}

export interface Case {
  /** Subtest group name, e.g. the file's path inside its corpus. */
  readonly id: string;
  /** Directory dtc is run from (inputs, /include/ and -i paths are relative to it). */
  readonly cwd: string;
  readonly input: string;
  readonly flags: readonly string[];
  /** Computed at most once, on first use. */
  readonly expected: () => Expected;
}

let scratch: string | undefined;
function scratchDir(): string {
  if (scratch === undefined) {
    scratch = mkdtempSync(join(tmpdir(), 'vmshare-dtc-diff-'));
    const dir = scratch;
    // Not node:test's after(): called inside a subtest it would fire when that subtest ends.
    process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  return scratch;
}
let scratchSeq = 0;

/**
 * Runs the real dtc: `dtc ARGS -o <tmp file>` (or with `input` piped as stdin when `stdin` is
 * given). The output is read back from the file so stdout never mixes with it.
 */
export function runRealDtc(args: readonly string[], cwd: string, stdin?: Uint8Array): RunResult {
  const outFile = join(scratchDir(), `o${scratchSeq++}`);
  const r = spawnSync(DTC_PATH, [...args, '-o', outFile], {
    cwd,
    input: stdin,
    timeout: 10_000,
    maxBuffer: 64 << 20,
  });
  // A signal (crash) or the timeout shows as a null status; map to the shell's conventions.
  const status = r.status ?? (r.signal === 'SIGTERM' ? 124 : r.signal === 'SIGABRT' ? 134 : 139);
  let out: Uint8Array | undefined;
  if (status === 0 && existsSync(outFile)) out = new Uint8Array(readFileSync(outFile));
  rmSync(outFile, { force: true });
  return { status, out, stderr: r.error ? String(r.error) : (r.stderr ?? Buffer.alloc(0)).toString('utf8') };
}

/** Output name handed to our compiler; captureIo keeps it in memory. */
const OUR_OUT = '/vmshare-differential-out/out';

/** Runs our `vmshare dtc` in-process. A thrown exception becomes status 70 with the stack in stderr. */
export function runOurs(args: readonly string[], cwd: string, stdin?: Uint8Array): RunResult {
  const io = captureIo(cwd, stdin);
  let status: number;
  try {
    status = runDtc([...args, '-o', OUR_OUT], io);
  } catch (e) {
    return {
      status: 70,
      out: undefined,
      stderr: `${io.stderrText()}\nrunDtc threw: ${(e as Error).stack ?? String(e)}`,
    };
  }
  return { status, out: status === 0 ? io.written.get(OUR_OUT) : undefined, stderr: io.stderrText() };
}

/** Flags that shape the blob's layout but not its tree; kept when a -O dts text is recompiled. */
export function layoutFlags(flags: readonly string[]): string[] {
  const keep: string[] = [];
  for (let i = 0; i < flags.length; i++) {
    const f = flags[i];
    if (['-V', '-R', '-p', '-S', '-a', '-b'].includes(f) && i + 1 < flags.length) {
      keep.push(f, flags[i + 1]);
      i++;
    }
  }
  return keep;
}

export function statusClass(s: number): string {
  return s === 0
    ? '0 (ok)'
    : s === 1
      ? '1 (parse/fatal error)'
      : s === 2
        ? '2 (check error)'
        : `${s} (abnormal)`;
}

const dec = new TextDecoder();
function text(b: Uint8Array | undefined): string {
  return b === undefined ? '<no output>' : dec.decode(b);
}

const HEADER_FIELDS = [
  'magic',
  'totalsize',
  'off_dt_struct',
  'off_dt_strings',
  'off_mem_rsvmap',
  'version',
  'last_comp_version',
  'boot_cpuid_phys',
  'size_dt_strings',
  'size_dt_struct',
];

/** A short account of where two blobs differ: header fields, then the first differing byte. */
export function describeBlobDiff(ours: Uint8Array, theirs: Uint8Array): string {
  const lines = [`sizes: ours ${ours.length}, dtc ${theirs.length}`];
  const dv = (b: Uint8Array, o: number) =>
    o + 4 <= b.length ? new DataView(b.buffer, b.byteOffset).getUint32(o) : NaN;
  for (let i = 0; i < HEADER_FIELDS.length; i++) {
    const a = dv(ours, i * 4);
    const b = dv(theirs, i * 4);
    if (a !== b) lines.push(`header ${HEADER_FIELDS[i]}: ours 0x${a.toString(16)}, dtc 0x${b.toString(16)}`);
  }
  const n = Math.min(ours.length, theirs.length);
  let i = 0;
  while (i < n && ours[i] === theirs[i]) i++;
  if (i < n || ours.length !== theirs.length) {
    const hex = (b: Uint8Array) => Buffer.from(b.subarray(i, i + 16)).toString('hex');
    lines.push(`first difference at byte ${i}: ours ${hex(ours)}, dtc ${hex(theirs)}`);
  }
  return lines.join('\n');
}

/** The first line where two texts differ, with a little context. */
export function describeTextDiff(ours: string, theirs: string): string {
  const a = ours.split('\n');
  const b = theirs.split('\n');
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  const show = (l: string[]) =>
    l.slice(Math.max(0, i - 2), i + 3).map((s, k) => `  ${Math.max(0, i - 2) + k + 1}| ${s}`);
  return [`first difference at line ${i + 1}`, 'ours:', ...show(a), 'dtc:', ...show(b)].join('\n');
}

/** A positioned diagnostic, normalised so dtc's and our renderings compare. */
interface Located {
  readonly pos: string; // file:line:col
  readonly severity: 'error' | 'warning';
  readonly check: string | undefined; // check name for check diagnostics
  readonly message: string;
}

// dtc: `Error: f:3.10-11 syntax error`, `Lexical error: f:3.10-12 Bad ...`,
//      `f:4.9-20: ERROR (name_is_string): /node:name: property is not a string`
const DTC_LINE = /^(Lexical error: |Error: )?([^\s:][^:]*):(\d+)\.(\d+)(?:-\d+(?:\.\d+)?)?:? (.*)$/;
const DTC_CHECK = /^(Warning|ERROR) \(([a-z0-9_]+)\): (.*)$/;
// ours: `f:4:9: error[dtc/name_is_string]: /node:name: property is not a string`
const OUR_LINE = /^([^\s:][^:]*):(\d+):(\d+): (error|warning|info)\[([^\]]*)\]: (.*)$/;

export function dtcLocated(stderr: string): Located[] {
  const out: Located[] = [];
  for (const line of stderr.split('\n')) {
    const m = DTC_LINE.exec(line);
    if (!m) continue;
    const pos = `${m[2]}:${m[3]}:${m[4]}`;
    const c = m[1] === undefined ? DTC_CHECK.exec(m[5]) : null;
    if (c) out.push({ pos, severity: c[1] === 'ERROR' ? 'error' : 'warning', check: c[2], message: c[3] });
    else if (m[1] !== undefined) out.push({ pos, severity: 'error', check: undefined, message: m[5] });
  }
  return out;
}

export function oursLocated(stderr: string): Located[] {
  const out: Located[] = [];
  for (const line of stderr.split('\n')) {
    const m = OUR_LINE.exec(line);
    if (!m || m[4] === 'info') continue;
    const check = m[5].startsWith('dtc/') ? m[5].slice(4) : undefined;
    out.push({ pos: `${m[1]}:${m[2]}:${m[3]}`, severity: m[4] as 'error' | 'warning', check, message: m[6] });
  }
  return out;
}

/**
 * Documented deviation (docs/dtc-compat.md): for a duplicate of a node that
 * was deleted in the same block dtc 1.6.1 prints the path as "(null)" (the
 * node never got a full path); we print the node's path.
 */
function namelessAsDtc(key: string): string {
  return key.replace(/\) \/\S*: Duplicate node name$/, ') (null): Duplicate node name');
}

function checkKey(d: Located): string {
  return `${d.pos} ${d.severity} (${d.check}) ${d.message}`;
}

/** dtc refused its arguments (no position anywhere, a FATAL ERROR that is not about a file). */
export function isCommandLineError(dtcStderr: string): boolean {
  return (
    /^FATAL ERROR: /m.test(dtcStderr) &&
    !/Couldn't open/.test(dtcStderr) &&
    dtcLocated(dtcStderr).length === 0
  );
}

/** How many `q`s the -q flags add up to (-q, -qq, -qqq, repeated). */
export function quietLevel(flags: readonly string[]): number {
  let n = 0;
  for (const f of flags) if (/^-q+$/.test(f)) n += f.length - 1;
  return n;
}

/** Our results for one case, computed once. */
interface Ours {
  readonly dtb: RunResult;
  readonly dts: RunResult;
}

/**
 * Registers the subtests of one case:
 *  - exit status class equals dtc's;
 *  - failures: our stderr carries a located `file:line:col: error[...]`, at dtc's first error position;
 *  - positioned check diagnostics (warnings and errors) equal dtc's, as (position, check, message);
 *  - success: `-O dtb` byte-identical; `-O dts` text identical; our `-O dts` recompiled by dtc gives
 *    the bytes dtc's own `-O dts` recompiles to; `dtb -> dts -> dtb` through us equals the same
 *    chain through dtc.
 * `liveChecks` false (no dtc binary) leaves only the checks the recorded references allow.
 */
export function registerCase(c: Case): void {
  let ours: Ours | undefined;
  const getOurs = (): Ours =>
    (ours ??= {
      dtb: runOurs([...c.flags, '-I', 'dts', '-O', 'dtb', c.input], c.cwd),
      dts: runOurs([...c.flags, '-I', 'dts', '-O', 'dts', c.input], c.cwd),
    });
  let exp: Expected | undefined;
  const getExp = (): Expected => (exp ??= c.expected());
  const ctx = (r: RunResult) => `\n--- our stderr ---\n${r.stderr.slice(0, 4000)}`;

  describe(c.id, () => {
    test('exit status class matches dtc', () => {
      const e = getExp().dtb;
      const o = getOurs().dtb;
      assert.equal(
        statusClass(o.status),
        statusClass(e.status),
        `${c.id} [${c.flags.join(' ')}]: dtc exits ${e.status}, we exit ${o.status}` +
          `\n--- dtc stderr ---\n${e.stderr.slice(0, 2000)}${ctx(o)}`,
      );
    });

    test('errors are located like dtc', (t) => {
      const e = getExp().dtb;
      if (e.status === 0) return t.skip('dtc accepts this input');
      if (quietLevel(c.flags) >= 2) return t.skip('-qq silences errors');
      const o = getOurs().dtb;
      if (isCommandLineError(e.stderr)) {
        // A bad flag: dtc names no source position, and neither can we; the error must be said.
        assert.match(o.stderr, /error/i, `${c.id}: dtc rejects the command line, we print no error${ctx(o)}`);
        return;
      }
      const ourErrors = oursLocated(o.stderr).filter((d) => d.severity === 'error');
      assert.ok(ourErrors.length > 0, `${c.id}: no located "file:line:col: error[...]" message${ctx(o)}`);
      const first = dtcLocated(e.stderr).find((d) => d.severity === 'error');
      if (first) {
        assert.ok(
          ourErrors.some((d) => d.pos === first.pos),
          `${c.id}: dtc's first error is at ${first.pos} (${first.message}); ours are at ` +
            `${ourErrors.map((d) => d.pos).join(', ')}${ctx(o)}`,
        );
      }
    });

    test('check diagnostics match dtc', (t) => {
      if (!getExp().stderrKnown) return t.skip('dtc stderr unknown');
      const e = getExp().dtb;
      if (e.status === 1) return t.skip('dtc stopped before the checks');
      const theirs = dtcLocated(e.stderr)
        .filter((d) => d.check !== undefined)
        .map(checkKey)
        .sort();
      const mine = oursLocated(getOurs().dtb.stderr)
        .filter((d) => d.check !== undefined)
        .map(checkKey)
        .map((k) => (theirs.some((x) => x.includes(') (null): ')) ? namelessAsDtc(k) : k))
        .sort();
      assert.deepEqual(mine, theirs, `${c.id}: positioned check diagnostics differ from dtc's`);
    });

    test('-O dtb is byte-identical to dtc', (t) => {
      const e = getExp().dtb;
      if (e.status !== 0) return t.skip(`dtc exits ${e.status}`);
      if (e.out === undefined) return t.skip('no dtc DTB (dtc not installed, no reference)');
      const o = getOurs().dtb;
      assert.ok(o.out !== undefined, `${c.id}: we produced no DTB (exit ${o.status})${ctx(o)}`);
      if (!Buffer.from(o.out).equals(Buffer.from(e.out))) {
        assert.fail(`${c.id}: DTB differs from dtc's\n${describeBlobDiff(o.out, e.out)}`);
      }
    });

    test('-O dts text is identical to dtc', (t) => {
      const e = getExp().dts;
      if (e === undefined || e.status !== 0 || e.out === undefined) return t.skip('no dtc -O dts output');
      const o = getOurs().dts;
      assert.ok(o.out !== undefined, `${c.id}: we produced no DTS (exit ${o.status})${ctx(o)}`);
      const a = text(o.out);
      const b = text(e.out);
      if (a !== b) assert.fail(`${c.id}: -O dts text differs\n${describeTextDiff(a, b)}`);
    });

    test('our -O dts recompiles (with dtc) to the same DTB as dtc -O dts', (t) => {
      if (!haveDtc) return t.skip(`${DTC_PATH} not installed`);
      const e = getExp().dts;
      if (e === undefined || e.status !== 0 || e.out === undefined) return t.skip('no dtc -O dts output');
      const o = getOurs().dts;
      assert.ok(o.out !== undefined, `${c.id}: we produced no DTS (exit ${o.status})${ctx(o)}`);
      if (Buffer.from(o.out).equals(Buffer.from(e.out))) return; // same text, same recompilation
      const args = [...layoutFlags(c.flags), '-f', '-qqq', '-I', 'dts', '-O', 'dtb', '-'];
      const want = runRealDtc(args, c.cwd, e.out);
      const got = runRealDtc(args, c.cwd, o.out);
      assert.equal(
        got.status,
        want.status,
        `${c.id}: dtc exits ${got.status} on our -O dts, ${want.status} on its own\n${got.stderr}`,
      );
      if (want.out && got.out && !Buffer.from(got.out).equals(Buffer.from(want.out))) {
        assert.fail(`${c.id}: recompiled -O dts differs\n${describeBlobDiff(got.out, want.out)}`);
      }
    });

    test('dtb -> dts -> dtb matches dtc', (t) => {
      if (!haveDtc) return t.skip(`${DTC_PATH} not installed`);
      const e = getExp().dtb;
      if (e.status !== 0 || e.out === undefined) return t.skip(`dtc exits ${e.status}`);
      const theirDts = runRealDtc(['-I', 'dtb', '-O', 'dts', '-'], c.cwd, e.out);
      const ourDts = runOurs(['-I', 'dtb', '-O', 'dts', '-'], c.cwd, e.out);
      assert.equal(
        statusClass(ourDts.status),
        statusClass(theirDts.status),
        `${c.id}: -I dtb -O dts: dtc exits ${theirDts.status}, we exit ${ourDts.status}${ctx(ourDts)}`,
      );
      if (theirDts.out === undefined || ourDts.out === undefined) return;
      const a = text(ourDts.out);
      const b = text(theirDts.out);
      if (a !== b) assert.fail(`${c.id}: -I dtb -O dts text differs\n${describeTextDiff(a, b)}`);
      const theirBack = runRealDtc(['-I', 'dts', '-O', 'dtb', '-'], c.cwd, theirDts.out);
      const ourBack = runOurs(['-I', 'dts', '-O', 'dtb', '-'], c.cwd, ourDts.out);
      assert.equal(
        statusClass(ourBack.status),
        statusClass(theirBack.status),
        `${c.id}: recompiling the decompiled DTS: dtc exits ${theirBack.status}, we exit ${ourBack.status}${ctx(ourBack)}`,
      );
      if (theirBack.out && ourBack.out && !Buffer.from(ourBack.out).equals(Buffer.from(theirBack.out))) {
        assert.fail(`${c.id}: dtb -> dts -> dtb differs\n${describeBlobDiff(ourBack.out, theirBack.out)}`);
      }
    });
  });
}

/** `// dtc-flags: -@ -H both` on the first line; empty when absent. */
export function flagsOf(source: string): string[] {
  const first = source.split('\n', 1)[0];
  const m = /^\/\/ dtc-flags:(.*)$/.exec(first);
  return m ? m[1].split(/\s+/).filter((s) => s.length > 0) : [];
}

export function readTsv(path: string): string[][] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.length > 0 && !l.startsWith('#'))
    .map((l) => l.split('\t'));
}
