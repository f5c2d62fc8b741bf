// Generates a large, clean platform for `bench/platform.ts`: N VMs, about 62.5 io-memory nodes
// and 7.8 vlinks per VM (4,000 and 500 at 64 VMs), every VM importing its neighbour's memory
// over a critical vlink. Each VM has 64 MiB of identity-mapped RAM; of its io-memory nodes,
// 12 map regions of the shared invalid memory (each region shared with the next VM, with
// vl,allow-sharing and the same attributes) and the rest are private device windows.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface GeneratedPlatform {
  readonly manifest: string;
  readonly ioNodes: number;
  readonly vlinks: number;
  readonly bytes: number;
}

const RAM_BASE = 0x1_0000_0000n;
const VM_RAM = 64n << 20n;
const SHARED_BASE = 0x80000000n; // invalid memory: 1 GiB of RAM below the VMs' RAM
const REGION = 0x10000n; // 64 KiB per shared region
const DEV_BASE = 0x10000000n; // device windows, outside RAM
const DEV_WINDOW = 0x1000n;

const h = (v: bigint): string => v.toString(16);
const cells = (v: bigint): string => `0x${h(v >> 32n)} 0x${h(v & 0xffffffffn)}`;

export function generatePlatform(dir: string, vms: number): GeneratedPlatform {
  mkdirSync(dir, { recursive: true });
  const ioTotal = Math.round((vms * 4000) / 64);
  const vlinkTotal = Math.round((vms * 500) / 64);
  const sharedPerVm = 12;
  let bytes = 0;
  const write = (name: string, text: string): void => {
    writeFileSync(join(dir, name), text);
    bytes += text.length;
  };

  // io-memory nodes per VM: spread ioTotal evenly.
  const perVm = Array.from(
    { length: vms },
    (_, i) => Math.floor(ioTotal / vms) + (i < ioTotal % vms ? 1 : 0),
  );
  const regionsTotal = vms * sharedPerVm;
  const ramEnd = RAM_BASE + BigInt(vms) * VM_RAM;

  const hv: string[] = [
    '#include <skeleton.dtsi>',
    '/ {',
    `\tmemory@${h(SHARED_BASE)} { device_type = "memory"; reg = <${cells(SHARED_BASE)} 0x40000000>; };`,
  ];
  for (let b = 0n; b < BigInt(vms) * VM_RAM; b += 1n << 30n) {
    const start = RAM_BASE + b;
    const size = ramEnd - start < 1n << 30n ? ramEnd - start : 1n << 30n;
    // Banks of at most 1 GiB keep the size within one cell.
    hv.push(
      `\tmemory@${h(start)} { device_type = "memory"; reg = <${cells(start)} 0x${h(size === 1n << 30n ? 0x40000000n : size)}>; };`,
    );
  }
  hv.push(
    '};',
    '&invalid_region {',
    `\treg = <${cells(SHARED_BASE)} 0x${h(BigInt(regionsTotal) * REGION)}>;`,
    '};',
  );
  hv.push('&vlm {', '\tvlinks {', '\t\t#address-cells = <1>;', '\t\t#size-cells = <0>;');
  for (let l = 0; l < vlinkTotal; l++) {
    const server = (l % vms) + 1;
    const client = (server % vms) + 1;
    const link = Math.floor(l / vms);
    hv.push(
      `\t\tvlink@${h(BigInt(l))} { compatible = "vl,vlink"; reg = <${l}>; vl,name = "vl${link}"; vl,link = <${link}>; vl,server = <${server}>; vl,client = <${client}>; vl,server-info = ""; vl,client-info = "";${link === 0 ? ' vl,critical;' : ''} };`,
    );
  }
  hv.push('\t};', '};', '');
  write('hypervisor.dts', hv.join('\n'));

  const manifest: string[] = [
    'hypervisor: hypervisor.dts',
    'limits:',
    `  max-vm-id: ${vms}`,
    '  regions-per-vm: 256',
    'vms:',
  ];
  let ioNodes = 0;
  for (let i = 0; i < vms; i++) {
    const id = i + 1;
    const ram = RAM_BASE + BigInt(i) * VM_RAM;
    const exporter = (id % vms) + 1;
    const vp: string[] = [
      '/dts-v1/;',
      '#include <nkvdt.h>',
      '/ {',
      '\tcompatible = "vl,vlm", "vl,vlm-bench";',
      '\t#address-cells = <2>;',
      '\t#size-cells = <1>;',
      `\tmemory@${h(ram)} { device_type = "memory"; reg = <${cells(ram)} 0x${h(VM_RAM)}>; };`,
    ];
    for (let k = 0; k < perVm[i]; k++) {
      let pa: bigint;
      let size: bigint;
      let shared = false;
      if (k < sharedPerVm) {
        // Region r is shared by VM i (its k-th) and VM i+1 (its k+sharedPerVm/2-th, wrapping).
        const r =
          k < sharedPerVm / 2
            ? i * (sharedPerVm / 2) + k
            : ((i - 1 + vms) % vms) * (sharedPerVm / 2) + (k - sharedPerVm / 2);
        pa = SHARED_BASE + BigInt(r) * REGION;
        size = REGION;
        shared = true;
      } else {
        pa = DEV_BASE + (BigInt(i) * 256n + BigInt(k)) * DEV_WINDOW;
        size = DEV_WINDOW;
      }
      vp.push(
        `\tvl,io-memory@${h(pa)}-${h(size)} { compatible = "vl,io-memory"; reg = <${cells(pa)} 0x${h(size)}>;${shared ? ' vl,allow-sharing; vl,attributes = <VDT_S2PTE_UPPER_MEM VDT_S2PTE_LOWER_MEM>;' : ' vl,attributes = <VDT_S2PTE_UPPER_DEV VDT_S2PTE_LOWER_DEV_MEM>;'} };`,
      );
      ioNodes++;
    }
    vp.push(
      `\tvm-memory@${h(BigInt(exporter))} { compatible = "vl,vm-memory"; vl,vm-id = <${exporter}>; };`,
      '};',
      '',
    );
    write(`vplatform-vm${id}.dts`, vp.join('\n'));
    write(
      `guest-vm${id}.dts`,
      [
        '/dts-v1/;',
        '/ {',
        '\t#address-cells = <2>;',
        '\t#size-cells = <1>;',
        `\tmemory@${h(ram)} { device_type = "memory"; reg = <${cells(ram)} 0x${h(VM_RAM)}>; };`,
        '\treserved-memory {',
        '\t\t#address-cells = <2>;',
        '\t\t#size-cells = <1>;',
        '\t\tranges;',
        `\t\tvm-memory@${h(BigInt(exporter))} { compatible = "vl,vm-memory"; reg = <0 0 0>; vl,vm-id = <${exporter}>; };`,
        '\t};',
        '};',
        '',
      ].join('\n'),
    );
    manifest.push(
      `  - id: ${id}`,
      `    name: vm${id}`,
      `    vplatform: vplatform-vm${id}.dts`,
      `    guest: guest-vm${id}.dts`,
    );
  }
  write('platform.yaml', manifest.join('\n') + '\n');
  return { manifest: join(dir, 'platform.yaml'), ioNodes, vlinks: vlinkTotal, bytes };
}
