// Differential test of `vmshare dtc` against dtc 1.6.1 on our own corpus (test/corpus/dts).
// Every *.dts there declares its flags on line 1 (`// dtc-flags: ...`); each is run by the real
// dtc (when installed) and by our runDtc in-process, and the subtests of harness.ts compare them.
// Without /usr/bin/dtc only the exit status is checked, against test/corpus/dts/EXPECTED.tsv
// (recorded by test/corpus/check-corpus.sh with dtc 1.6.1).
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { registerCase, runRealDtc, haveDtc, flagsOf, readTsv, type Expected } from './harness.js';

const corpus = join(dirname(fileURLToPath(import.meta.url)), '..', 'corpus', 'dts');
const recorded = new Map<string, { status: number; errorKind: string }>();
for (const row of readTsv(join(corpus, 'EXPECTED.tsv')).slice(1)) {
  recorded.set(row[0], { status: Number(row[2]), errorKind: row[5] });
}

const files = readdirSync(corpus)
  .filter((f) => f.endsWith('.dts'))
  .sort();

for (const file of files) {
  const flags = flagsOf(readFileSync(join(corpus, file), 'latin1'));
  const expected = (): Expected => {
    if (!haveDtc) {
      const rec = recorded.get(file);
      if (rec === undefined)
        throw new Error(`${file} is missing from EXPECTED.tsv (run test/corpus/check-corpus.sh)`);
      // Only the kind of dtc's message is recorded; a command-line error is marked so the
      // "errors are located" subtest knows there is no position to expect.
      const stderr = rec.errorKind === 'cli' ? 'FATAL ERROR: (recorded) command-line error\n' : '';
      return { dtb: { status: rec.status, out: undefined, stderr }, dts: undefined, stderrKnown: false };
    }
    return {
      dtb: runRealDtc([...flags, '-I', 'dts', '-O', 'dtb', file], corpus),
      dts: runRealDtc([...flags, '-I', 'dts', '-O', 'dts', file], corpus),
      stderrKnown: true,
    };
  };
  registerCase({ id: file, cwd: corpus, input: file, flags, expected });
}
