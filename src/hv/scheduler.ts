/**
 * The model's event loop: one thread, a virtual clock in milliseconds, and
 * a queue of tasks ordered by (due time, posting order). Nothing here uses
 * real timers, so every run of a scenario is the same run: tests assert
 * exact traces, and a timeout of 100 ms is 100 virtual milliseconds.
 *
 * Tasks belong to an owner (a VM id, or 0 for the hypervisor). When a VM
 * stops, `dropOwner` bumps its epoch and every task it still had queued is
 * skipped when it comes due: a VM that is not running executes nothing
 * (semantics.md §6).
 */
import type { VmId } from './addr.js';

export type TaskFn = () => void;

interface Task {
  readonly due: number;
  readonly seq: number;
  readonly owner: VmId;
  readonly epoch: number;
  readonly fn: TaskFn;
  cancelled: boolean;
}

/** A handle to cancel a posted task. */
export interface TaskHandle {
  cancel(): void;
}

export class Scheduler {
  /** Virtual time in milliseconds. */
  now = 0;
  /** Tasks run so far (for benchmarks and runaway detection). */
  ran = 0;
  readonly #heap: Task[] = [];
  #seq = 0;
  readonly #epochs: number[] = [];

  /** Runs `fn` for `owner` after `delayMs` (0: after everything already due now). */
  post(fn: TaskFn, delayMs = 0, owner: VmId = 0): TaskHandle {
    const t: Task = {
      due: this.now + Math.max(0, delayMs),
      seq: this.#seq++,
      owner,
      epoch: this.#epochs[owner] ?? 0,
      fn,
      cancelled: false,
    };
    this.#push(t);
    return {
      cancel: () => {
        t.cancelled = true;
      },
    };
  }

  /** Forgets every task `owner` has queued (its VM stopped). */
  dropOwner(owner: VmId): void {
    this.#epochs[owner] = (this.#epochs[owner] ?? 0) + 1;
  }

  epoch(owner: VmId): number {
    return this.#epochs[owner] ?? 0;
  }

  get pending(): number {
    return this.#heap.length;
  }

  /** Due time of the next task, or undefined when the queue is empty. */
  get nextDue(): number | undefined {
    return this.#heap[0]?.due;
  }

  /** Runs the next task (advancing the clock to its due time); false when the queue is empty. */
  step(): boolean {
    const t = this.#pop();
    if (!t) return false;
    if (t.due > this.now) this.now = t.due;
    if (t.cancelled || t.epoch !== (this.#epochs[t.owner] ?? 0)) return true;
    this.ran++;
    t.fn();
    return true;
  }

  /**
   * Runs every task due up to `untilMs` (default: until the queue is empty),
   * then sets the clock to `untilMs`. `maxSteps` guards against a scenario
   * that never goes quiet (two drivers ping-ponging forever).
   */
  run(untilMs = Infinity, maxSteps = 10_000_000): number {
    let n = 0;
    while (this.#heap.length > 0 && this.#heap[0].due <= untilMs) {
      if (n++ >= maxSteps)
        throw new RangeError(`scheduler: more than ${maxSteps} steps before ${untilMs} ms`);
      this.step();
    }
    if (untilMs !== Infinity && untilMs > this.now) this.now = untilMs;
    return n;
  }

  /** Runs for `ms` virtual milliseconds from now. */
  advance(ms: number): number {
    return this.run(this.now + ms);
  }

  /** Runs until `pred()` holds (checked after every task) or the clock passes `limitMs` from now; returns pred(). */
  runUntil(pred: () => boolean, limitMs = 10_000): boolean {
    const end = this.now + limitMs;
    while (!pred()) {
      const d = this.nextDue;
      if (d === undefined || d > end) return pred();
      this.step();
    }
    return true;
  }

  #less(a: Task, b: Task): boolean {
    return a.due < b.due || (a.due === b.due && a.seq < b.seq);
  }

  #push(t: Task): void {
    const h = this.#heap;
    h.push(t);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.#less(h[i], h[p])) break;
      [h[i], h[p]] = [h[p], h[i]];
      i = p;
    }
  }

  #pop(): Task | undefined {
    const h = this.#heap;
    if (h.length === 0) return undefined;
    const top = h[0];
    const last = h.pop() as Task;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.#less(h[l], h[m])) m = l;
        if (r < h.length && this.#less(h[r], h[m])) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m], h[i]];
        i = m;
      }
    }
    return top;
  }
}
