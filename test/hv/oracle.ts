/**
 * A deliberately naive model of semantics.md §4 for the property and matrix
 * tests: grant records as a flat list of references, permissions recomputed
 * per page by scanning everything, checks written out step by step. It
 * shares no code with src/hv beyond the configuration types and the
 * constants.
 */
import type { HvConfig, VmConfig } from '../../src/hv/index.js';
import { effectiveLimits } from '../../src/hv/index.js';

export type Path = 'cpu' | 'dma';
export interface PagePerm {
  paPage: number;
  read: boolean;
  write: boolean;
  exec: boolean;
  /** Expected attribute words of the leaf. */
  lower: number;
  upper: number;
}

export interface Region {
  addr: number;
  size: number;
}

const PG = 4096;

export class Oracle {
  readonly running = new Map<number, boolean>();
  /** One entry per reference. */
  records: { e: number; i: number; page: number; flags: number }[] = [];
  readonly cap: number;
  readonly perCall: number;

  constructor(readonly cfg: HvConfig) {
    for (const v of cfg.vms) this.running.set(v.id, true);
    const l = effectiveLimits(cfg);
    this.cap = l.grantRecordsPerExporter;
    this.perCall = l.regionsPerCall;
  }

  vm(id: number): VmConfig | undefined {
    return this.cfg.vms.find((v) => v.id === id);
  }

  identity(id: number): boolean {
    return this.vm(id)!.ram.every((r) => Number(r.ipa) === Number(r.pa));
  }

  isRamPage(id: number, page: number): boolean {
    return this.vm(id)!.ram.some((r) => page * PG >= r.pa && page * PG < r.pa + r.sizeBytes);
  }

  call(op: 'grant' | 'deny' | 'verify', caller: number, vmid: number, flags: number, rgns: Region[]): number {
    if (!this.running.get(caller)) return -3;
    if (op !== 'verify') {
      if (flags & ~0xf) return -22;
      if ((flags & 3) === 0 || (flags & 12) === 0) return -22;
    }
    if (rgns.length === 0) return -22;
    if (rgns.length > this.perCall) return -7;
    if (vmid === caller || !this.vm(vmid) || !this.running.get(vmid)) return -3;
    const e = op === 'verify' ? vmid : caller;
    const i = op === 'verify' ? caller : vmid;
    if (!this.vm(i)!.vmMemory.some((w) => w.exporterId === e)) return -1;
    if (!this.identity(e) || !this.identity(i)) return -95;
    const pages: number[] = [];
    const seen = new Set<number>();
    for (const r of rgns) {
      if (r.addr % PG !== 0 || r.size % PG !== 0 || r.size === 0) return -22;
    }
    for (const r of rgns)
      for (let p = r.addr / PG; p < (r.addr + r.size) / PG; p++) {
        if (seen.has(p)) return -22;
        seen.add(p);
        pages.push(p);
      }
    for (const p of pages) if (!this.isRamPage(e, p)) return -1;
    const has = (p: number, f?: number) =>
      this.records.some((r) => r.e === e && r.i === i && r.page === p && (f === undefined || r.flags === f));
    if (op === 'verify') return pages.every((p) => has(p)) ? 0 : -2;
    if (op === 'deny') {
      if (!pages.every((p) => has(p, flags))) return -2;
      for (const p of pages) {
        const k = this.records.findIndex((r) => r.e === e && r.i === i && r.page === p && r.flags === flags);
        this.records.splice(k, 1);
      }
      return 0;
    }
    const distinct = new Set(this.records.filter((r) => r.e === e).map((r) => `${r.i}/${r.page}/${r.flags}`));
    const fresh = pages.filter((p) => !distinct.has(`${i}/${p}/${flags}`)).length;
    if (distinct.size + fresh > this.cap) return -12;
    for (const p of pages) this.records.push({ e, i, page: p, flags });
    return 0;
  }

  stop(id: number): void {
    this.running.set(id, false);
    this.records = this.records.filter((r) => r.e !== id && r.i !== id);
  }

  start(id: number): void {
    this.running.set(id, true);
  }

  /** Every page the VM's tables must map on `path`, by IPA page (invariants 1 and 2). */
  expected(id: number, path: Path): Map<number, PagePerm> {
    const vm = this.vm(id)!;
    const out = new Map<number, PagePerm>();
    for (const r of vm.ram)
      for (let k = 0; k < r.sizeBytes / PG; k++)
        out.set(r.ipa / PG + k, {
          paPage: r.pa / PG + k,
          read: true,
          write: true,
          exec: true,
          lower: 0x7fc,
          upper: 0,
        });
    for (const m of vm.io)
      for (let k = 0; k < m.sizeBytes / PG; k++) {
        const s2ap = (m.attrLower >> 6) & 3;
        const xn = (m.attrUpper & (1 << 22)) !== 0;
        out.set(m.ipa / PG + k, {
          paPage: m.pa / PG + k,
          read: (s2ap & 1) !== 0,
          write: (s2ap & 2) !== 0,
          exec: (s2ap & 1) !== 0 && !xn,
          lower: m.attrLower,
          upper: m.attrUpper,
        });
      }
    const bit = path === 'cpu' ? 4 : 8;
    const perPage = new Map<number, number>();
    for (const r of this.records)
      if (r.i === id && r.flags & bit) perPage.set(r.page, (perPage.get(r.page) ?? 0) | (r.flags & 3));
    for (const [page, rw] of perPage)
      out.set(page, {
        paPage: page,
        read: (rw & 1) !== 0,
        write: (rw & 2) !== 0,
        exec: false,
        lower: (0x7fc & ~0xc0) | (rw << 6),
        upper: 1 << 22,
      });
    return out;
  }
}
