/** A two-VM platform with the vshm vlink, built in code, for the guest-layer tests. */
import type { HvConfig, Ipa, Pa, TraceEvent } from '../../src/hv/index.js';
import { Hypervisor } from '../../src/hv/index.js';
import { GuestHost } from '../../src/guest/host.js';
import { vshmGuest } from '../../src/guest/vshm.js';
import type {
  VshmExporter,
  VshmExporterOptions,
  VshmImporter,
  VshmImporterOptions,
} from '../../src/guest/vshm.js';

export const MiB = 1024 * 1024;
export const EXP = 1; // exporter, vlink server
export const IMP = 2; // importer, vlink client
export const EXP_RAM = 0x4000_0000;
export const IMP_RAM = 0x4800_0000;
export const PMEM = 0x8000_0000;
/** The exporter's buffer: the top 64 KiB of its 1 MiB of RAM. */
export const BUF = EXP_RAM + MiB - 0x10000;

export function pairConfig(extra: Partial<HvConfig> = {}): HvConfig {
  return {
    ramBanks: [
      { pa: EXP_RAM as Pa, sizeBytes: MiB },
      { pa: IMP_RAM as Pa, sizeBytes: MiB },
    ],
    invalidRegions: [],
    pmem: { pa: PMEM as Pa, sizeBytes: 64 * 1024 },
    vms: [
      {
        id: EXP,
        name: 'exporter',
        ram: [{ pa: EXP_RAM as Pa, ipa: EXP_RAM as Ipa, sizeBytes: MiB }],
        io: [],
        vmMemory: [],
      },
      {
        id: IMP,
        name: 'importer',
        ram: [{ pa: IMP_RAM as Pa, ipa: IMP_RAM as Ipa, sizeBytes: MiB }],
        io: [],
        vmMemory: [{ exporterId: EXP }],
      },
    ],
    vlinks: [
      {
        name: 'vshm',
        link: 0,
        serverId: EXP,
        clientId: IMP,
        serverInfo: 'vshm,64k',
        clientInfo: '',
        critical: true,
      },
    ],
    persistentXirqs: 8,
    ...extra,
  };
}

export interface Pair {
  hv: Hypervisor;
  host: GuestHost;
  events: TraceEvent[];
  exporter(): VshmExporter;
  importer(): VshmImporter;
  /** [server word, client word] of the vshm vlink. */
  words(): [number, number];
}

export function bootPair(
  opts: { exporter?: VshmExporterOptions; importer?: VshmImporterOptions; config?: Partial<HvConfig> } = {},
): Pair {
  const r = Hypervisor.boot(pairConfig(opts.config), { autoStart: false });
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  const hv = r.hv;
  const events: TraceEvent[] = [];
  hv.trace.subscribe((e) => events.push(e));
  const host = new GuestHost(hv);
  const g = vshmGuest({ exporter: opts.exporter, importer: opts.importer });
  host.install(EXP, g);
  host.install(IMP, g);
  hv.lifecycle.start(IMP);
  hv.lifecycle.start(EXP);
  const get = <T>(vm: number, k: 'exporter' | 'importer'): T => {
    const i = host.instance<Record<string, T>>(vm)?.[k];
    if (!i) throw new Error(`no ${k} running in VM ${vm}`);
    return i;
  };
  return {
    hv,
    host,
    events,
    exporter: () => get<VshmExporter>(EXP, 'exporter'),
    importer: () => get<VshmImporter>(IMP, 'importer'),
    words: () => [hv.vlinks.word(0, 'server'), hv.vlinks.word(0, 'client')],
  };
}

/** Index of the first event matching `pred` at or after `from`, or -1. */
export function findEvent(events: readonly TraceEvent[], pred: (e: TraceEvent) => boolean, from = 0): number {
  for (let i = from; i < events.length; i++) if (pred(events[i])) return i;
  return -1;
}

export function guestLines(events: readonly TraceEvent[], vm: number): string[] {
  return events.flatMap((e) => (e.kind === 'guest' && e.vm === vm ? [e.msg] : []));
}
