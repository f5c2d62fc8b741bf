import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { CliIo } from './io.js';
import { getopt } from './getopt.js';
import { platformLoadOptions, sourceLookup } from './platform-io.js';
import { renderText } from '../diag/render-text.js';
import { checkPlatformFile } from '../platform/check.js';
import { buildPlatform, type BuiltFile } from '../platform/build.js';

export const BUILD_USAGE = `Usage: vmshare build <manifest.yaml> -o <dir>

Writes the hypervisor DTB, every VM's vplatform DTB and guest DTB into <dir>,
each guest's /reserved-memory/vm-memory@<id> reg filled with the exporter's
RAM as the hypervisor does at VM start. Writes nothing when the check finds
errors (exit 1) or the input is unusable (exit 2).
`;

export function runBuild(argv: readonly string[], io: CliIo): number {
  const g = getopt(argv, [
    { key: 'o', long: 'out', hasArg: true },
    { key: 'h', long: 'help', hasArg: false },
  ]);
  if (!g.ok) {
    io.stderr(`vmshare build: ${g.message}\n${BUILD_USAGE}`);
    return 2;
  }
  let outDir: string | undefined;
  for (const o of g.opts) {
    if (o.key === 'h') {
      io.stdout(BUILD_USAGE);
      return 0;
    }
    if (o.key === 'o') outDir = o.value!;
  }
  if (g.operands.length !== 1 || !outDir) {
    io.stderr(`vmshare build: expected one manifest file and -o <dir>\n${BUILD_USAGE}`);
    return 2;
  }
  const r = checkPlatformFile(g.operands[0], platformLoadOptions(io));
  const sources = sourceLookup(io);
  if (!r.platform || !r.loaded || r.summary.errors > 0) {
    for (const d of r.diagnostics) if (d.severity === 'error') io.stderr(renderText(d, sources) + '\n');
    io.stderr(
      `vmshare build: ${r.platform ? `${r.summary.errors} error(s)` : 'unusable input'}; nothing written\n`,
    );
    return r.platform ? 1 : 2;
  }
  const files = buildPlatform(r.loaded, r.platform);
  try {
    writeAll(io, outDir, files);
  } catch (e) {
    // The file system refused (a file where the folder should be, no permission): the user's problem, not a bug.
    io.stderr(`vmshare build: cannot write to '${outDir}': ${(e as Error).message}\n`);
    return 2;
  }
  for (const f of files) io.stdout(`${join(outDir, f.name)}: ${f.bytes.length} bytes, ${f.what}\n`);
  return 0;
}

/** Creates the folder, then writes each file whole (CliIo writes through a temporary name). */
export function writeAll(io: CliIo, dir: string, files: readonly BuiltFile[]): void {
  if (!io.isDirectory(dir)) mkdirSync(resolve(io.cwd, dir), { recursive: true });
  for (const f of files) io.writeFile(join(dir, f.name), f.bytes);
}
