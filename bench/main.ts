// Entry point of `npm run bench` (runs the compiled dist/bench/main.js):
//   npm run bench                      every suite in bench/suites.ts
//   npm run bench -- dtc               only the named suites
//   npm run bench -- --quick           smaller inputs, fewer runs
// Unknown suite names are an error; flags (--...) are handed to every suite.
import { suites } from './suites.js';

async function main(argv: readonly string[]): Promise<number> {
  const flags = argv.filter((a) => a.startsWith('--'));
  const names = argv.filter((a) => !a.startsWith('--'));
  const unknown = names.filter((n) => !suites.some((s) => s.name === n));
  if (unknown.length > 0) {
    process.stderr.write(
      `unknown suite(s): ${unknown.join(', ')} (available: ${suites.map((s) => s.name).join(', ')})\n`,
    );
    return 2;
  }
  const chosen = names.length === 0 ? suites : suites.filter((s) => names.includes(s.name));
  const quick = flags.includes('--quick');
  for (const s of chosen) {
    process.stdout.write(`\n=== suite ${s.name}${quick ? ' (quick)' : ''} ===\n`);
    const t0 = process.hrtime.bigint();
    await s.run({ quick, flags });
    process.stdout.write(
      `=== suite ${s.name} done in ${(Number(process.hrtime.bigint() - t0) / 1e9).toFixed(1)} s ===\n`,
    );
  }
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
