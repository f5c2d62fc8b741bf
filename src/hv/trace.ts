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
    }
  | {
      /** A vlink state word changed (or a write was refused: `result` < 0). */
      readonly kind: 'vlink';
      readonly now: number;
      readonly vm: VmId;
      readonly vlink: number;
      readonly name: string;
      readonly link: number;
      readonly side: 'server' | 'client';
      readonly from: number;
      readonly to: number;
      /** Who wrote: the VM itself, or the hypervisor setting a stopping VM's ends OFF. */
      readonly by: 'guest' | 'hypervisor';
      readonly result: number;
    }
  | {
      readonly kind: 'xirq';
      readonly now: number;
      readonly op:
        'alloc' | 'trigger' | 'deliver' | 'pending' | 'drop' | 'attach' | 'detach' | 'mask' | 'unmask';
      /** The VM acted on (target of a trigger, owner of a handler). */
      readonly vm: VmId;
      readonly xirq: number;
      readonly from?: VmId;
      readonly result: number;
      readonly detail?: string;
    }
  | {
      readonly kind: 'pmem';
      readonly now: number;
      readonly op: 'alloc' | 'map' | 'unmap';
      readonly vm: VmId;
      readonly pa: number;
      readonly sizeBytes: number;
      readonly vlink?: number;
      readonly id?: number;
      /** alloc: the block's PA or 0; map/unmap: 0 or a negative errno. */
      readonly result: number;
      readonly found?: boolean;
    }
  | {
      /** A step of a VM's stop/start (semantics.md §6). */
      readonly kind: 'lifecycle';
      readonly now: number;
      readonly vm: VmId;
      readonly step:
        'stop' | 'crash' | 'wait' | 'revoke' | 'forced-revoke' | 'released' | 'start' | 'scrub' | 'sysconf';
      readonly importer?: VmId;
      /** forced-revoke / wait: the critical vlinks whose importer end is not OFF. */
      readonly vlinks?: readonly { readonly name: string; readonly link: number; readonly word: number }[];
      readonly detail?: string;
    }
  | {
      /** A guest-visible call of the DDI that is not a memory hypercall (those are 'hypercall'). */
      readonly kind: 'ddi';
      readonly now: number;
      readonly vm: VmId;
      readonly op: string;
      readonly result: number;
      readonly detail?: string;
    }
  | { readonly kind: 'guest'; readonly now: number; readonly vm: VmId; readonly msg: string };

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
