/** A small platform built in code, shared by the hv tests. */
import type { HvConfig, Ipa, Pa } from '../../src/hv/index.js';
import {
  Hypervisor,
  VDT_S2PTE_LOWER_DEV_MEM,
  VDT_S2PTE_LOWER_MEM,
  VDT_S2PTE_LOWER_MEM_RO,
  VDT_S2PTE_UPPER_DEV,
  VDT_S2PTE_UPPER_MEM,
} from '../../src/hv/index.js';

export const P = (n: number) => n as Pa;
export const I = (n: number) => n as Ipa;
export const KiB = 1024;
export const MiB = 1024 * 1024;

export const VM1_RAM = 0x4000_0000; // 2 MiB + 4 KiB: one block and one page
export const VM1_RAM_SIZE = 2 * MiB + 4 * KiB;
export const VM2_RAM = 0x4800_0000;
export const VM3_RAM = 0x5000_0000;
export const VM4_RAM_PA = 0x5800_0000;
export const VM4_RAM_IPA = 0x8000_0000;
export const VM5_RAM = 0x6000_0000;
export const SHARED = 0x7000_0000; // an invalid region, statically shared by VM1 (RW) and VM2 (RO)
export const UART = 0x0900_0000;

/**
 * VM1 exporter (identity RAM, window for VM4), VM2 importer of VM1, VM3
 * importer of VM1 and VM2, VM4 non-identity RAM importing from VM1, VM5
 * with no window.
 */
export function testConfig(limits: HvConfig['limits'] = {}): HvConfig {
  return {
    // Small banks keep each test's SharedArrayBuffers small (one per bank piece).
    ramBanks: [
      { pa: P(VM1_RAM), sizeBytes: 4 * MiB },
      { pa: P(VM2_RAM), sizeBytes: 1 * MiB },
      { pa: P(VM3_RAM), sizeBytes: 1 * MiB },
      { pa: P(VM4_RAM_PA), sizeBytes: 1 * MiB },
      { pa: P(VM5_RAM), sizeBytes: 1 * MiB },
      { pa: P(SHARED), sizeBytes: 2 * MiB },
      { pa: P(0x7800_0000), sizeBytes: 1 * MiB },
    ],
    invalidRegions: [{ pa: P(SHARED), sizeBytes: 2 * MiB }],
    pmem: { pa: P(0x7800_0000), sizeBytes: 1 * MiB },
    limits,
    vms: [
      {
        id: 1,
        name: 'exporter',
        ram: [{ pa: P(VM1_RAM), ipa: I(VM1_RAM), sizeBytes: VM1_RAM_SIZE }],
        io: [
          {
            pa: P(UART),
            ipa: I(UART),
            sizeBytes: 4 * KiB,
            attrUpper: VDT_S2PTE_UPPER_DEV,
            attrLower: VDT_S2PTE_LOWER_DEV_MEM,
            allowSharing: false,
            name: 'uart',
          },
          {
            pa: P(SHARED),
            ipa: I(SHARED),
            sizeBytes: 64 * KiB,
            attrUpper: VDT_S2PTE_UPPER_MEM,
            attrLower: VDT_S2PTE_LOWER_MEM,
            allowSharing: true,
            name: 'shm',
          },
        ],
        vmMemory: [{ exporterId: 4 }],
      },
      {
        id: 2,
        name: 'importer',
        ram: [{ pa: P(VM2_RAM), ipa: I(VM2_RAM), sizeBytes: 1 * MiB }],
        io: [
          {
            pa: P(SHARED),
            ipa: I(0x9000_0000),
            sizeBytes: 64 * KiB,
            attrUpper: VDT_S2PTE_UPPER_MEM,
            attrLower: VDT_S2PTE_LOWER_MEM_RO,
            allowSharing: true,
            name: 'shm',
          },
        ],
        vmMemory: [{ exporterId: 1 }],
      },
      {
        id: 3,
        name: 'importer2',
        ram: [{ pa: P(VM3_RAM), ipa: I(VM3_RAM), sizeBytes: 1 * MiB }],
        io: [],
        vmMemory: [{ exporterId: 1 }, { exporterId: 2 }],
      },
      {
        id: 4,
        name: 'moved',
        ram: [{ pa: P(VM4_RAM_PA), ipa: I(VM4_RAM_IPA), sizeBytes: 1 * MiB }],
        io: [],
        vmMemory: [{ exporterId: 1 }],
      },
      {
        id: 5,
        name: 'loner',
        ram: [{ pa: P(VM5_RAM), ipa: I(VM5_RAM), sizeBytes: 1 * MiB }],
        io: [],
        vmMemory: [],
      },
    ],
  };
}

export function bootTest(limits: HvConfig['limits'] = {}): Hypervisor {
  const r = Hypervisor.boot(testConfig(limits));
  if (!r.ok) throw new Error('test platform failed to boot: ' + JSON.stringify(r.errors));
  return r.hv;
}
