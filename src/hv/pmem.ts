/**
 * The persistent communication memory pool (semantics.md §5): created once
 * at hypervisor boot, carved into blocks labelled ⟨vlink, id⟩. Sizes are
 * rounded up to whole pages; the same label always returns the same block
 * (whichever side asks first creates it), blocks survive VM restarts with
 * their contents, and exhaustion returns 0. Blocks are never freed (the
 * real pool lives as long as the hypervisor).
 *
 * A VM maps a block into its stage 2 at IPA == PA (the pool lies outside
 * every VM's IPA layout, checked at boot) with normal cached RW
 * execute-never attributes; the mapping goes away when the VM stops.
 */
import { PAGE_SIZE } from './addr.js';
import type { PhysRange } from './config.js';

export interface PmemBlock {
  readonly vlink: number;
  readonly id: number;
  readonly pa: number;
  readonly sizeBytes: number;
}

export class PmemPool {
  readonly #labels = new Map<string, PmemBlock>();
  readonly #blocks: PmemBlock[] = [];
  #nextPa: number;
  readonly #end: number;

  constructor(readonly range: PhysRange | undefined) {
    this.#nextPa = range?.pa ?? 0;
    this.#end = range ? range.pa + range.sizeBytes : 0;
  }

  /**
   * The block labelled ⟨vlink, id⟩: its PA, or 0 when the pool is exhausted
   * (or an existing block is smaller than `sizeBytes`). `found` says the
   * label existed.
   */
  alloc(vlink: number, id: number, sizeBytes: number): { pa: number; sizeBytes: number; found: boolean } {
    const key = `${vlink}/${id}`;
    const b = this.#labels.get(key);
    if (b) return { pa: sizeBytes <= b.sizeBytes ? b.pa : 0, sizeBytes: b.sizeBytes, found: true };
    if (!Number.isSafeInteger(sizeBytes) || sizeBytes <= 0) return { pa: 0, sizeBytes: 0, found: false };
    const size = Math.ceil(sizeBytes / PAGE_SIZE) * PAGE_SIZE;
    if (!this.range || this.#nextPa + size > this.#end) return { pa: 0, sizeBytes: size, found: false };
    const blk: PmemBlock = { vlink, id, pa: this.#nextPa, sizeBytes: size };
    this.#nextPa += size;
    this.#labels.set(key, blk);
    this.#blocks.push(blk);
    return { pa: blk.pa, sizeBytes: size, found: false };
  }

  /** The block containing [pa, pa + sizeBytes), if one does entirely. */
  blockOf(pa: number, sizeBytes: number): PmemBlock | undefined {
    for (const b of this.#blocks) if (b.pa <= pa && pa + sizeBytes <= b.pa + b.sizeBytes) return b;
    return undefined;
  }

  blocks(): readonly PmemBlock[] {
    return this.#blocks;
  }

  get usedBytes(): number {
    return this.range ? this.#nextPa - this.range.pa : 0;
  }
}
