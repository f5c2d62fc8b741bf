/**
 * A refused guest memory access. Accessors return it (never throw, never
 * read silently).
 * - translation: no valid descriptor at `level` (level 0: IPA outside the
 *   configured IPA size).
 * - permission: a valid leaf at `level` whose S2AP (or XN, for 'exec')
 *   forbids the access.
 * - external: the translation succeeded but nothing backs the PA (a device
 *   window without a device model): a synchronous external abort.
 * - revoked: access through a MemView whose range was unmapped or
 *   downgraded since it was handed out, while the page is mapped again now
 *   (otherwise the fresh walk's own fault is reported).
 * - not-running: the VM is not RUNNING, so it executes nothing.
 */
import type { VmId } from './addr.js';

export type FaultKind = 'translation' | 'permission' | 'external' | 'revoked' | 'not-running';
export type AccessKind = 'read' | 'write' | 'exec';
export type AccessPath = 'cpu' | 'dma';

export interface HvFault {
  readonly fault: true;
  readonly kind: FaultKind;
  readonly level: number;
  readonly ipa: number;
  readonly access: AccessKind;
  readonly vm: VmId;
  readonly path: AccessPath;
}

export function isFault(v: unknown): v is HvFault {
  return typeof v === 'object' && v !== null && (v as { fault?: unknown }).fault === true;
}
