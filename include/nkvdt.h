/*
 * vmshare's stage-2 attribute constants for vl,io-memory nodes
 * (vl,attributes = <UPPER LOWER>), named as in the hypervisor's nkvdt.h.
 *
 * The vendor header's values are not public; these are the real ARMv8-A
 * VMSAv8-64 stage-2 block/page descriptor fields (Arm ARM D8.3, "Stage 2
 * memory region attributes"), so every word can be decoded and explained:
 *
 *   LOWER word = descriptor bits [11:0]
 *     [5:2]  MemAttr   0b1111 normal, outer+inner write-back cacheable
 *                      0b0101 normal, outer+inner non-cacheable
 *                      0b0001 device-nGnRE
 *     [7:6]  S2AP      0b11 read/write, 0b01 read-only, 0b10 write-only, 0b00 none
 *     [9:8]  SH        0b11 inner shareable, 0b10 outer shareable, 0b00 non-shareable
 *     [10]   AF        access flag (set: no access-flag fault)
 *   UPPER word = descriptor bits [63:32]
 *     [22]   XN        (descriptor bit 54) execute-never
 *     [20]   Contiguous (descriptor bit 52)
 */
#ifndef VMSHARE_NKVDT_H
#define VMSHARE_NKVDT_H

#define VDT_S2PTE_UPPER_MEM        0x00000000 /* executable */
#define VDT_S2PTE_UPPER_MEM_XN     0x00400000 /* execute-never */
#define VDT_S2PTE_UPPER_DEV        0x00400000 /* devices are never executable */

#define VDT_S2PTE_LOWER_MEM        0x000007fc /* normal WB, RW, inner shareable, AF */
#define VDT_S2PTE_LOWER_MEM_RO     0x0000077c /* normal WB, RO, inner shareable, AF */
#define VDT_S2PTE_LOWER_NC_MEM     0x000006d4 /* normal non-cacheable, RW, outer shareable, AF */
#define VDT_S2PTE_LOWER_DEV_MEM    0x000004c4 /* device-nGnRE, RW, AF */
#define VDT_S2PTE_LOWER_DEV_MEM_RO 0x00000444 /* device-nGnRE, RO, AF */

#endif
