/**
 * Cross-interrupts (semantics.md §5). Xirq 0 is SYSCONF, the system
 * reconfiguration interrupt; persistent cross-interrupts are allocated from
 * a pool by label ⟨vlink, id⟩ — the same label always yields the same
 * numbers, whichever side asks first — and survive VM restarts.
 *
 * Per VM: handlers attached to an xirq (several, called in attach order),
 * a mask, and a pending bit for a masked xirq that fired (interrupts
 * coalesce while masked, as a level does). A trigger queues one delivery
 * task on the scheduler for the target VM, so deliveries to one VM happen
 * in trigger order. A VM that is not running receives nothing: its
 * handlers, masks and pending bits are dropped when it stops.
 */
import type { VmId } from './addr.js';
import type { Scheduler } from './scheduler.js';
import type { Trace } from './trace.js';

export const XIRQ_SYSCONF = 0;
/** First persistent xirq number (0..31 are the fixed ones: SYSCONF and reserved). */
export const XIRQ_FIRST_PERSISTENT = 32;

export type XirqHandler = (xirq: number) => void;

interface VmXirqs {
  readonly handlers: Map<number, { id: number; fn: XirqHandler }[]>;
  readonly masked: Set<number>;
  readonly pending: Set<number>;
}

export interface XirqBlock {
  readonly vlink: number;
  readonly id: number;
  readonly base: number;
  readonly count: number;
}

export class XirqController {
  readonly #vms = new Map<VmId, VmXirqs>();
  readonly #labels = new Map<string, XirqBlock>();
  #next = XIRQ_FIRST_PERSISTENT;
  #handlerId = 1;
  /** Deliveries that ran handlers (benchmarks). */
  delivered = 0;

  constructor(
    readonly capacity: number,
    private readonly sched: Scheduler,
    private readonly trace: Trace,
    private readonly running: (vm: VmId) => boolean,
  ) {}

  #of(vm: VmId): VmXirqs {
    let x = this.#vms.get(vm);
    if (!x) this.#vms.set(vm, (x = { handlers: new Map(), masked: new Set(), pending: new Set() }));
    return x;
  }

  /** Persistent xirqs labelled ⟨vlink, id⟩: the first number of `count`, or 0 when the pool is exhausted. */
  alloc(vlink: number, id: number, count: number): { base: number; found: boolean } {
    const key = `${vlink}/${id}`;
    const b = this.#labels.get(key);
    if (b) return { base: count <= b.count ? b.base : 0, found: true };
    if (!Number.isInteger(count) || count < 1 || this.#next + count > XIRQ_FIRST_PERSISTENT + this.capacity)
      return { base: 0, found: false };
    const base = this.#next;
    this.#next += count;
    this.#labels.set(key, { vlink, id, base, count });
    return { base, found: false };
  }

  blocks(): XirqBlock[] {
    return [...this.#labels.values()];
  }

  /** True for SYSCONF and for allocated persistent xirqs. */
  valid(xirq: number): boolean {
    return (
      Number.isInteger(xirq) &&
      (xirq === XIRQ_SYSCONF || (xirq >= XIRQ_FIRST_PERSISTENT && xirq < this.#next))
    );
  }

  attach(vm: VmId, xirq: number, fn: XirqHandler): number {
    const x = this.#of(vm);
    let list = x.handlers.get(xirq);
    if (!list) x.handlers.set(xirq, (list = []));
    const id = this.#handlerId++;
    list.push({ id, fn });
    return id;
  }

  /** Removes a handler by the id attach returned; false when it is not attached. */
  detach(vm: VmId, handlerId: number): boolean {
    const x = this.#vms.get(vm);
    if (!x) return false;
    for (const [irq, list] of x.handlers) {
      const i = list.findIndex((h) => h.id === handlerId);
      if (i >= 0) {
        list.splice(i, 1);
        if (list.length === 0) x.handlers.delete(irq);
        return true;
      }
    }
    return false;
  }

  mask(vm: VmId, xirq: number): void {
    this.#of(vm).masked.add(xirq);
  }

  /** Unmasks; a delivery that arrived while masked is queued now. */
  unmask(vm: VmId, xirq: number): void {
    const x = this.#of(vm);
    x.masked.delete(xirq);
    if (x.pending.delete(xirq)) this.sched.post(() => this.#deliver(vm, xirq, 0), 0, vm);
  }

  /** Queues a delivery of `xirq` to `target` (dropped when the target is not running). */
  trigger(from: VmId, xirq: number, target: VmId): void {
    const tr = this.trace;
    if (!this.running(target)) {
      if (tr.enabled)
        tr.emit({
          kind: 'xirq',
          now: this.sched.now,
          op: 'drop',
          vm: target,
          xirq,
          from,
          result: 0,
          detail: 'target not running',
        });
      return;
    }
    if (tr.enabled)
      tr.emit({ kind: 'xirq', now: this.sched.now, op: 'trigger', vm: target, xirq, from, result: 0 });
    this.sched.post(() => this.#deliver(target, xirq, from), 0, target);
  }

  #deliver(vm: VmId, xirq: number, from: VmId): void {
    const x = this.#of(vm);
    const tr = this.trace;
    if (x.masked.has(xirq)) {
      x.pending.add(xirq);
      if (tr.enabled)
        tr.emit({ kind: 'xirq', now: this.sched.now, op: 'pending', vm, xirq, from, result: 0 });
      return;
    }
    const list = x.handlers.get(xirq);
    if (tr.enabled)
      tr.emit({
        kind: 'xirq',
        now: this.sched.now,
        op: 'deliver',
        vm,
        xirq,
        from,
        result: 0,
        detail: `${list?.length ?? 0} handler(s)`,
      });
    if (!list) return;
    this.delivered++;
    // A handler may detach itself or attach others: iterate over the list as it was.
    for (const h of [...list]) h.fn(xirq);
  }

  /** The VM stopped: its handlers, masks and pending deliveries are gone (its queued tasks are dropped by the scheduler). */
  dropVm(vm: VmId): void {
    this.#vms.delete(vm);
  }
}
