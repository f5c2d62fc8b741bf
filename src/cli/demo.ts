import { join } from 'node:path';
import type { CliIo } from './io.js';
import { checkPlatformFile } from '../platform/check.js';
import { buildPlatform } from '../platform/build.js';
import { checkExitCode, renderCheck } from './check.js';
import { renderMap } from './map.js';
import { writeAll } from './build.js';
import { displayPath, platformLoadOptions, repoRoot } from './platform-io.js';
import { bootPlatform } from '../boot/boot.js';
import { tellVshmStory } from '../guest/story.js';
import { renderText } from '../diag/render-text.js';

/**
 * The main job on the bundled example platform (examples/seed, the technical
 * note's configuration): `vmshare check`, `vmshare map` and `vmshare build`
 * in turn, printed one after the other.
 */
export async function runDemo(_argv: readonly string[], io: CliIo): Promise<number> {
  const root = repoRoot();
  const manifest = displayPath(io, join(root, 'examples', 'seed', 'platform.yaml'));
  const outDir = displayPath(io, join(root, 'out', 'seed'));
  const rule = (title: string): void =>
    io.stdout(`\n== ${title} ${'='.repeat(Math.max(3, 72 - title.length))}\n\n`);

  io.stdout(`vmshare demo: the technical note's platform (${manifest})\n`);
  io.stdout('VM2 and VM3 share two 64 MiB invalid regions; VM3 sees the first at IPA 0x800000000;\n');
  io.stdout('VM2 imports VM3\'s granted pages over the critical vlink "vshm".\n');

  rule(`vmshare check ${manifest}`);
  const t0 = performance.now();
  const result = checkPlatformFile(manifest, platformLoadOptions(io));
  io.stdout(renderCheck(result, manifest, 'text', io));
  io.stdout(
    `(checked in ${(performance.now() - t0).toFixed(0)} ms; the infos are the note's slip: its example pairs\n`,
  );
  io.stdout(
    ' VDT_S2PTE_UPPER_MEM with VDT_S2PTE_LOWER_DEV_MEM, device memory, while its text promises cached access)\n',
  );
  if (!result.platform || !result.loaded) return checkExitCode(result);

  rule(`vmshare map ${manifest}`);
  io.stdout(renderMap(result.platform, 'text'));

  rule(`vmshare build ${manifest} -o ${outDir}`);
  if (result.summary.errors > 0) {
    io.stdout('check found errors: nothing written\n');
    return 1;
  }
  const files = buildPlatform(result.loaded, result.platform);
  writeAll(io, outDir, files);
  for (const f of files) io.stdout(`${join(outDir, f.name)}: ${f.bytes.length} bytes, ${f.what}\n`);

  rule('boot: the vshm pair on the hypervisor model (virtual clock, one thread)');
  // Through boot/, like `vmshare ptdump`: the one place that decides whether a platform boots.
  const booted = bootPlatform(result.platform, { checkErrors: result.summary.errors, autoStart: false });
  if (!booted.ok) {
    for (const d of booted.diagnostics) io.stdout(renderText(d) + '\n');
    return 1;
  }
  const story = tellVshmStory(booted.hv);
  io.stdout(story.lines.join('\n') + '\n');
  if (!story.ok) return 1;
  io.stdout(
    `\nAlso try: vmshare map ${manifest} --format svg -o map.svg; vmshare check examples/broken/<case>/platform.yaml\n`,
  );
  return 0;
}
