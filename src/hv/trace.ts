/**
 * Structured trace of everything the hypervisor does, stamped with a
 * logical clock: every hypercall (arguments and result), every fault, every
 * mapping change, TLB invalidation and VM state change. Kept in a bounded
 * ring (oldest dropped first) and forwarded to listeners; recording can be
 * switched off for benchmarks (`enabled`), the clock keeps counting.
 */
import type { VmId } from './addr.js';
import type { HvFault } from './fault.js';

export type HypercallOp = 'grant' | 'deny' | 'verify';
export type TableContext = 'cpu' | 'smmu';

export type TraceEventBody =
  | {
      readonly kind: 'hypercall';
      readonly caller: VmId;
      readonly op: HypercallOp;
      readonly vmid: VmId;
      readonly flags?: number;
      readonly count: number;
      readonly rgns: readonly { readonly addr: number | bigint; readonly size: number | bigint }[];
      readonly result: number;
    }
  | { readonly kind: 'fault'; readonly fault: HvFault }
  | {
      readonly kind: 'map';
      readonly vm: VmId;
      readonly ctx: TableContext;
      readonly ipa: number;
      readonly pa: number;
      readonly sizeBytes: number;
      readonly lower: number;
      readonly upper: number;
      readonly reason: string;
    }
  | {
      readonly kind: 'unmap';
      readonly vm: VmId;
      readonly ctx: TableContext;
      readonly ipa: number;
      readonly sizeBytes: number;
      readonly reason: string;
    }
  | {
      readonly kind: 'tlbi';
      readonly vm: VmId;
      readonly ctx: TableContext;
      readonly scope: 'ipa' | 'vm';
      readonly ipa?: number;
      readonly sizeBytes?: number;
    }
  | { readonly kind: 'vm-state'; readonly vm: VmId; readonly from: string; readonly to: string }
  | {
      readonly kind: 'view-revoked';
      readonly vm: VmId;
      readonly path: 'cpu' | 'dma';
      readonly ipa: number;
      readonly sizeBytes: number;
    };

export type TraceEvent = TraceEventBody & { readonly t: number };

export class Trace {
  clock = 0;
  enabled = true;
  readonly #ring: (TraceEvent | undefined)[] = [];
  #head = 0;
  #size = 0;
  readonly #listeners = new Set<(e: TraceEvent) => void>();

  constructor(readonly capacity = 100_000) {}

  /** Records an event; returns its logical time. */
  emit(body: TraceEventBody): number {
    const t = ++this.clock;
    if (!this.enabled) return t;
    // Callers pass a fresh literal: stamping it in place avoids a copy per event.
    const ev = body as TraceEvent;
    (ev as { t: number }).t = t;
    if (this.#size < this.capacity) {
      this.#ring.push(ev);
      this.#size++;
    } else {
      this.#ring[this.#head] = ev;
      this.#head = (this.#head + 1) % this.capacity;
    }
    for (const l of this.#listeners) l(ev);
    return t;
  }

  subscribe(listener: (e: TraceEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The retained events, oldest first. */
  events(): TraceEvent[] {
    const out: TraceEvent[] = [];
    for (let i = 0; i < this.#size; i++) out.push(this.#ring[(this.#head + i) % this.capacity] as TraceEvent);
    return out;
  }

  clear(): void {
    this.#head = 0;
    this.#size = 0;
    this.#ring.length = 0;
  }
}
