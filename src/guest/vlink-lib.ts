/**
 * The vlink driver library (in the style of the public vlink library used
 * by the real drivers): a `Link` per vlink end runs the handshake table of
 * handshake.ts, writes its own state word, calls the driver's ops and
 * counts the sessions that use the link's shared resources; a
 * `VlinkDriver` owns every link of one name and the SYSCONF handler.
 *
 * Sessions: `enter()` succeeds only while the link is UP; `leave()` ends
 * it. An abort refuses new sessions and waits for the last user to leave
 * before STOP runs and OFF is written.
 */
import type { VmId } from '../hv/addr.js';
import { InvariantError } from '../util/assert.js';
import { XIRQ_SYSCONF } from '../hv/xirq.js';
import type { Ddi, VlinkRef } from './ddi.js';
import { HANDSHAKE, WORD_OF_STATE } from './handshake.js';
import type { LinkEvent, LinkOp, LinkState, PeerWord } from './handshake.js';

export interface LinkOps {
  reset?(link: Link): void;
  start?(link: Link): void;
  abort?(link: Link): void;
  stop?(link: Link): void;
  cleanup?(link: Link): void;
  /** Not an op of the table: a notification once the link is UP (both words ON). */
  up?(link: Link): void;
}

const PEER_WORD: readonly PeerWord[] = ['OFF', 'RESET', 'ON'];

export class Link {
  state: LinkState = 'CLEAN';
  users = 0;
  #closing = false;
  #busy = false;
  readonly #queue: LinkEvent[] = [];
  /** Every transition taken, for tests: `FROM -> TO (peer, event) [ops]`. */
  readonly history: string[] = [];

  constructor(
    readonly ddi: Ddi,
    readonly vl: VlinkRef,
    readonly ops: LinkOps,
  ) {}

  get peer(): VmId {
    return this.ddi.peerId(this.vl);
  }

  get peerWord(): PeerWord {
    return PEER_WORD[this.ddi.peerState(this.vl)];
  }

  get label(): string {
    return `${this.vl.name} link ${this.vl.link}`;
  }

  open(): void {
    this.#event('open');
  }

  close(): void {
    this.#closing = true;
    this.#event('close');
  }

  /** SYSCONF: re-read the peer's word. */
  sysconf(): void {
    this.#event('sysconf');
  }

  /** Starts a session; false unless the link is UP. */
  enter(): boolean {
    if (this.state !== 'UP') return false;
    this.users++;
    return true;
  }

  leave(): void {
    if (this.users <= 0) throw new InvariantError(`${this.label}: leave() without enter()`);
    this.users--;
    if (this.users === 0) this.#event('users-gone');
  }

  #event(ev: LinkEvent): void {
    this.#queue.push(ev);
    if (this.#busy) return; // an op called back into the link: handled after the current transition
    this.#busy = true;
    try {
      while (this.#queue.length > 0) this.#run(this.#queue.shift() as LinkEvent);
    } finally {
      this.#busy = false;
    }
  }

  #run(first: LinkEvent): void {
    let ev = first;
    for (let guard = 0; ; guard++) {
      if (guard > 16) throw new InvariantError(`${this.label}: handshake does not settle`);
      if (!this.ddi.alive) return; // this VM life is over: nothing runs
      const peer = this.peerWord;
      const tr = HANDSHAKE[this.state][peer][ev];
      if (tr.next === this.state && tr.ops.length === 0) return;
      const from = this.state;
      for (const op of tr.ops) this.#op(op);
      this.state = tr.next;
      const line = `${from} -> ${tr.next} (peer ${peer}, ${ev})${tr.ops.length ? ' [' + tr.ops.join(', ') + ']' : ''}`;
      this.history.push(line);
      this.ddi.log(`${this.label}: ${line}`);
      if (WORD_OF_STATE[tr.next] !== WORD_OF_STATE[from]) this.ddi.setState(this.vl, WORD_OF_STATE[tr.next]);
      if (tr.next === 'UP') this.ops.up?.(this);
      if (this.state === 'ABORTED' && this.users === 0) ev = 'users-gone';
      else if (this.state === 'STOPPED' && this.#closing) ev = 'close';
      else if (this.state === 'CLEAN') {
        this.#closing = false;
        return;
      } else ev = 'sysconf'; // the peer's word may already allow the next step
    }
  }

  #op(op: LinkOp): void {
    this.ops[op]?.(this);
  }
}

/** Every link named `name` this VM is an end of, and the SYSCONF handler that drives them. */
export class VlinkDriver {
  state: 'CLEAN' | 'STARTED' | 'STOPPED' = 'CLEAN';
  readonly links: Link[] = [];
  #handler = 0;

  constructor(
    readonly ddi: Ddi,
    readonly name: string,
    makeOps: (vl: VlinkRef, ddi: Ddi) => LinkOps,
    filter: (vl: VlinkRef) => boolean = () => true,
  ) {
    for (const vl of ddi.vlinks(name)) if (filter(vl)) this.links.push(new Link(ddi, vl, makeOps(vl, ddi)));
  }

  /** Attaches the SYSCONF handler and opens every link. 0 or the DDI's error. */
  start(): number {
    const h = this.ddi.xirqAttach(XIRQ_SYSCONF, () => {
      for (const l of this.links) l.sysconf();
    });
    if (h < 0) return h;
    this.#handler = h;
    this.state = 'STARTED';
    for (const l of this.links) l.open();
    return 0;
  }

  /** Closes every link (each waits for its users) and detaches. */
  stop(): void {
    for (const l of this.links) l.close();
    if (this.#handler > 0) this.ddi.xirqDetach(this.#handler);
    this.#handler = 0;
    this.state = 'STOPPED';
  }
}
