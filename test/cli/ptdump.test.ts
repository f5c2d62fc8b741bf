import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { main } from '../../src/cli/main.js';
import { captureIo } from '../../src/cli/io.js';

const root = resolve('.');
async function run(...argv: string[]) {
  const io = captureIo(root);
  const code = await main(argv, io);
  return { code, out: new TextDecoder().decode(io.stdoutBytes()), err: io.stderrText() };
}

test('ptdump boots the seed platform and prints every VM stage 2 from the tables', async () => {
  const r = await run('ptdump', 'examples/seed/platform.yaml');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /---\[ VM 2 \(vm2\) stage 2 \]---/);
  // VM3 sees the first shared region at IPA 0x800000000, output PA 0xd0000000, device memory.
  assert.match(
    r.out,
    /0x0000000800000000-0x0000000804000000 -> 0x00000000d0000000 +64M L2 BLK +RW .* DEVICE\/nGnRE/,
  );
  // RAM of VM2 as normal write-back memory, identity mapped.
  assert.match(
    r.out,
    /0x0000000090000000-0x00000000b0000000 -> 0x0000000090000000 +512M L2 BLK +RW .* MEM\/NORMAL-WB/,
  );
  assert.doesNotMatch(r.out, /SMMU/);
});

test('ptdump --vm selects a VM by name or id and --smmu adds its SMMU context', async () => {
  const r = await run('ptdump', 'examples/seed/platform.yaml', '--vm', '3', '--smmu');
  assert.equal(r.code, 0, r.err);
  assert.doesNotMatch(r.out, /VM 2/);
  assert.match(r.out, /VM 3 \(vm3\) SMMU context/);
});

test('ptdump names the VMs when asked for one that does not exist', async () => {
  const r = await run('ptdump', 'examples/seed/platform.yaml', '--vm', 'vm9');
  assert.equal(r.code, 2);
  assert.match(r.err, /no VM 'vm9'.*vm2 \(2\), vm3 \(3\)/);
});

test('ptdump refuses to boot a platform with check errors unless --force', async () => {
  const broken = 'examples/broken/io-sharing-not-allowed/platform.yaml';
  const r = await run('ptdump', broken);
  assert.equal(r.code, 1);
  assert.match(r.err, /error\[boot\/platform-has-errors\]: the platform check found \d+ error/);
  assert.equal(r.out, '');
});
