// TCP connection tracking as net/netfilter/nf_conntrack_proto_tcp.c does it: a state per
// connection, moved by a literal transition table indexed by (direction, flag class, old state),
// plus the special cases of nf_conntrack_tcp_packet() and the per-state timeouts.
//
// Not modelled: the sequence-window check (tcp_in_window). Every segment counts as in window, as
// with nf_conntrack_tcp_be_liberal=1; the lab's TCP never sends out-of-window segments, and the
// states, timers and listings below do not depend on it. The retransmission counter the window
// code keeps (for the 300 s cap after 3 identical retransmissions) is kept.

import type { Dir } from './tuple.ts';

export const TCP_STATE = {
  NONE: 0,
  SYN_SENT: 1,
  SYN_RECV: 2,
  ESTABLISHED: 3,
  FIN_WAIT: 4,
  CLOSE_WAIT: 5,
  LAST_ACK: 6,
  TIME_WAIT: 7,
  CLOSE: 8,
  SYN_SENT2: 9,
} as const;
export type TcpState = (typeof TCP_STATE)[keyof typeof TCP_STATE];

/** tcp_conntrack_names[], as `conntrack -L` prints them. */
export const TCP_STATE_NAMES: readonly string[] = [
  'NONE',
  'SYN_SENT',
  'SYN_RECV',
  'ESTABLISHED',
  'FIN_WAIT',
  'CLOSE_WAIT',
  'LAST_ACK',
  'TIME_WAIT',
  'CLOSE',
  'SYN_SENT2',
];

/** Table cells that are not states: sIV (invalid packet) and sIG (ignore, state unchanged). */
const sIV = 10;
const sIG = 11;
const sNO = TCP_STATE.NONE;
const sSS = TCP_STATE.SYN_SENT;
const sSR = TCP_STATE.SYN_RECV;
const sES = TCP_STATE.ESTABLISHED;
const sFW = TCP_STATE.FIN_WAIT;
const sCW = TCP_STATE.CLOSE_WAIT;
const sLA = TCP_STATE.LAST_ACK;
const sTW = TCP_STATE.TIME_WAIT;
const sCL = TCP_STATE.CLOSE;
const sS2 = TCP_STATE.SYN_SENT2;
export const TCP_INVALID = sIV;
export const TCP_IGNORE = sIG;

/** Flag classes (enum tcp_bit_set): the row index of the table. */
export const TCP_INDEX = { SYN: 0, SYNACK: 1, FIN: 2, ACK: 3, RST: 4, NONE: 5 } as const;

const FIN = 0x01;
const SYN = 0x02;
const RST = 0x04;
const PSH = 0x08;
const ACK = 0x10;
const URG = 0x20;
const ECE = 0x40;
const CWR = 0x80;

/** get_conntrack_index(): RST wins, then SYN (with or without ACK), then FIN, then ACK. */
export function tcpIndex(flags: number): number {
  if (flags & RST) return TCP_INDEX.RST;
  if (flags & SYN) return flags & ACK ? TCP_INDEX.SYNACK : TCP_INDEX.SYN;
  if (flags & FIN) return TCP_INDEX.FIN;
  if (flags & ACK) return TCP_INDEX.ACK;
  return TCP_INDEX.NONE;
}

/**
 * tcp_error()'s tcp_valid_flags[]: the flag combinations (ignoring ECE, CWR, PSH) a TCP segment may
 * carry; anything else (SYN+FIN, no flags at all, …) is INVALID and never creates or moves a
 * connection.
 */
export function tcpFlagsValid(flags: number): boolean {
  switch (flags & ~(ECE | CWR | PSH) & 0x3f) {
    case SYN:
    case SYN | URG:
    case SYN | ACK:
    case RST:
    case RST | ACK:
    case FIN | ACK:
    case FIN | ACK | URG:
    case ACK:
    case ACK | URG:
      return true;
    default:
      return false;
  }
}

/**
 * tcp_conntracks[dir][index][old state] -> new state. Columns are the old state in the order
 * sNO, sSS, sSR, sES, sFW, sCW, sLA, sTW, sCL, sS2. One comment per cell, after the kernel's.
 */
// prettier-ignore
const TRANSITIONS: readonly (readonly (readonly number[])[])[] = [
  [
    // ORIGINAL direction (the side that sent the first packet)
    [ // syn
      sSS, // sNO -> sSS  initialize a new connection
      sSS, // sSS -> sSS  retransmitted SYN
      sIG, // sSR -> sIG  SYN in window outside SYN_SENT: the receiver will answer RST
      sIG, // sES -> sIG  … or we are out of sync and hold a dead connection
      sIG, // sFW -> sIG
      sIG, // sCW -> sIG
      sIG, // sLA -> sIG
      sSS, // sTW -> sSS  reopened connection (RFC 1122)
      sSS, // sCL -> sSS
      sS2, // sS2 -> sS2  late retransmitted SYN of a simultaneous open
    ],
    [ // synack
      sIV, // sNO -> sIV  too late and no reason to do anything
      sIV, // sSS -> sIV  the client cannot send SYN and then SYN/ACK
      sSR, // sSR -> sSR  late retransmitted SYN/ACK in simultaneous open
      sIV, // sES -> sIV  invalid SYN/ACK sent by the client
      sIV, // sFW -> sIV
      sIV, // sCW -> sIV
      sIV, // sLA -> sIV
      sIV, // sTW -> sIV
      sIV, // sCL -> sIV
      sSR, // sS2 -> sSR  SYN/ACK sent to SYN2 in simultaneous open
    ],
    [ // fin
      sIV, // sNO -> sIV  too late and no reason to do anything
      sIV, // sSS -> sIV  the client may not send FIN before a SYN/ACK came back
      sFW, // sSR -> sFW  close started
      sFW, // sES -> sFW  close started
      sLA, // sFW -> sLA  FIN seen in both directions, waiting for the last ACK (or a retransmitted FIN)
      sLA, // sCW -> sLA
      sLA, // sLA -> sLA  retransmitted FIN, same state
      sTW, // sTW -> sTW
      sCL, // sCL -> sCL
      sIV, // sS2 -> sIV
    ],
    [ // ack
      sES, // sNO -> sES  assumed: mid-stream pickup (nf_conntrack_tcp_loose=1)
      sIV, // sSS -> sIV  no SYN/ACK seen yet
      sES, // sSR -> sES  the three-way handshake is complete
      sES, // sES -> sES
      sCW, // sFW -> sCW  the close request is answered by an ACK
      sCW, // sCW -> sCW
      sTW, // sLA -> sTW  last ACK detected
      sTW, // sTW -> sTW  retransmitted last ACK, same state
      sCL, // sCL -> sCL
      sIV, // sS2 -> sIV
    ],
    [ // rst
      sIV, // sNO -> sIV
      sCL, // sSS -> sCL
      sCL, // sSR -> sCL
      sCL, // sES -> sCL
      sCL, // sFW -> sCL
      sCL, // sCW -> sCL
      sCL, // sLA -> sCL
      sCL, // sTW -> sCL
      sCL, // sCL -> sCL
      sCL, // sS2 -> sCL
    ],
    [ // none (no SYN, FIN, ACK or RST)
      sIV, // sNO
      sIV, // sSS
      sIV, // sSR
      sIV, // sES
      sIV, // sFW
      sIV, // sCW
      sIV, // sLA
      sIV, // sTW
      sIV, // sCL
      sIV, // sS2
    ],
  ],
  [
    // REPLY direction
    [ // syn
      sIV, // sNO -> sIV  never reached
      sS2, // sSS -> sS2  simultaneous open
      sIV, // sSR -> sIV  invalid SYN sent by the server
      sIV, // sES -> sIV
      sIV, // sFW -> sIV
      sIV, // sCW -> sIV
      sIV, // sLA -> sIV
      sSS, // sTW -> sSS  reopened connection, the server may have switched role
      sIV, // sCL -> sIV
      sS2, // sS2 -> sS2  retransmitted simultaneous SYN
    ],
    [ // synack
      sIV, // sNO -> sIV
      sSR, // sSS -> sSR  standard open
      sIG, // sSR -> sIG  retransmitted SYN/ACK, ignore it
      sIG, // sES -> sIG  late retransmitted SYN/ACK
      sIG, // sFW -> sIG  might be a SYN/ACK answering an ignored SYN
      sIG, // sCW -> sIG
      sIG, // sLA -> sIG
      sIG, // sTW -> sIG
      sIG, // sCL -> sIG
      sSR, // sS2 -> sSR  simultaneous open
    ],
    [ // fin
      sIV, // sNO -> sIV
      sIV, // sSS -> sIV  the server may not send FIN in this state
      sFW, // sSR -> sFW  close started
      sFW, // sES -> sFW  close started
      sLA, // sFW -> sLA  FIN seen in both directions
      sLA, // sCW -> sLA
      sLA, // sLA -> sLA  retransmitted FIN
      sTW, // sTW -> sTW
      sCL, // sCL -> sCL
      sIV, // sS2 -> sIV
    ],
    [ // ack
      sIV, // sNO -> sIV
      sIG, // sSS -> sIG  might be a half-open connection
      sSR, // sSR -> sSR  might answer a late resent SYN
      sES, // sES -> sES
      sCW, // sFW -> sCW  the close request is answered by an ACK
      sCW, // sCW -> sCW
      sTW, // sLA -> sTW  last ACK detected
      sTW, // sTW -> sTW  retransmitted last ACK
      sCL, // sCL -> sCL
      sIG, // sS2 -> sIG
    ],
    [ // rst
      sIV, // sNO -> sIV
      sCL, // sSS -> sCL
      sCL, // sSR -> sCL
      sCL, // sES -> sCL
      sCL, // sFW -> sCL
      sCL, // sCW -> sCL
      sCL, // sLA -> sCL
      sCL, // sTW -> sCL
      sCL, // sCL -> sCL
      sCL, // sS2 -> sCL
    ],
    [ // none
      sIV, // sNO
      sIV, // sSS
      sIV, // sSR
      sIV, // sES
      sIV, // sFW
      sIV, // sCW
      sIV, // sLA
      sIV, // sTW
      sIV, // sCL
      sIV, // sS2
    ],
  ],
];

export function tcpTransition(dir: Dir, index: number, oldState: number): number {
  return TRANSITIONS[dir]![index]![oldState]!;
}

const SEC = 1_000_000_000;

/** tcp_timeouts[] (nf_conntrack_tcp_timeout_*), in ns. */
export const TCP_TIMEOUT_NS: readonly number[] = [
  0, // NONE (never a resting state)
  120 * SEC, // SYN_SENT
  60 * SEC, // SYN_RECV
  432000 * SEC, // ESTABLISHED (5 days)
  120 * SEC, // FIN_WAIT
  60 * SEC, // CLOSE_WAIT
  30 * SEC, // LAST_ACK
  120 * SEC, // TIME_WAIT
  10 * SEC, // CLOSE
  120 * SEC, // SYN_SENT2
];
/** TCP_CONNTRACK_RETRANS and TCP_CONNTRACK_UNACK: 5 minutes. */
export const TCP_TIMEOUT_RETRANS_NS = 300 * SEC;
export const TCP_TIMEOUT_UNACK_NS = 300 * SEC;
/** nf_conntrack_tcp_max_retrans. */
export const TCP_MAX_RETRANS = 3;

/** IP_CT_TCP_FLAG_CLOSE_INIT: this direction sent the first FIN. */
export const TCP_FLAG_CLOSE_INIT = 0x04;

/** Per-connection TCP tracking state (struct ip_ct_tcp, the parts that do not need windows). */
export class TcpTrack {
  state: number = TCP_STATE.NONE;
  /** seen[dir].flags: only CLOSE_INIT is used. */
  readonly seenFlags: [number, number] = [0, 0];
  lastDir: Dir | -1 = -1;
  lastIndex = -1;
  lastSeq = 0;
  lastAck = 0;
  lastEnd = 0;
  lastWin = 0;
  retrans = 0;
}

/** The facts of one segment that tracking needs. */
export interface TcpSegmentFacts {
  flags: number;
  seq: number;
  ack: number;
  window: number;
  /** Sequence space the segment occupies: payload bytes + SYN + FIN. */
  seqLen: number;
}

/** What nf_conntrack_tcp_packet() decided. */
export type TcpVerdict =
  /** Tracked: the connection's timer is now `timeoutNs` from the packet. */
  | { kind: 'accept'; timeoutNs: number; setAssured: boolean; keepTimer: boolean }
  /** NF_ACCEPT without touching the state or the timer (sIG). */
  | { kind: 'ignore' }
  /** -NF_ACCEPT: the packet is INVALID (no conntrack, not NATed). */
  | { kind: 'invalid' }
  /** The connection is closed or aborted and this SYN reopens it: delete it and look up again. */
  | { kind: 'reopen' }
  /** An unanswered connection got a RST: delete the entry at once. */
  | { kind: 'kill' };

/** tcp_new(): may this segment start a connection? (SYN, or a mid-stream ACK with loose=1). */
export function tcpCanOpen(flags: number): boolean {
  const s = tcpTransition(0, tcpIndex(flags), sNO);
  return s < sIV;
}

/**
 * nf_conntrack_tcp_packet() for one segment of a tracked connection, window check aside. Mutates
 * `t`. `seenReply`/`assured` are the connection's IPS_SEEN_REPLY / IPS_ASSURED bits *before* this
 * packet (nf_conntrack_in sets SEEN_REPLY only after the protocol handler ran).
 */
export function tcpPacket(t: TcpTrack, dir: Dir, seg: TcpSegmentFacts, seenReply: boolean, assured: boolean): TcpVerdict {
  const index = tcpIndex(seg.flags);
  let oldState = t.state;
  let newState = tcpTransition(dir, index, oldState);

  switch (newState) {
    case TCP_STATE.SYN_SENT:
      if (oldState < TCP_STATE.TIME_WAIT) break;
      // RFC 1122 reopen from TIME_WAIT/CLOSE: only for a connection that was closed (a FIN was
      // seen) or aborted by this side's RST; the caller deletes the entry and starts a new one.
      if ((t.seenFlags[0] | t.seenFlags[1]) & TCP_FLAG_CLOSE_INIT || (t.lastDir === dir && t.lastIndex === TCP_INDEX.RST)) {
        return { kind: 'reopen' };
      }
      return ignore(t, dir, index, seg);
    case sIG:
      // b) a SYN/ACK answering a SYN we ignored: client and server are in sync, we are not.
      if (index === TCP_INDEX.SYNACK && t.lastIndex === TCP_INDEX.SYN && t.lastDir !== dir && seg.ack === t.lastEnd) {
        oldState = TCP_STATE.SYN_SENT;
        newState = TCP_STATE.SYN_RECV;
        break;
      }
      return ignore(t, dir, index, seg);
    case sIV:
      return { kind: 'invalid' };
    case TCP_STATE.SYN_RECV:
      break;
    default:
      break;
  }

  // tcp_in_window's bookkeeping of identical retransmissions (the window test itself is not done).
  const end = (seg.seq + seg.seqLen) >>> 0;
  if (t.lastDir === dir && t.lastSeq === seg.seq && t.lastAck === seg.ack && t.lastEnd === end && t.lastWin === seg.window) {
    t.retrans++;
  } else {
    t.lastSeq = seg.seq;
    t.lastAck = seg.ack;
    t.lastEnd = end;
    t.lastWin = seg.window;
    t.retrans = 0;
  }
  t.lastIndex = index;
  t.lastDir = dir;
  t.state = newState;
  if (oldState !== newState && newState === TCP_STATE.FIN_WAIT) t.seenFlags[dir] |= TCP_FLAG_CLOSE_INIT;

  let timeout: number;
  const stateTimeout = TCP_TIMEOUT_NS[newState]!;
  if (t.retrans >= TCP_MAX_RETRANS && stateTimeout > TCP_TIMEOUT_RETRANS_NS) timeout = TCP_TIMEOUT_RETRANS_NS;
  else if (index === TCP_INDEX.RST) timeout = TCP_TIMEOUT_NS[TCP_STATE.CLOSE]!;
  else if (t.lastWin === 0 && stateTimeout > TCP_TIMEOUT_RETRANS_NS) timeout = TCP_TIMEOUT_RETRANS_NS;
  else timeout = stateTimeout;

  if (!seenReply) {
    // "If only reply is a RST, we can consider ourselves not to have an established connection:
    // delete the conntrack immediately" — a refused connection leaves no entry.
    if (seg.flags & RST) return { kind: 'kill' };
    // A retransmitted SYN does not renew the timer (else a reused port could keep it alive forever).
    if (index === TCP_INDEX.SYN && oldState === TCP_STATE.SYN_SENT) {
      return { kind: 'accept', timeoutNs: timeout, setAssured: false, keepTimer: true };
    }
    // Mid-stream pickup without a reply yet: no 5-day timer.
    if (newState === TCP_STATE.ESTABLISHED && timeout > TCP_TIMEOUT_UNACK_NS) timeout = TCP_TIMEOUT_UNACK_NS;
    return { kind: 'accept', timeoutNs: timeout, setAssured: false, keepTimer: false };
  }
  // ASSURED once a valid ACK moves SYN_RECV (or a picked-up ESTABLISHED) to ESTABLISHED.
  const setAssured =
    !assured && (oldState === TCP_STATE.SYN_RECV || oldState === TCP_STATE.ESTABLISHED) && newState === TCP_STATE.ESTABLISHED;
  return { kind: 'accept', timeoutNs: timeout, setAssured, keepTimer: false };
}

/** The sIG path: remember the packet (to resync on a later SYN/ACK) and let it through untouched. */
function ignore(t: TcpTrack, dir: Dir, index: number, seg: TcpSegmentFacts): TcpVerdict {
  t.lastIndex = index;
  t.lastDir = dir;
  t.lastSeq = seg.seq;
  t.lastEnd = (seg.seq + seg.seqLen) >>> 0;
  t.lastWin = seg.window;
  return { kind: 'ignore' };
}
