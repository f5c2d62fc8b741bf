/**
 * Guest software on the model: a factory per VM, called with a fresh Ddi
 * every time that VM becomes RUNNING (each boot is a new life: nothing of
 * the previous instance survives but what lives in pmem and in the
 * hypervisor's persistent pools).
 */
import type { VmId } from '../hv/addr.js';
import type { Hypervisor } from '../hv/hypervisor.js';
import { Ddi } from './ddi.js';

export type GuestFactory = (ddi: Ddi) => unknown;

export class GuestHost {
  readonly #factories = new Map<VmId, GuestFactory>();
  readonly #current = new Map<VmId, { ddi: Ddi; instance: unknown }>();
  /** Boots per VM (guest instances created). */
  readonly boots = new Map<VmId, number>();

  constructor(readonly hv: Hypervisor) {
    hv.onRunning((vm) => {
      const f = this.#factories.get(vm);
      if (!f) return;
      const ddi = new Ddi(hv, vm);
      this.boots.set(vm, (this.boots.get(vm) ?? 0) + 1);
      this.#current.set(vm, { ddi, instance: f(ddi) });
    });
  }

  /** Installs the software VM `vm` runs from its next boot on. */
  install(vm: VmId, factory: GuestFactory): void {
    this.#factories.set(vm, factory);
  }

  /** The instance of the VM's current life (undefined before its first boot). */
  instance<T>(vm: VmId): T | undefined {
    const c = this.#current.get(vm);
    return c && c.ddi.alive ? (c.instance as T) : undefined;
  }

  ddi(vm: VmId): Ddi | undefined {
    return this.#current.get(vm)?.ddi;
  }
}
