/**
 * A text dump of one set of stage-2 tables in the spirit of Linux's arm64
 * ptdump (arch/arm64/mm/ptdump.c): one line per run of leaves with equal
 * level and attributes and contiguous input and output, showing the IPA
 * range, the output PA, the size, the level and the decoded attributes.
 *
 *   0x0000000080000000-0x00000000c0000000 -> 0x0000000080000000      1G L1 BLK  RW  x  ISH AF MEM/NORMAL-WB
 */
import { PAGE_SIZE, formatSize, hex64 } from './addr.js';
import { decodeS2Attributes } from './attributes.js';
import type { Stage2 } from './stage2.js';

const AP = ['--', 'RO', 'WO', 'RW'];
const SH = ['NSH', 'SH?', 'OSH', 'ISH'];

export function attributeColumns(lower: number, upper: number): string {
  const a = decodeS2Attributes(upper, lower);
  const mem =
    a.kind === 'device'
      ? `DEVICE/${a.type}`
      : a.inner === a.outer
        ? `MEM/NORMAL-${a.inner === 'write-back' ? 'WB' : a.inner === 'write-through' ? 'WT' : a.inner === 'non-cacheable' ? 'NC' : '??'}`
        : `MEM/NORMAL-O:${a.outer}/I:${a.inner}`;
  return `${AP[a.s2ap]} ${a.xn ? 'XN' : 'x '} ${SH[a.sh]} ${a.af ? 'AF' : '  '} ${mem}`;
}

export function ptdump(title: string, tables: Stage2): string {
  const lines = [`---[ ${title} ]---`];
  for (const r of tables.leaves(true)) {
    const start = r.ipaPage * PAGE_SIZE;
    const end = (r.ipaPage + r.pageCount) * PAGE_SIZE;
    const kind = r.level === 3 ? 'PTE' : 'BLK';
    lines.push(
      `${hex64(start)}-${hex64(end)} -> ${hex64(r.paPage * PAGE_SIZE)} ${formatSize(end - start).padStart(7)} L${r.level} ${kind}  ${attributeColumns(r.lower, r.upper)}`,
    );
  }
  lines.push(`---[ ${tables.tablePages()} table pages, ${formatSize(tables.tablePages() * PAGE_SIZE)} ]---`);
  return lines.join('\n') + '\n';
}
