/**
 * A small RPC over a vlink: one caller end, one responder end, one
 * request in flight. The shared state lives in the pmem block labelled
 * ⟨vlink, RPC_PMEM_ID⟩ (so it survives restarts and either side may create
 * it); the notifications are the two persistent xirqs labelled
 * ⟨vlink, RPC_XIRQ_ID⟩: base + 0 is handled by the server VM, base + 1 by
 * the client VM.
 *
 * Layout (little-endian 32-bit words): 0 request sequence, 4 ack sequence,
 * 8 payload size, 12 reply status (signed), 16.. payload (requests and
 * replies share it). The caller bumps `req` and notifies; the responder
 * answers by setting `ack = req` and notifying back. A call needs the link
 * UP and holds a session until it completes; when the link drops the call
 * completes with -EAGAIN (its session ends, so the abort can finish).
 */
import type { HvFault } from '../hv/fault.js';
import { isFault } from '../hv/fault.js';
import type { Mapping } from './ddi.js';
import type { Link } from './vlink-lib.js';

export const EAGAIN = -11;
export const EBUSY = -16;
export const EFAULT = -14;
export const EMSGSIZE = -90;

export const RPC_PMEM_ID = 0;
export const RPC_XIRQ_ID = 0;
export const RPC_BLOCK_BYTES = 4096;
const REQ = 0;
const ACK = 4;
const SIZE = 8;
const STATUS = 12;
const DATA = 16;
export const RPC_MAX_PAYLOAD = RPC_BLOCK_BYTES - DATA;

export type RpcReply = (status: number, payload?: Uint8Array) => void;
export type RpcHandler = (request: Uint8Array, reply: RpcReply) => void;

function num(v: number | HvFault): number {
  return isFault(v) ? -1 : v;
}

export class RpcEndpoint {
  #mem: Mapping | undefined;
  #xirqBase = 0;
  #handler = 0;
  #pending: { seq: number; cb: (status: number, payload: Uint8Array) => void } | undefined;
  /** Bumped at every abort: a reply prepared for an older session is dropped. */
  #generation = 0;
  #inFlight = false;
  calls = 0;

  constructor(
    readonly link: Link,
    readonly role: 'caller' | 'responder',
    private readonly handler?: RpcHandler,
  ) {}

  get #side(): 0 | 1 {
    return this.link.ddi.side(this.link.vl) === 'server' ? 0 : 1;
  }

  /** PA of the shared block (0 before setup). */
  get blockPa(): number {
    return this.#mem?.pa ?? 0;
  }

  get xirqBase(): number {
    return this.#xirqBase;
  }

  /** Allocates (or finds) the pmem block and xirqs, maps the block, attaches the handler. Idempotent. 0 or an error. */
  setup(): number {
    if (this.#mem) return 0;
    const ddi = this.link.ddi;
    const pa = ddi.pmemAlloc(this.link.vl, RPC_PMEM_ID, RPC_BLOCK_BYTES);
    if (pa <= 0) return pa === 0 ? -12 : pa;
    const m = ddi.memMap(pa, RPC_BLOCK_BYTES);
    if (typeof m === 'number') return m;
    const base = ddi.pxirqAlloc(this.link.vl, RPC_XIRQ_ID, 2);
    if (base <= 0) return base === 0 ? -12 : base;
    const h = ddi.xirqAttach(base + this.#side, () => this.#interrupt());
    if (h < 0) return h;
    this.#mem = m;
    this.#xirqBase = base;
    this.#handler = h;
    return 0;
  }

  /** Frees what setup took (the pmem block itself persists). */
  teardown(): void {
    const ddi = this.link.ddi;
    if (this.#handler > 0) ddi.xirqDetach(this.#handler);
    if (this.#mem) ddi.memUnmap(this.#mem);
    this.#mem = undefined;
    this.#handler = 0;
  }

  /** Link start: the responder forgets a request left over from a previous session. */
  start(): void {
    const m = this.#mem;
    if (this.role === 'responder' && m) m.store32(ACK, num(m.load32(REQ)));
  }

  /**
   * Link abort: a pending call fails with -EAGAIN (its session ends); a
   * request being handled keeps its session until the handler answers, and
   * that answer is dropped.
   */
  abort(): void {
    this.#generation++;
    const p = this.#pending;
    if (p) {
      this.#pending = undefined;
      this.link.leave();
      p.cb(EAGAIN, new Uint8Array(0));
    }
  }

  #notifyPeer(): void {
    this.link.ddi.xirqTrigger(this.#xirqBase + (1 - this.#side), this.link.peer);
  }

  /**
   * Sends `payload`; `cb(status, reply)` runs when the responder answers or
   * with -EAGAIN when the link drops first. Returns 0, or -EAGAIN (link
   * not UP), -EBUSY (a call in flight), -EMSGSIZE, -EFAULT.
   */
  call(payload: Uint8Array, cb: (status: number, reply: Uint8Array) => void): number {
    const m = this.#mem;
    if (this.role !== 'caller' || !m) return EAGAIN;
    if (payload.length > RPC_MAX_PAYLOAD) return EMSGSIZE;
    if (this.#pending) return EBUSY;
    if (!this.link.enter()) return EAGAIN;
    const seq = (num(m.load32(REQ)) + 1) >>> 0;
    if (m.write(DATA, payload) || m.store32(SIZE, payload.length) || m.store32(REQ, seq)) {
      this.link.leave();
      return EFAULT;
    }
    this.#pending = { seq, cb };
    this.calls++;
    this.#notifyPeer();
    return 0;
  }

  #interrupt(): void {
    const m = this.#mem;
    if (!m) return;
    if (this.role === 'caller') {
      const p = this.#pending;
      if (!p || num(m.load32(ACK)) !== p.seq) return;
      this.#pending = undefined;
      const size = Math.min(num(m.load32(SIZE)), RPC_MAX_PAYLOAD);
      const reply = new Uint8Array(Math.max(0, size));
      m.read(DATA, reply);
      const status = num(m.load32(STATUS)) | 0;
      this.link.leave();
      p.cb(status, reply);
      return;
    }
    const req = num(m.load32(REQ));
    if (this.#inFlight || req === num(m.load32(ACK))) return;
    if (!this.link.enter()) return; // not UP: the request is stale or the link is going down
    this.#inFlight = true;
    const size = Math.min(num(m.load32(SIZE)), RPC_MAX_PAYLOAD);
    const request = new Uint8Array(Math.max(0, size));
    m.read(DATA, request);
    const gen = this.#generation;
    let done = false;
    (this.handler as RpcHandler)(request, (status, payload = new Uint8Array(0)) => {
      if (done) return;
      done = true;
      this.#inFlight = false;
      if (gen !== this.#generation) {
        // Aborted meanwhile: the answer goes nowhere, but the session the handler held ends only now.
        this.link.leave();
        return;
      }
      m.write(DATA, payload.subarray(0, RPC_MAX_PAYLOAD));
      m.store32(SIZE, Math.min(payload.length, RPC_MAX_PAYLOAD));
      m.store32(STATUS, status >>> 0);
      m.store32(ACK, req);
      this.link.leave();
      this.#notifyPeer();
    });
  }
}
