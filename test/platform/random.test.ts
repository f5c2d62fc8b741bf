import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { checkPlatformFile } from '../../src/platform/check.js';

/**
 * Random small platforms (2-3 VMs, io-memory nodes on a coarse grid so they
 * collide often, random vl,allow-sharing and attribute words): the checker
 * never throws, and rules 4 and 6 agree with a naive pairwise oracle.
 */
let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'vmshare-random-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

const LOWERS = [0x7fc, 0x77c, 0x7d4, 0x4c4, 0x444];
const arbIo = fc.record({
  slot: fc.integer({ min: 0, max: 7 }),
  pages: fc.integer({ min: 1, max: 3 }),
  share: fc.boolean(),
  lower: fc.constantFrom(...LOWERS),
  moveTo: fc.option(fc.integer({ min: 0, max: 7 }), { nil: undefined }),
});
const arbVm = fc.array(arbIo, { maxLength: 4 });

const SLOT = 0x10000;
const ioBase = (slot: number): number => 0xc0000000 + slot * SLOT; // invalid memory below
const ipaBase = (slot: number): number => 0x200000000 + slot * SLOT;

function write(
  vms: { slot: number; pages: number; share: boolean; lower: number; moveTo?: number }[][],
  n: number,
): string {
  const d = join(dir, String(n));
  rmSync(d, { recursive: true, force: true });
  const fs = (name: string, text: string): void => writeFileSync(join(d, name), text);
  mkdirSync(d, { recursive: true });
  fs(
    'hv.dts',
    `#include <skeleton.dtsi>\n/ { memory@80000000 { device_type = "memory"; reg = <0x0 0x80000000 0x80000000>; }; };\n&invalid_region { reg = <0x0 0xc0000000 0x100000>; };\n`,
  );
  const manifest = ['hypervisor: hv.dts', 'vms:'];
  vms.forEach((ios, i) => {
    const id = i + 1;
    const ram = 0x80000000 + i * 0x1000000;
    const nodes = ios.map((io, k) => {
      const pa = ioBase(io.slot);
      const size = io.pages * 0x1000;
      const ipa = io.moveTo === undefined ? pa : ipaBase(io.moveTo);
      return `\tio${k}: vl,io-memory@${ipa.toString(16)}-${size.toString(16)} { compatible = "vl,io-memory"; reg = <0x0 0x${pa.toString(16)} 0x${size.toString(16)}>;${io.moveTo === undefined ? '' : ` ipa-base = <0x${Math.floor(ipa / 2 ** 32).toString(16)} 0x${(ipa % 2 ** 32).toString(16)}>;`}${io.share ? ' vl,allow-sharing;' : ''} vl,attributes = <0x0 0x${io.lower.toString(16)}>; };`;
    });
    fs(
      `vp${id}.dts`,
      `/dts-v1/;\n/ { compatible = "vl,vlm"; #address-cells = <2>; #size-cells = <1>;\n\tmemory@${ram.toString(16)} { device_type = "memory"; reg = <0x0 0x${ram.toString(16)} 0x1000000>; };\n${nodes.join('\n')}\n};\n`,
    );
    fs(`g${id}.dts`, `/dts-v1/;\n/ { #address-cells = <2>; #size-cells = <1>; };\n`);
    manifest.push(`  - {id: ${id}, name: vm${id}, vplatform: vp${id}.dts, guest: g${id}.dts}`);
  });
  fs('platform.yaml', manifest.join('\n') + '\n');
  return join(d, 'platform.yaml');
}

test('random platforms: no exception, and rules 4 and 6 match a pairwise oracle', () => {
  const include = resolve('include');
  let n = 0;
  fc.assert(
    fc.property(fc.array(arbVm, { minLength: 2, maxLength: 3 }), (vms) => {
      const manifest = write(vms, n++);
      const r = checkPlatformFile(manifest, {
        readFile: (p) => {
          try {
            return new Uint8Array(readFileSync(p));
          } catch {
            return undefined;
          }
        },
        extraIncludeDirs: [include],
      });
      assert.equal(r.unusable, false, r.diagnostics.map((d) => d.message).join('\n'));
      // Oracle, rule 4: a node lacking vl,allow-sharing that overlaps any other node.
      const all = vms.flatMap((ios, v) =>
        ios.map((io, k) => ({ v, k, io, start: ioBase(io.slot), end: ioBase(io.slot) + io.pages * 0x1000 })),
      );
      const want4 = all.filter(
        (a) => !a.io.share && all.some((b) => b !== a && a.start < b.end && b.start < a.end),
      ).length;
      assert.equal(r.diagnostics.filter((d) => d.code === 'platform/io-sharing-not-allowed').length, want4);
      // Oracle, rule 6: within a VM, io IPA ranges overlapping each other (RAM sits elsewhere).
      let want6 = 0;
      vms.forEach((ios) => {
        const rs = ios.map((io) => {
          const s = io.moveTo === undefined ? ioBase(io.slot) : ipaBase(io.moveTo);
          return { s, e: s + io.pages * 0x1000 };
        });
        if (rs.some((a, i) => rs.some((b, j) => j < i && a.s < b.e && b.s < a.e))) want6++;
      });
      const got6 = r.diagnostics.filter((d) => d.code === 'platform/ipa-overlap').length;
      assert.equal(got6 > 0, want6 > 0);
    }),
    { numRuns: 40 },
  );
});
