/**
 * Vlink descriptors (semantics.md §5): one per configured vlink, with one
 * state word per side — OFF 0, RESET 1, ON 2 — each written only by its
 * own side (and by the hypervisor, which sets a stopping VM's ends OFF).
 * The hypervisor only reads the words; it never polices how a guest moves
 * its own word (any of the three values may follow any other).
 *
 * A vlink's handle is its index in configuration order (the model's
 * stand-in for the descriptor's physical address in the real DDI).
 */
import type { VmId } from './addr.js';
import type { VlinkConfig } from './config.js';

export const VLINK_OFF = 0;
export const VLINK_RESET = 1;
export const VLINK_ON = 2;
export type VlinkWord = 0 | 1 | 2;
export const VLINK_WORD_NAMES = ['OFF', 'RESET', 'ON'] as const;

export type VlinkSide = 'server' | 'client';

export interface VlinkDesc extends VlinkConfig {
  /** Handle: index in configuration order. */
  readonly handle: number;
}

export class VlinkTable {
  readonly links: readonly VlinkDesc[];
  /** words[2h] = server word, words[2h + 1] = client word. */
  readonly #words: Uint8Array;
  readonly #byVm = new Map<VmId, number[]>();

  constructor(configs: readonly VlinkConfig[]) {
    this.links = configs.map((c, handle) => ({ ...c, handle }));
    this.#words = new Uint8Array(2 * configs.length);
    for (const l of this.links)
      for (const id of [l.serverId, l.clientId]) {
        let a = this.#byVm.get(id);
        if (!a) this.#byVm.set(id, (a = []));
        a.push(l.handle);
      }
  }

  get(handle: number): VlinkDesc | undefined {
    return Number.isInteger(handle) ? this.links[handle] : undefined;
  }

  /** Handles of the vlinks `vm` is an end of, in configuration order. */
  of(vm: VmId): readonly number[] {
    return this.#byVm.get(vm) ?? [];
  }

  sideOf(handle: number, vm: VmId): VlinkSide | undefined {
    const l = this.links[handle];
    if (!l) return undefined;
    return l.serverId === vm ? 'server' : l.clientId === vm ? 'client' : undefined;
  }

  peerOf(handle: number, vm: VmId): VmId | undefined {
    const side = this.sideOf(handle, vm);
    const l = this.links[handle];
    return side === undefined || !l ? undefined : side === 'server' ? l.clientId : l.serverId;
  }

  word(handle: number, side: VlinkSide): VlinkWord {
    return this.#words[2 * handle + (side === 'server' ? 0 : 1)] as VlinkWord;
  }

  /** Sets one side's word; returns the previous value. */
  set(handle: number, side: VlinkSide, w: VlinkWord): VlinkWord {
    const i = 2 * handle + (side === 'server' ? 0 : 1);
    const old = this.#words[i] as VlinkWord;
    this.#words[i] = w;
    return old;
  }

  /** The critical vlinks between `a` and `b` (either direction). */
  criticalBetween(a: VmId, b: VmId): VlinkDesc[] {
    return this.of(a)
      .map((h) => this.links[h])
      .filter(
        (l) =>
          l.critical && ((l.serverId === a && l.clientId === b) || (l.serverId === b && l.clientId === a)),
      );
  }
}
