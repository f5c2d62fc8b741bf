/*
 * vmshare's stage-2 attribute constants for vl,io-memory nodes
 * (vl,attributes = <UPPER LOWER>), named as in the hypervisor's nkvdt.h.
 *
 * The vendor header's values are not public; these are the real ARMv8-A
 * VMSAv8-64 stage-2 block/page descriptor fields (Arm ARM, "Stage 2 memory
 * region attributes"; the same bits as Linux's PTE_S2_*), so every word can
 * be decoded and explained. They equal the constants of src/hv/attributes.ts
 * (a test keeps the two in step).
 *
 *   LOWER word = descriptor bits [11:0]
 *     [1:0]  descriptor type: set by the hypervisor, must be 0 here
 *     [5:2]  MemAttr   0b1111 normal, outer+inner write-back cacheable
 *                      0b1010 normal, outer+inner write-through cacheable
 *                      0b0101 normal, outer+inner non-cacheable
 *                      0b0000 device-nGnRnE, 0b0001 device-nGnRE,
 *                      0b0010 device-nGRE,   0b0011 device-GRE
 *     [7:6]  S2AP      0b11 read/write, 0b01 read-only, 0b10 write-only, 0b00 none
 *     [9:8]  SH        0b11 inner shareable, 0b10 outer shareable, 0b00 non-shareable
 *                      (device memory is always treated as outer shareable)
 *     [10]   AF        access flag (set: no access-flag fault on first access)
 *     [11]   RES0
 *   UPPER word = descriptor bits [63:32]
 *     [15:0] output address bits [47:32]: must be 0 (the hypervisor fills them)
 *     [20]   Contiguous hint (descriptor bit 52)
 *     [21]   XN[0] (descriptor bit 53, FEAT_XNX only)
 *     [22]   XN    (descriptor bit 54) execute-never
 *     [26:23] reserved for software
 *
 * Worked example, the technical note's <VDT_S2PTE_UPPER_MEM VDT_S2PTE_LOWER_DEV_MEM>
 * = <0x0 0x4c4>: MemAttr 0b0001 (device-nGnRE), S2AP 0b11 (read/write),
 * SH 0b00, AF 1 — uncached device memory, although the note's text
 * promises cached, coherent access (that is <0x0 0x7fc>, LOWER_MEM).
 */
#ifndef VMSHARE_NKVDT_H
#define VMSHARE_NKVDT_H

#define VDT_S2PTE_UPPER_MEM        0x00000000 /* executable */
#define VDT_S2PTE_UPPER_MEM_XN     0x00400000 /* execute-never */
#define VDT_S2PTE_UPPER_DEV        0x00400000 /* devices are never executable */

#define VDT_S2PTE_LOWER_MEM        0x000007fc /* normal WB, RW, inner shareable, AF */
#define VDT_S2PTE_LOWER_MEM_RO     0x0000077c /* normal WB, RO, inner shareable, AF */
#define VDT_S2PTE_LOWER_NC_MEM     0x000007d4 /* normal non-cacheable, RW, inner shareable, AF */
#define VDT_S2PTE_LOWER_DEV_MEM    0x000004c4 /* device-nGnRE, RW, AF */
#define VDT_S2PTE_LOWER_DEV_MEM_RO 0x00000444 /* device-nGnRE, RO, AF */

#endif
