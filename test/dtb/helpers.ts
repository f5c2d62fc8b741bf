import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

/** The shared dtc 1.6.1 corpus; tests skip when it is absent. */
export const CORPUS = '/work/shared/corpus/dts';
export const DTC = '/usr/bin/dtc';
export const hasCorpus = existsSync(join(CORPUS, 'MANIFEST.tsv'));
export const hasDtc = existsSync(DTC);

export function skipUnless(...conds: [boolean, string][]): { skip: string } | Record<string, never> {
  for (const [ok, why] of conds) if (!ok) return { skip: why };
  return {};
}

/** Every reference .dtb of the corpus (dtc-written and QEMU-dumped). */
export function corpusBlobs(): string[] {
  if (!hasCorpus) return [];
  const out: string[] = [];
  for (const dir of ['dtc-tests', 'linux', 'zephyr', 'qemu']) {
    const d = join(CORPUS, dir);
    if (!existsSync(d)) continue;
    for (const f of readdirSync(d).sort()) if (f.endsWith('.dtb')) out.push(join(d, f));
  }
  return out;
}

export function readBytes(path: string): Uint8Array {
  return new Uint8Array(readFileSync(path));
}

/**
 * Runs the reference dtc; `-f -qqq` so that check failures on odd corpus
 * blobs do not suppress the output we compare against.
 */
export function runDtc(
  args: string[],
  input?: Uint8Array,
): { status: number; stdout: Buffer; stderr: string } {
  const r = spawnSync(DTC, args, { input, maxBuffer: 1 << 28 });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr.toString('latin1') };
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return (
    Buffer.compare(
      Buffer.from(a.buffer, a.byteOffset, a.length),
      Buffer.from(b.buffer, b.byteOffset, b.length),
    ) === 0
  );
}

/** First differing byte offset, for assertion messages. */
export function firstDiff(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}
