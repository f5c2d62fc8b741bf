import type { CliIo } from './io.js';
import { getopt } from './getopt.js';
import { platformLoadOptions, sourceLookup } from './platform-io.js';
import { renderText } from '../diag/render-text.js';
import { checkPlatformFile } from '../platform/check.js';
import { buildMap, mapToJson } from '../platform/map.js';
import { renderMapText } from '../platform/render-map-text.js';
import { renderMapSvg } from '../platform/render-map-svg.js';

export const MAP_USAGE = `Usage: vmshare map <manifest.yaml> [--format text|json|svg] [-o file]

Prints the physical address map (RAM, invalid regions, reserved memory, each
shared region with its sharers, their rights and attributes, the vm-memory
windows) and every VM's IPA map. The map is drawn even when the check finds
errors (it helps to see them); only unusable input stops it (exit 2).
`;

export function runMap(argv: readonly string[], io: CliIo): number {
  const g = getopt(argv, [
    { key: 'format', long: 'format', hasArg: true },
    { key: 'o', long: 'out', hasArg: true },
    { key: 'h', long: 'help', hasArg: false },
  ]);
  if (!g.ok) {
    io.stderr(`vmshare map: ${g.message}\n${MAP_USAGE}`);
    return 2;
  }
  let format = 'text';
  let outFile: string | undefined;
  for (const o of g.opts) {
    if (o.key === 'h') {
      io.stdout(MAP_USAGE);
      return 0;
    }
    if (o.key === 'format') format = o.value!;
    if (o.key === 'o') outFile = o.value!;
  }
  if (!['text', 'json', 'svg'].includes(format)) {
    io.stderr(`vmshare map: unknown format '${format}' (text, json or svg)\n`);
    return 2;
  }
  if (g.operands.length !== 1) {
    io.stderr(`vmshare map: expected one manifest file\n${MAP_USAGE}`);
    return 2;
  }
  const r = checkPlatformFile(g.operands[0], platformLoadOptions(io));
  if (!r.platform) {
    const sources = sourceLookup(io);
    for (const d of r.diagnostics) io.stderr(renderText(d, sources) + '\n');
    return 2;
  }
  const text = renderMap(r.platform, format as 'text' | 'json' | 'svg');
  if (outFile) io.writeFile(outFile, text);
  else io.stdout(text);
  if (r.summary.errors > 0)
    io.stderr(
      `vmshare map: note: the platform has ${r.summary.errors} error(s); run 'vmshare check ${g.operands[0]}'\n`,
    );
  return 0;
}

export function renderMap(p: Parameters<typeof buildMap>[0], format: 'text' | 'json' | 'svg'): string {
  const m = buildMap(p);
  if (format === 'json') return JSON.stringify(mapToJson(m), null, 2) + '\n';
  if (format === 'svg') return renderMapSvg(m);
  return renderMapText(m);
}
