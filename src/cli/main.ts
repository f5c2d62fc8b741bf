import { nodeIo, type CliIo } from './io.js';
import { VERSION } from './version.js';
import { InvariantError } from '../util/assert.js';

const USAGE = `vmshare ${VERSION} — device trees and memory sharing between VMs

Usage: vmshare <command> [options]

Commands:
  dtc [options] <input>   Compile device trees like dtc 1.6.1 (DTS/DTB in, DTB/DTS out); see 'vmshare dtc -h'
  check <manifest>        Check a platform (hypervisor, vplatform and guest DTs) against the sharing rules
  map <manifest>          Physical and per-VM IPA memory maps (--format text|json|svg)
  build <manifest> -o DIR Write the platform's DTBs (guest vm-memory reg filled), only when check passes
  ptdump <manifest>       Boot the platform in the hypervisor model; print each VM's stage-2 tables
  demo                    The main job on the bundled example platform (examples/seed)
  help                    This text
  version                 Print the version
`;

/** Entry point: returns the exit code; never lets an exception reach the user as a stack trace. */
export async function main(argv: readonly string[], io: CliIo = nodeIo()): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    switch (cmd) {
      // Commands are loaded on demand: start-up time counts when vmshare stands in for dtc.
      case 'dtc':
        return (await import('./dtc.js')).runDtc(rest, io);
      case 'check':
        return (await import('./check.js')).runCheck(rest, io);
      case 'map':
        return (await import('./map.js')).runMap(rest, io);
      case 'build':
        return (await import('./build.js')).runBuild(rest, io);
      case 'ptdump':
        return (await import('./ptdump.js')).runPtdump(rest, io);
      case 'demo':
        return await (await import('./demo.js')).runDemo(rest, io);
      case 'version':
      case '--version':
      case '-v':
        io.stdout(`vmshare ${VERSION}\n`);
        return 0;
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.stdout(USAGE);
        return 0;
      default:
        io.stderr(`vmshare: unknown command '${cmd}'\n${USAGE}`);
        return 2;
    }
  } catch (e) {
    // Only our own broken invariants get here: say so plainly, with the stack for the bug report.
    const what = e instanceof InvariantError ? 'internal error' : 'unexpected internal error';
    io.stderr(`vmshare: ${what} (a bug in vmshare, please report it): ${(e as Error).message}\n`);
    if (process.env.VMSHARE_DEBUG) io.stderr(`${(e as Error).stack}\n`);
    return 70;
  }
}
