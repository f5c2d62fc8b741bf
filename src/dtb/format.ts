/**
 * The flattened device tree (FDT) format as dtc 1.6.1 writes and reads it:
 * magic, structure tokens, header field offsets, and dtc's per-version table
 * (flattree.c `version_table`), which decides the header size and how node
 * names, `name` properties and 8-byte-aligned values are laid out.
 */

export const FDT_MAGIC = 0xd00dfeed;

export const FDT_BEGIN_NODE = 0x1;
export const FDT_END_NODE = 0x2;
export const FDT_PROP = 0x3;
export const FDT_NOP = 0x4;
export const FDT_END = 0x9;

/** Byte offsets of the ten 32-bit header words (all big-endian). */
export const HDR_MAGIC = 0;
export const HDR_TOTALSIZE = 4;
export const HDR_OFF_DT_STRUCT = 8;
export const HDR_OFF_DT_STRINGS = 12;
export const HDR_OFF_MEM_RSVMAP = 16;
export const HDR_VERSION = 20;
export const HDR_LAST_COMP_VERSION = 24;
export const HDR_BOOT_CPUID_PHYS = 28;
export const HDR_SIZE_DT_STRINGS = 32;
export const HDR_SIZE_DT_STRUCT = 36;

/** Header sizes per format generation (libfdt's FDT_V1_SIZE .. FDT_V17_SIZE). */
export const FDT_V1_SIZE = 7 * 4;
export const FDT_V2_SIZE = FDT_V1_SIZE + 4;
export const FDT_V3_SIZE = FDT_V2_SIZE + 4;
export const FDT_V16_SIZE = FDT_V3_SIZE;
export const FDT_V17_SIZE = FDT_V16_SIZE + 4;

/** One memory reservation entry: two 64-bit words (address, size). */
export const FDT_RESERVE_ENTRY_SIZE = 16;

/** Node names are full paths (v1-v3). */
export const FTF_FULLPATH = 0x1;
/** Property values of 8 bytes or more start on an 8-byte boundary (v1-v3). */
export const FTF_VARALIGN = 0x2;
/** Every node carries a `name` property (v1-v3). */
export const FTF_NAMEPROPS = 0x4;
export const FTF_BOOTCPUID = 0x8;
export const FTF_STRTABSIZE = 0x10;
export const FTF_STRUCTSIZE = 0x20;
/** FDT_NOP is a legal token (v16+). */
export const FTF_NOPS = 0x40;

export interface VersionInfo {
  readonly version: number;
  readonly lastCompVersion: number;
  readonly hdrSize: number;
  readonly flags: number;
}

/** dtc's version_table, in the same order. */
export const VERSION_TABLE: readonly VersionInfo[] = [
  {
    version: 1,
    lastCompVersion: 1,
    hdrSize: FDT_V1_SIZE,
    flags: FTF_FULLPATH | FTF_VARALIGN | FTF_NAMEPROPS,
  },
  {
    version: 2,
    lastCompVersion: 1,
    hdrSize: FDT_V2_SIZE,
    flags: FTF_FULLPATH | FTF_VARALIGN | FTF_NAMEPROPS | FTF_BOOTCPUID,
  },
  {
    version: 3,
    lastCompVersion: 1,
    hdrSize: FDT_V3_SIZE,
    flags: FTF_FULLPATH | FTF_VARALIGN | FTF_NAMEPROPS | FTF_BOOTCPUID | FTF_STRTABSIZE,
  },
  {
    version: 16,
    lastCompVersion: 16,
    hdrSize: FDT_V16_SIZE,
    flags: FTF_BOOTCPUID | FTF_STRTABSIZE | FTF_NOPS,
  },
  {
    version: 17,
    lastCompVersion: 16,
    hdrSize: FDT_V17_SIZE,
    flags: FTF_BOOTCPUID | FTF_STRTABSIZE | FTF_STRUCTSIZE | FTF_NOPS,
  },
];

/** The newest version this code understands; blobs may be newer if they stay compatible with it. */
export const FDT_LAST_SUPPORTED_VERSION = 17;

export function versionInfo(version: number): VersionInfo | undefined {
  return VERSION_TABLE.find((v) => v.version === version);
}

/** C's ALIGN(x, a) for a power of two `a` (dtc applies it to ints). */
export function alignUp(x: number, a: number): number {
  return (x + a - 1) & ~(a - 1);
}
