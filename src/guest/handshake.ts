/**
 * The vlink handshake as one literal table (semantics.md §5, in the style
 * of the public vlink driver library): for every driver-side link state,
 * every peer state word and every event, the next state and the ops the
 * driver runs on the way. The engine (vlink-lib.ts) writes the state
 * word of the next state *after* the ops have run, so OFF is written only
 * once STOP is done: "OFF means this side is done with the shared memory".
 *
 * States and the word each one shows the peer:
 * - CLEAN    OFF    link not opened (no resources)
 * - STOPPED  OFF    opened, idle, waiting to reset
 * - RESET    RESET  reset done, waiting for the peer to leave OFF
 * - STARTED  ON     started, waiting for the peer's ON
 * - UP       ON     both sides ON: sessions may enter
 * - ABORTED  ON     the peer left: sessions aborted, waiting for every user to leave
 *
 * Rules the table encodes: OFF → RESET only when the peer is not ON (a peer
 * still ON belongs to an old session and must drain first); RESET → ON only
 * when the peer is not OFF; up when both are ON; an ON side whose peer goes
 * OFF (or shows RESET: it restarted behind our back) aborts, waits for its
 * users, stops and only then writes OFF.
 *
 * Events: `open` (the driver enables the link), `sysconf` (a SYSCONF
 * cross-interrupt: re-read the peer's word), `users-gone` (the last session
 * user left), `close` (the driver shuts the link down).
 */
export type LinkState = 'CLEAN' | 'STOPPED' | 'RESET' | 'STARTED' | 'UP' | 'ABORTED';
export type PeerWord = 'OFF' | 'RESET' | 'ON';
export type LinkEvent = 'open' | 'sysconf' | 'users-gone' | 'close';
export type LinkOp = 'reset' | 'start' | 'abort' | 'stop' | 'cleanup';

export interface Transition {
  readonly next: LinkState;
  readonly ops: readonly LinkOp[];
}

export const LINK_STATES: readonly LinkState[] = ['CLEAN', 'STOPPED', 'RESET', 'STARTED', 'UP', 'ABORTED'];
export const PEER_WORDS: readonly PeerWord[] = ['OFF', 'RESET', 'ON'];
export const LINK_EVENTS: readonly LinkEvent[] = ['open', 'sysconf', 'users-gone', 'close'];

/** The state word each link state shows (0 OFF, 1 RESET, 2 ON). */
export const WORD_OF_STATE: Readonly<Record<LinkState, 0 | 1 | 2>> = {
  CLEAN: 0,
  STOPPED: 0,
  RESET: 1,
  STARTED: 2,
  UP: 2,
  ABORTED: 2,
};

const t = (next: LinkState, ...ops: LinkOp[]): Transition => ({ next, ops });

// prettier-ignore
export const HANDSHAKE: Readonly<Record<LinkState, Readonly<Record<PeerWord, Readonly<Record<LinkEvent, Transition>>>>>> = {
  CLEAN: {
    OFF:   { open: t('STOPPED'), sysconf: t('CLEAN'), 'users-gone': t('CLEAN'), close: t('CLEAN') },
    RESET: { open: t('STOPPED'), sysconf: t('CLEAN'), 'users-gone': t('CLEAN'), close: t('CLEAN') },
    ON:    { open: t('STOPPED'), sysconf: t('CLEAN'), 'users-gone': t('CLEAN'), close: t('CLEAN') },
  },
  STOPPED: {
    OFF:   { open: t('STOPPED'), sysconf: t('RESET', 'reset'), 'users-gone': t('STOPPED'), close: t('CLEAN', 'cleanup') },
    RESET: { open: t('STOPPED'), sysconf: t('RESET', 'reset'), 'users-gone': t('STOPPED'), close: t('CLEAN', 'cleanup') },
    ON:    { open: t('STOPPED'), sysconf: t('STOPPED'),         'users-gone': t('STOPPED'), close: t('CLEAN', 'cleanup') },
  },
  RESET: {
    OFF:   { open: t('RESET'), sysconf: t('RESET'),            'users-gone': t('RESET'), close: t('CLEAN', 'stop', 'cleanup') },
    RESET: { open: t('RESET'), sysconf: t('STARTED', 'start'), 'users-gone': t('RESET'), close: t('CLEAN', 'stop', 'cleanup') },
    ON:    { open: t('RESET'), sysconf: t('UP', 'start'),      'users-gone': t('RESET'), close: t('CLEAN', 'stop', 'cleanup') },
  },
  STARTED: {
    OFF:   { open: t('STARTED'), sysconf: t('STOPPED', 'abort', 'stop'), 'users-gone': t('STARTED'), close: t('CLEAN', 'abort', 'stop', 'cleanup') },
    RESET: { open: t('STARTED'), sysconf: t('STARTED'),                  'users-gone': t('STARTED'), close: t('CLEAN', 'abort', 'stop', 'cleanup') },
    ON:    { open: t('STARTED'), sysconf: t('UP'),                       'users-gone': t('STARTED'), close: t('CLEAN', 'abort', 'stop', 'cleanup') },
  },
  UP: {
    OFF:   { open: t('UP'), sysconf: t('ABORTED', 'abort'), 'users-gone': t('UP'), close: t('ABORTED', 'abort') },
    RESET: { open: t('UP'), sysconf: t('ABORTED', 'abort'), 'users-gone': t('UP'), close: t('ABORTED', 'abort') },
    ON:    { open: t('UP'), sysconf: t('UP'),               'users-gone': t('UP'), close: t('ABORTED', 'abort') },
  },
  ABORTED: {
    OFF:   { open: t('ABORTED'), sysconf: t('ABORTED'), 'users-gone': t('STOPPED', 'stop'), close: t('ABORTED') },
    RESET: { open: t('ABORTED'), sysconf: t('ABORTED'), 'users-gone': t('STOPPED', 'stop'), close: t('ABORTED') },
    ON:    { open: t('ABORTED'), sysconf: t('ABORTED'), 'users-gone': t('STOPPED', 'stop'), close: t('ABORTED') },
  },
};
