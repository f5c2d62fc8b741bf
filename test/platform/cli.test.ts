import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, readFileSync, existsSync, mkdirSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { captureIo } from '../../src/cli/io.js';
import { readDtb } from '../../src/dtb/read.js';
import { getNodeByPath } from '../../src/dt/lookup.js';
import { ROOT } from './helpers.js';

let tmp = '';
before(() => {
  tmp = mkdtempSync(join(tmpdir(), 'vmshare-platform-'));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

async function run(...argv: string[]) {
  const io = captureIo(ROOT);
  const code = await main(argv, io);
  return { code, out: new TextDecoder().decode(io.stdoutBytes()), err: io.stderrText(), io };
}

const SEED = 'examples/seed/platform.yaml';

test('check exits 0 on the seed (infos only), 1 with errors, 2 on unusable input', async () => {
  assert.equal((await run('check', SEED)).code, 0);
  const bad = await run('check', 'examples/broken/io-sharing-not-allowed/platform.yaml');
  assert.equal(bad.code, 1);
  assert.match(
    bad.out,
    /error\[platform\/io-sharing-not-allowed\]: vm2 \/vl,io-memory@b0000000-1000000: io-memory PA 0xb0000000\.\.0xb0ffffff \(16 MiB\) overlaps vm1/,
  );
  assert.match(bad.out, /note: examples\/broken\/common\/vplatform-vm1\.dtsi:15:41: also mapped by vm1/);
  assert.equal((await run('check', 'no/such/platform.yaml')).code, 2);
  assert.equal((await run('check')).code, 2);
});

test('-E raises a code to an error, -W lowers one, -W no-<code> silences it', async () => {
  assert.equal((await run('check', '-E', 'platform/device-attributes-on-ram', SEED)).code, 1);
  const quiet = await run('check', '-W', 'no-platform/device-attributes-on-ram', '--format', 'json', SEED);
  assert.equal(JSON.parse(quiet.out).diagnostics.length, 0);
  const lowered = await run(
    'check',
    '-W',
    'platform/io-sharing-not-allowed',
    'examples/broken/io-sharing-not-allowed/platform.yaml',
  );
  assert.equal(lowered.code, 0);
  assert.match(lowered.out, /warning\[platform\/io-sharing-not-allowed\]/);
  const unknown = await run('check', '-W', 'platform/no-such-rule', SEED);
  assert.equal(unknown.code, 2);
  assert.match(unknown.err, /unknown rule code 'platform\/no-such-rule'/);
});

test("dtc check codes go to dtc's flag logic", async () => {
  // The binding's own vm-memory@3 has no reg: dtc's unit_address_vs_reg is not repeated for it (rule 7 replaces it).
  const r = await run('check', '--format', 'json', SEED);
  assert.ok(
    !JSON.parse(r.out).diagnostics.some((d: { code: string }) => d.code === 'dtc/unit_address_vs_reg'),
  );
  assert.equal((await run('check', '-W', 'dtc/no_such_check', SEED)).code, 2);
});

test('SARIF output names the rules and locates the results', async () => {
  const r = await run('check', '--format', 'sarif', SEED);
  const s = JSON.parse(r.out);
  assert.equal(s.version, '2.1.0');
  const run0 = s.runs[0];
  assert.ok(run0.tool.driver.rules.some((x: { id: string }) => x.id === 'platform/io-sharing-not-allowed'));
  assert.equal(run0.results.length, 4);
  assert.equal(run0.results[0].level, 'note');
  assert.equal(
    run0.results[0].locations[0].physicalLocation.artifactLocation.uri,
    'examples/seed/vplatform-vm2.dts',
  );
});

test('map draws text, JSON and an SVG with a lane per VM and links across lanes', async () => {
  const text = await run('map', SEED);
  assert.equal(text.code, 0);
  assert.match(
    text.out,
    /0xd0000000 {2}0xd3ffffff {3}64 MiB {2}RAM, invalid region; shared by vm2 at IPA 0xd0000000 read\/write device nGnRE; vm3 at IPA 0x800000000/,
  );
  const json = JSON.parse((await run('map', '--format', 'json', SEED)).out);
  assert.equal(json.vms.length, 2);
  const svgFile = join(tmp, 'map.svg');
  const svg = await run('map', '--format', 'svg', '-o', svgFile, SEED);
  assert.equal(svg.code, 0);
  const written = new TextDecoder().decode(svg.io.written.get(svgFile));
  assert.match(written, /^<svg xmlns/);
  assert.match(written, /vm2 \(VM 2\) IPA/);
  assert.match(written, /physical memory \(PA\)/);
  assert.ok(
    (written.match(/class="link shared"/g) ?? []).length === 4,
    'four io-memory mappings link to shared physical segments',
  );
});

test("build writes every DTB with the guest vm-memory reg filled from the exporter's RAM", async () => {
  const out = join(tmp, 'build');
  const r = await run('build', SEED, '-o', out);
  assert.equal(r.code, 0, r.err);
  const names = [...r.io.written.keys()].map((k) => k.slice(out.length + 1)).sort();
  assert.deepEqual(names, [
    'hypervisor.dtb',
    'vm2.guest.dtb',
    'vm2.vplatform.dtb',
    'vm3.guest.dtb',
    'vm3.vplatform.dtb',
  ]);
  const guest = readDtb(r.io.written.get(join(out, 'vm2.guest.dtb'))!, 'vm2.guest.dtb');
  const reg = getNodeByPath(guest.tree!.root, '/reserved-memory/vm-memory@3')!.getProperty('reg')!;
  assert.deepEqual([...reg.value], [0, 0, 0, 0, 0xb0, 0, 0, 0, 0x20, 0, 0, 0]);
});

test('build refuses to write anything when check finds errors', async () => {
  const out = join(tmp, 'refused');
  const r = await run('build', 'examples/broken/vlink-self/platform.yaml', '-o', out);
  assert.equal(r.code, 1);
  assert.equal(r.io.written.size, 0);
  assert.match(r.err, /nothing written/);
});

test('DTB inputs are accepted for every tree (detected by magic)', async () => {
  const build = await run('build', SEED, '-o', join(tmp, 'dtbs'));
  assert.equal(build.code, 0);
  const dir = join(tmp, 'dtb-platform');
  mkdirSync(dir, { recursive: true });
  for (const [k, v] of build.io.written) writeFileSync(join(dir, k.slice(join(tmp, 'dtbs').length + 1)), v);
  writeFileSync(
    join(dir, 'platform.yaml'),
    readFileSync(join(ROOT, SEED), 'utf8')
      .replace('hypervisor: hypervisor.dts', 'hypervisor: hypervisor.dtb')
      .replace(/vplatform-(vm\d)\.dts/g, '$1.vplatform.dtb')
      .replace(/guest-(vm\d)\.dts/g, '$1.guest.dtb'),
  );
  const io = captureIo(dir);
  const code = await main(['check', '--format', 'json', 'platform.yaml'], io);
  const res = JSON.parse(new TextDecoder().decode(io.stdoutBytes()));
  assert.equal(code, 0);
  // Same findings as from source (the built guest DT's reg is non-zero now, which is fine), without line numbers.
  assert.deepEqual(
    res.diagnostics.map((d: { code: string }) => d.code),
    Array(4).fill('platform/device-attributes-on-ram'),
  );
  assert.ok(existsSync(join(dir, 'hypervisor.dtb')));
  cpSync(join(dir, 'platform.yaml'), join(tmp, 'copy.yaml'));
});

test('demo runs check, map and build on the seed and says what the infos mean', async () => {
  const r = await run('demo');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /== vmshare check examples\/seed\/platform\.yaml/);
  assert.match(r.out, /0 errors, 0 warnings, 4 infos \(2 VMs, 5 device trees\)/);
  assert.match(r.out, /== vmshare map examples\/seed\/platform\.yaml/);
  assert.match(r.out, /== vmshare build examples\/seed\/platform\.yaml -o out\/seed/);
  assert.match(r.out, /vm2\.guest\.dtb: \d+ bytes, guest DT of vm2 .*vm-memory@3 <- vm3's RAM/);
});

test('manifest include paths and defines reach the preprocessor of every tree', async () => {
  const d = join(tmp, 'defines');
  mkdirSync(join(d, 'inc'), { recursive: true });
  writeFileSync(join(d, 'inc', 'board.h'), '#define VM_RAM_SIZE 0x1000000\n');
  writeFileSync(
    join(d, 'hv.dts'),
    '#include <skeleton.dtsi>\n/ { memory@80000000 { device_type = "memory"; reg = <0x0 0x80000000 0x40000000>; }; };\n',
  );
  writeFileSync(
    join(d, 'vp.dts'),
    '/dts-v1/;\n#include <board.h>\n/ { compatible = "vl,vlm"; #address-cells = <2>; #size-cells = <1>;\n  memory@90000000 { device_type = "memory"; reg = <0x0 RAM_BASE VM_RAM_SIZE>; }; };\n',
  );
  writeFileSync(join(d, 'g.dts'), '/dts-v1/;\n/ { #address-cells = <2>; #size-cells = <1>; };\n');
  writeFileSync(
    join(d, 'platform.yaml'),
    'hypervisor: hv.dts\ninclude: [inc]\ndefines: {RAM_BASE: "0x90000000"}\nvms:\n  - {id: 1, name: one, vplatform: vp.dts, guest: g.dts}\n',
  );
  const io = captureIo(d);
  const code = await main(['map', '--format', 'json', 'platform.yaml'], io);
  assert.equal(code, 0, io.stderrText());
  const m = JSON.parse(new TextDecoder().decode(io.stdoutBytes()));
  assert.deepEqual([m.vms[0].segments[0].start, m.vms[0].segments[0].end], ['0x90000000', '0x91000000']);
});

test('build reports an output folder it cannot create instead of crashing', async () => {
  const blocker = join(tmp, 'not-a-dir');
  writeFileSync(blocker, 'x');
  const io = captureIo(ROOT);
  const code = await main(['build', SEED, '-o', join(blocker, 'out')], {
    ...io,
    writeFile: io.writeFile,
    isDirectory: () => false,
  });
  assert.equal(code, 2);
  assert.match(io.stderrText(), /cannot write to/);
});
