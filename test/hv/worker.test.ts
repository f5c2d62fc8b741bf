import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { Hypervisor, VM_MEM_CPU, VM_MEM_READ, VM_MEM_WRITE } from '../../src/hv/index.js';
import { I, VM1_RAM, testConfig } from './platform.js';

/**
 * Physical memory is SharedArrayBuffers, so a guest running in another
 * thread touches the same bytes the hypervisor's ports check: a store made in
 * a worker is seen through the importer's stage 2 in the main thread.
 */
test('a worker thread loads hv and its stores land in the memory the ports translate to', async () => {
  const r = Hypervisor.boot(testConfig());
  assert.ok(r.ok);
  const hv = r.hv;
  assert.equal(
    hv.memGrant(1, 2, VM_MEM_READ | VM_MEM_WRITE | VM_MEM_CPU, 1, [{ addr: VM1_RAM, size: 4096 }]),
    0,
  );
  const t = hv.cpu(2).translate(I(VM1_RAM + 0x40), 'read');
  assert.ok(!t.fault && t.segment, 'the granted page is backed');
  const seg = t.segment!;
  const offset = t.pa - seg.basePage * 4096;
  const worker = new Worker(new URL('./fixtures/guest-worker.mjs', import.meta.url), {
    workerData: { buffer: seg.buffer, offset, value: 0x5a5a1234 },
  });
  const described = await new Promise<string>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  await worker.terminate();
  assert.match(described, /normal memory, write-back/);
  assert.equal(hv.cpu(2).load32(I(VM1_RAM + 0x40)), 0x5a5a1234, 'the importer reads what the worker wrote');
  assert.equal(hv.cpu(1).load32(I(VM1_RAM + 0x40)), 0x5a5a1234, 'and so does the exporter');
});
