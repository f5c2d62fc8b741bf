/**
 * Hypervisor memory for translation tables: stage-2 and SMMU tables are
 * "stored in hypervisor memory", a PA range of their own (config.tablePool)
 * backed by SharedArrayBuffer chunks allocated as the pool grows. Table
 * descriptors hold real PAs of this range (Arm ARM: a table descriptor's
 * next-level table address is an output address, bits 47:12).
 *
 * Descriptors are 64-bit little-endian words (AArch64 table walks read
 * little-endian when SCTLR_EL2.EE == 0). A table page is viewed as 1024
 * 32-bit words: entry i is `lo = w[2i]` (bits 31:0) and `hi = w[2i+1]`
 * (bits 63:32); Uint32Array uses the host's byte order, which the module
 * asserts to be little-endian so the SAB bytes are the architected layout.
 */
import { PAGE_SIZE } from './addr.js';
import { InvariantError } from '../util/assert.js';

if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1)
  throw new InvariantError(
    'vmshare/hv needs a little-endian host: descriptors are stored in SAB as AArch64 reads them',
  );

const CHUNK_PAGES = 256;
export const WORDS_PER_TABLE = PAGE_SIZE / 4;

export class TablePool {
  readonly #chunks: SharedArrayBuffer[] = [];
  readonly #pages: Uint32Array[] = [];
  readonly #free: number[] = [];
  #next = 0;
  /** Valid entries per table page: lets unmap free empty tables and map try a block collapse cheaply. */
  validCount = new Uint16Array(0);
  /** While true (boot builds the static tables), the pool may grow past its capacity; boot then checks the total. */
  overcommit = false;
  inUse = 0;
  peakInUse = 0;

  constructor(
    /** PA page of the pool's first page. */
    readonly basePage: number,
    readonly capacityPages: number,
  ) {}

  private grow(): void {
    const sab = new SharedArrayBuffer(CHUNK_PAGES * PAGE_SIZE);
    this.#chunks.push(sab);
    for (let i = 0; i < CHUNK_PAGES; i++)
      this.#pages.push(new Uint32Array(sab, i * PAGE_SIZE, WORDS_PER_TABLE));
    const counts = new Uint16Array(this.#pages.length);
    counts.set(this.validCount);
    this.validCount = counts;
  }

  private take(idx: number): number {
    if (idx >= this.capacityPages && !this.overcommit)
      throw new InvariantError(
        `translation-table pool exhausted (${this.capacityPages} pages): boot reservation was wrong`,
      );
    while (idx >= this.#pages.length) this.grow();
    // Free pages are kept zeroed (see release), fresh chunks are zero: no clearing on the hot path.
    this.inUse++;
    if (this.inUse > this.peakInUse) this.peakInUse = this.inUse;
    return idx;
  }

  /** One zeroed table page; returns its pool index. */
  alloc(): number {
    const f = this.#free.pop();
    return this.take(f ?? this.#next++);
  }

  /**
   * `count` contiguous zeroed pages aligned to `count` pages (concatenated
   * initial-lookup tables must be aligned to their total size, Arm ARM
   * "Concatenated translation tables"). Used at boot only; bump-allocated.
   */
  allocContiguous(count: number): number {
    while (this.#next % count !== 0) this.#free.push(this.#next++);
    const first = this.#next;
    this.#next += count;
    for (let i = 0; i < count; i++) this.take(first + i);
    return first;
  }

  /**
   * Returns a table page. A table whose entries were all invalidated one by
   * one is already zero (invalid entries are written as 0); a subtree freed
   * wholesale is cleared here.
   */
  release(idx: number): void {
    if (this.validCount[idx] !== 0) {
      this.#pages[idx].fill(0);
      this.validCount[idx] = 0;
    }
    this.inUse--;
    this.#free.push(idx);
  }

  words(idx: number): Uint32Array {
    return this.#pages[idx];
  }

  paPageOf(idx: number): number {
    return this.basePage + idx;
  }

  idxOfPaPage(paPage: number): number {
    return paPage - this.basePage;
  }

  get allocatedBytes(): number {
    return this.#chunks.length * CHUNK_PAGES * PAGE_SIZE;
  }
}
