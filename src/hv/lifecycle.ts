/**
 * VM stop, crash and restart with the coordinated revocation of
 * semantics.md §6, on the model's virtual clock.
 *
 * Stop (or crash: a stop the guest did not ask for):
 * 1. `beginStop`: RUNNING → STOPPING. The VM executes nothing (its
 *    hypercalls fail -ESRCH), every grant *to* it is dropped at once, its
 *    vlink ends go OFF (SYSCONF to each peer) and every running VM gets
 *    SYSCONF.
 * 2. For each importer holding the VM's grants: as soon as every critical
 *    vlink between the two has the importer's end OFF (the importer's
 *    drivers drained), that importer's grants are revoked — each importer
 *    independently, re-checked on every vlink word change.
 * 3. When the timeout (default 100 ms) elapses first, the remaining
 *    importers' grants are revoked by force; the event names every vlink
 *    (name, link number, word) that did not go OFF.
 * 4. Once no importer holds its grants: `finishStop` (STOPPING → OFF), the
 *    memory is released; a restart boots it again (its RAM is zeroed then).
 */
import type { VmId } from './addr.js';
import { EINVAL, ESRCH } from './hypercall-rules.js';
import type { Hypervisor } from './hypervisor.js';
import type { TaskHandle } from './scheduler.js';
import { VLINK_OFF } from './vlink.js';

export interface StopOptions {
  /** 'crash': the guest did not ask (traced as such); default 'stop'. */
  readonly cause?: 'stop' | 'crash';
  /** Boot the VM again once it is OFF. */
  readonly restart?: boolean;
}

interface PendingStop {
  readonly exporter: VmId;
  readonly waiting: Set<VmId>;
  readonly restart: boolean;
  readonly since: number;
  timer: TaskHandle | undefined;
}

export class Lifecycle {
  readonly #pending = new Map<VmId, PendingStop>();
  #rechecking = false;

  constructor(
    private readonly hv: Hypervisor,
    /** Virtual milliseconds an exporter's stop waits for critical vlinks before forcing revocation. */
    public timeoutMs: number,
  ) {}

  #emit(
    vm: VmId,
    step: 'stop' | 'crash' | 'wait' | 'revoke' | 'forced-revoke' | 'released' | 'start',
    extra: { importer?: VmId; vlinks?: { name: string; link: number; word: number }[]; detail?: string } = {},
  ): void {
    const tr = this.hv.trace;
    if (tr.enabled) tr.emit({ kind: 'lifecycle', now: this.hv.sched.now, vm, step, ...extra });
  }

  /** OFF → RUNNING (the RAM of a VM that ran before is zeroed). 0, -ESRCH, -EINVAL. */
  start(id: VmId): number {
    const rc = this.hv.startVm(id);
    if (rc === 0) this.#emit(id, 'start');
    return rc;
  }

  /** Exporters whose stop is still waiting for importers. */
  get waitingExporters(): VmId[] {
    return [...this.#pending.keys()];
  }

  /** Importers an exporter's pending stop still waits for. */
  waitingFor(exporter: VmId): VmId[] {
    return [...(this.#pending.get(exporter)?.waiting ?? [])].sort((a, b) => a - b);
  }

  /**
   * Stops a RUNNING VM (see the file comment). Returns 0 once the stop has
   * begun (the VM is STOPPING, or already OFF when nothing had to wait),
   * -ESRCH for an unknown VM, -EINVAL when it is not running.
   */
  stop(id: VmId, opts: StopOptions = {}): number {
    const state = this.hv.state(id);
    if (state === undefined) return ESRCH;
    if (state !== 'RUNNING' && state !== 'BOOTING') return EINVAL;
    this.#emit(id, opts.cause === 'crash' ? 'crash' : 'stop', {
      detail: opts.restart ? 'restart requested' : undefined,
    });
    const rc = this.hv.beginStop(id);
    if (rc !== 0) return rc;
    const p: PendingStop = {
      exporter: id,
      waiting: new Set(this.hv.grants.importersOf(id)),
      restart: opts.restart ?? false,
      since: this.hv.sched.now,
      timer: undefined,
    };
    this.#pending.set(id, p);
    this.#check(p, true);
    if (this.#pending.has(id)) p.timer = this.hv.sched.post(() => this.#timeout(id), this.timeoutMs, 0);
    return 0;
  }

  crash(id: VmId, restart = false): number {
    return this.stop(id, { cause: 'crash', restart });
  }

  restart(id: VmId): number {
    return this.stop(id, { restart: true });
  }

  /** The critical vlinks between exporter and importer whose importer end is not OFF. */
  blockingVlinks(exporter: VmId, importer: VmId): { name: string; link: number; word: number }[] {
    const vl = this.hv.vlinks;
    const out: { name: string; link: number; word: number }[] = [];
    for (const l of vl.criticalBetween(exporter, importer)) {
      const side = vl.sideOf(l.handle, importer);
      if (!side) continue;
      const w = vl.word(l.handle, side);
      if (w !== VLINK_OFF) out.push({ name: l.name, link: l.link, word: w });
    }
    return out;
  }

  /** Called by the hypervisor after every vlink word change: pending stops may proceed. */
  _vlinkChanged(): void {
    if (this.#rechecking || this.#pending.size === 0) return;
    this.#rechecking = true;
    try {
      for (const p of [...this.#pending.values()]) this.#check(p, false);
    } finally {
      this.#rechecking = false;
    }
  }

  #check(p: PendingStop, first: boolean): void {
    for (const imp of [...p.waiting].sort((a, b) => a - b)) {
      if (!this.hv.grants.importersOf(p.exporter).includes(imp)) {
        // The importer stopped meanwhile: its records went with it.
        p.waiting.delete(imp);
        this.#emit(p.exporter, 'revoke', {
          importer: imp,
          detail: 'importer stopped: nothing left to revoke',
        });
        continue;
      }
      const blocking = this.blockingVlinks(p.exporter, imp);
      if (blocking.length === 0) {
        p.waiting.delete(imp);
        this.hv.revokeGrants((e, i) => e === p.exporter && i === imp, 'exporter-stop');
        this.#emit(p.exporter, 'revoke', {
          importer: imp,
          detail: `critical vlinks OFF on VM${imp}'s side after ${this.hv.sched.now - p.since} ms`,
        });
      } else if (first)
        this.#emit(p.exporter, 'wait', {
          importer: imp,
          vlinks: blocking,
          detail: `timeout ${this.timeoutMs} ms`,
        });
    }
    if (p.waiting.size === 0) this.#finish(p);
  }

  #timeout(exporter: VmId): void {
    const p = this.#pending.get(exporter);
    if (!p) return;
    for (const imp of [...p.waiting].sort((a, b) => a - b)) {
      p.waiting.delete(imp);
      const blocking = this.blockingVlinks(exporter, imp);
      this.hv.revokeGrants((e, i) => e === exporter && i === imp, 'forced-revocation');
      this.#emit(exporter, 'forced-revoke', {
        importer: imp,
        vlinks: blocking,
        detail: `timeout ${this.timeoutMs} ms: ${blocking.map((b) => `"${b.name}" link ${b.link}`).join(', ') || 'no critical vlink'} not OFF`,
      });
    }
    this.#finish(p);
  }

  #finish(p: PendingStop): void {
    this.#pending.delete(p.exporter);
    p.timer?.cancel();
    this.hv.finishStop(p.exporter);
    this.#emit(p.exporter, 'released', { detail: 'all grants revoked; memory released' });
    if (p.restart) this.start(p.exporter);
  }
}
