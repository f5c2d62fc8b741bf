/**
 * The reference `vshm` drivers: an exporter (the vlink's server) shares a
 * buffer of its own RAM with the importer (the client) by page granting,
 * and tells it over the RPC where the buffer is.
 *
 * Exporter, on every link UP: grants the buffer's pages (in chunks of
 * `chunkPages` pages, one hypercall per chunk, `chunkDelayMs` apart: a
 * multi-page grant that a restart can interrupt), then calls GRANT(addr,
 * size, flags). On abort the pending call fails -EAGAIN; STOP denies what
 * was granted. It counts its lives in a pmem block (label ⟨vlink, 1⟩) that
 * survives its restarts.
 *
 * Importer, on GRANT: verifies, maps, answers; then a user of the buffer
 * comes every `periodMs`, writes and reads it back inside a session lasting
 * `workMs`. On abort it drains (waits for the session to end), STOP unmaps
 * the buffer, and only then OFF is written. `holdForever` makes a user that
 * never leaves (the importer that never lets go).
 */
import type { VmId } from '../hv/addr.js';
import { isFault } from '../hv/fault.js';
import { ERRNO_NAMES, VM_MEM_CPU, VM_MEM_READ, VM_MEM_WRITE } from '../hv/hypercall-rules.js';
import type { Ddi, Mapping, VlinkRef } from './ddi.js';
import { RpcEndpoint } from './rpc.js';
import type { RpcReply } from './rpc.js';
import type { Link } from './vlink-lib.js';
import { VlinkDriver } from './vlink-lib.js';

export const VSHM_NAME = 'vshm';
export const VSHM_OP_GRANT = 1;
export const VSHM_FLAGS = VM_MEM_READ | VM_MEM_WRITE | VM_MEM_CPU;
/** pmem id of the exporter's life counter (id 0 is the RPC block). */
export const VSHM_LIVES_ID = 1;

export function errnoName(rc: number): string {
  return rc === 0 ? '0' : `${rc} (${ERRNO_NAMES[rc] ?? (rc === -11 ? 'EAGAIN' : 'errno')})`;
}

export function hex(v: number): string {
  return '0x' + v.toString(16);
}

/** Buffer size from an info string like "vshm,64k" (default 64 KiB). */
export function vshmSize(info: string): number {
  const m = /,(\d+)([kKmM]?)$/.exec(info);
  if (!m) return 64 * 1024;
  const n = Number(m[1]);
  return m[2] === '' ? n : /[kK]/.test(m[2]) ? n * 1024 : n * 1024 * 1024;
}

function u32le(words: readonly number[]): Uint8Array {
  const b = new Uint8Array(4 * words.length);
  const dv = new DataView(b.buffer);
  words.forEach((w, i) => dv.setUint32(4 * i, w >>> 0, true));
  return b;
}

function readWords(b: Uint8Array): number[] {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out: number[] = [];
  for (let i = 0; i + 4 <= b.length; i += 4) out.push(dv.getUint32(i, true));
  return out;
}

export interface VshmExporterOptions {
  /** Pages per grant hypercall (default: the whole buffer in one call). */
  readonly chunkPages?: number;
  /** Virtual ms between two grant hypercalls of one share. */
  readonly chunkDelayMs?: number;
}

export class VshmExporter {
  readonly driver: VlinkDriver;
  rpc: RpcEndpoint | undefined;
  bufPa = 0;
  bufSize = 0;
  /** Chunks granted in the current session. */
  granted: { addr: number; size: number }[] = [];
  shared = false;
  lives = 0;
  #gen = 0;

  constructor(
    readonly ddi: Ddi,
    readonly opts: VshmExporterOptions = {},
  ) {
    this.driver = new VlinkDriver(
      ddi,
      VSHM_NAME,
      (vl) => this.#ops(vl),
      (vl) => ddi.side(vl) === 'server',
    );
    const vl = this.driver.links[0]?.vl;
    if (!vl) return;
    this.bufSize = vshmSize(ddi.ownInfo(vl));
    const ram = ddi.ram()[0];
    // The driver's buffer: the top of the VM's first RAM range (the guest's own allocator, simplified).
    this.bufPa = ram.pa + ram.sizeBytes - this.bufSize;
    const livesPa = ddi.pmemAlloc(vl, VSHM_LIVES_ID, 4096);
    if (livesPa > 0) {
      const m = ddi.memMap(livesPa, 4096);
      if (typeof m !== 'number') {
        const v = m.load32(0);
        this.lives = (isFault(v) ? 0 : v) + 1;
        m.store32(0, this.lives);
        ddi.memUnmap(m);
      }
    }
    ddi.log(
      `vshm exporter: life ${this.lives}, buffer ${hex(this.bufPa)}+${hex(this.bufSize)}, peer VM${ddi.peerId(vl)}`,
    );
    this.driver.start();
  }

  #ops(vl: VlinkRef) {
    const ddi = this.ddi;
    return {
      reset: (link: Link) => {
        this.rpc ??= new RpcEndpoint(link, 'caller');
        const rc = this.rpc.setup();
        if (rc !== 0) ddi.log(`vshm exporter: rpc setup failed ${errnoName(rc)}`);
      },
      up: (link: Link) => this.#share(link, vl),
      abort: () => {
        this.#gen++;
        this.rpc?.abort();
      },
      stop: (link: Link) => this.#denyAll(link),
      cleanup: () => this.rpc?.teardown(),
    };
  }

  #share(link: Link, vl: VlinkRef): void {
    if (!link.enter()) return;
    const ddi = this.ddi;
    const gen = ++this.#gen;
    const peer = ddi.peerId(vl);
    // Something the importer can recognise: the first word of every page names this life.
    const own = ddi.memMap(this.bufPa, this.bufSize);
    if (typeof own !== 'number') {
      for (let off = 0; off < this.bufSize; off += 4096) own.store32(off, 0x56534800 + this.lives);
      ddi.memUnmap(own);
    }
    const per = (this.opts.chunkPages ?? this.bufSize / 4096) * 4096;
    const chunks: { addr: number; size: number }[] = [];
    for (let a = 0; a < this.bufSize; a += per)
      chunks.push({ addr: this.bufPa + a, size: Math.min(per, this.bufSize - a) });
    const step = (i: number): void => {
      if (gen !== this.#gen || link.state !== 'UP') {
        ddi.log(`vshm exporter: share interrupted after ${i}/${chunks.length} grant calls`);
        link.leave();
        return;
      }
      if (i === chunks.length) {
        this.#send(link, peer);
        link.leave();
        return;
      }
      const c = chunks[i];
      const rc = ddi.grant(peer, VSHM_FLAGS, [c]);
      ddi.log(`vshm exporter: grant(VM${peer}, RW|CPU, ${hex(c.addr)}+${hex(c.size)}) = ${errnoName(rc)}`);
      if (rc !== 0) {
        link.leave();
        return;
      }
      this.granted.push(c);
      if (this.opts.chunkDelayMs) ddi.timer(this.opts.chunkDelayMs, () => step(i + 1));
      else step(i + 1);
    };
    step(0);
  }

  #send(link: Link, peer: VmId): void {
    const ddi = this.ddi;
    const rpc = this.rpc;
    if (!rpc) return;
    const rc = rpc.call(
      u32le([
        VSHM_OP_GRANT,
        this.bufPa % 2 ** 32,
        Math.floor(this.bufPa / 2 ** 32),
        this.bufSize,
        VSHM_FLAGS,
      ]),
      (status) => {
        ddi.log(
          `vshm exporter: GRANT(${hex(this.bufPa)}, ${hex(this.bufSize)}, RW|CPU) answered ${errnoName(status)}`,
        );
        if (status === 0) this.shared = true;
      },
    );
    ddi.log(`vshm exporter: rpc call GRANT to VM${peer} = ${errnoName(rc)} (${link.label})`);
  }

  #denyAll(link: Link): void {
    const ddi = this.ddi;
    for (const c of this.granted) {
      const rc = ddi.deny(link.peer, VSHM_FLAGS, [c]);
      ddi.log(`vshm exporter: deny(VM${link.peer}, ${hex(c.addr)}+${hex(c.size)}) = ${errnoName(rc)}`);
    }
    this.granted = [];
    this.shared = false;
  }
}

export interface VshmImporterOptions {
  /** How long one use of the buffer lasts (a session), virtual ms. */
  readonly workMs?: number;
  /** Time between uses, virtual ms. */
  readonly periodMs?: number;
  /** Uses per shared buffer before the user stops coming (default unlimited). */
  readonly uses?: number;
  /** A user that enters once the buffer is mapped and never leaves. */
  readonly holdForever?: boolean;
  /** Delay before answering GRANT (a window for a crash during the call). */
  readonly replyDelayMs?: number;
}

export class VshmImporter {
  readonly driver: VlinkDriver;
  rpc: RpcEndpoint | undefined;
  mapping: Mapping | undefined;
  /** Words read back from the buffer by the last use (first word of its first page). */
  lastRead = 0;
  uses = 0;
  faults = 0;
  #gen = 0;
  #sessionUses = 0;

  constructor(
    readonly ddi: Ddi,
    readonly opts: VshmImporterOptions = {},
  ) {
    this.driver = new VlinkDriver(
      ddi,
      VSHM_NAME,
      (vl) => this.#ops(vl),
      (vl) => ddi.side(vl) === 'client',
    );
    ddi.log(`vshm importer: up, ${this.driver.links.length} vlink(s)`);
    this.driver.start();
  }

  #ops(_vl: VlinkRef) {
    const ddi = this.ddi;
    return {
      reset: (link: Link) => {
        this.rpc ??= new RpcEndpoint(link, 'responder', (req, reply) => this.#onRequest(link, req, reply));
        const rc = this.rpc.setup();
        if (rc !== 0) ddi.log(`vshm importer: rpc setup failed ${errnoName(rc)}`);
      },
      start: () => this.rpc?.start(),
      abort: (link: Link) => {
        this.#gen++;
        this.rpc?.abort();
        ddi.log(`vshm importer: abort, draining ${link.users} user(s) of the buffer`);
      },
      stop: () => {
        if (this.mapping) {
          const m = this.mapping;
          this.mapping = undefined;
          ddi.log(`vshm importer: unmap ${hex(m.pa)}+${hex(m.sizeBytes)} = ${errnoName(ddi.memUnmap(m))}`);
        }
      },
      cleanup: () => this.rpc?.teardown(),
    };
  }

  #onRequest(link: Link, req: Uint8Array, reply: RpcReply): void {
    const ddi = this.ddi;
    const [op, lo, hi, size] = readWords(req);
    if (op !== VSHM_OP_GRANT) {
      reply(-22);
      return;
    }
    const addr = hi * 2 ** 32 + lo;
    const answer = (): void => {
      const rc = ddi.verify(link.peer, [{ addr, size }]);
      ddi.log(`vshm importer: verify(VM${link.peer}, ${hex(addr)}+${hex(size)}) = ${errnoName(rc)}`);
      if (rc !== 0) {
        reply(rc);
        return;
      }
      const m = ddi.memMap(addr, size);
      if (typeof m === 'number') {
        reply(m);
        return;
      }
      this.mapping = m;
      this.#sessionUses = 0;
      reply(0);
      this.#use(link, this.#gen);
    };
    if (this.opts.replyDelayMs) ddi.timer(this.opts.replyDelayMs, answer);
    else answer();
  }

  /** One use of the shared buffer: write a pattern, read it back, inside a session. */
  #use(link: Link, gen: number): void {
    const ddi = this.ddi;
    const m = this.mapping;
    if (gen !== this.#gen || !m) return;
    if (this.opts.uses !== undefined && this.#sessionUses >= this.opts.uses) return;
    if (!link.enter()) return;
    this.uses++;
    this.#sessionUses++;
    const first = m.load32(0);
    const pattern = 0x494d5000 + this.uses;
    const w = m.store32(4, pattern);
    const back = m.load32(4);
    if (isFault(first) || w || isFault(back)) {
      this.faults++;
      ddi.log(`vshm importer: access to the buffer faulted`);
    } else {
      this.lastRead = first;
      ddi.log(
        `vshm importer: use ${this.uses}: read ${hex(first)}, wrote ${hex(pattern)}, read back ${hex(back)}`,
      );
    }
    if (this.opts.holdForever) return; // never leaves: the link can never finish its abort
    ddi.timer(this.opts.workMs ?? 2, () => {
      link.leave();
      ddi.timer(this.opts.periodMs ?? 10, () => this.#use(link, gen));
    });
  }
}

/** A guest factory running the vshm exporter on every server end and the importer on every client end. */
export function vshmGuest(opts: { exporter?: VshmExporterOptions; importer?: VshmImporterOptions } = {}) {
  return (ddi: Ddi): { exporter?: VshmExporter; importer?: VshmImporter } => {
    const out: { exporter?: VshmExporter; importer?: VshmImporter } = {};
    const sides = [...ddi.vlinks(VSHM_NAME)].map((vl) => ddi.side(vl));
    if (sides.includes('server')) out.exporter = new VshmExporter(ddi, opts.exporter);
    if (sides.includes('client')) out.importer = new VshmImporter(ddi, opts.importer);
    return out;
  };
}
