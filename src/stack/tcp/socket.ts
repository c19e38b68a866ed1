// One TCP connection, modelled on Linux 6.18 (net/ipv4/tcp_input.c, tcp_output.c, tcp_timer.c) as
// far as the lab's captures can tell: the same segments, flags, options, windows, IP IDs and
// timers. The comments name the kernel function each piece follows.
//
// Everything runs from scheduler callbacks; apps see the connection through TcpHandlers.

import { NS_PER_MS, type Timer } from '../../sim/index.ts';
import {
  TCP_ACK,
  TCP_FIN,
  TCP_PSH,
  TCP_RST,
  TCP_SYN,
  type SackBlock,
  type TcpOption,
  type TcpRepr,
} from '../../wire/index.ts';
import { TCP_MSS_DEFAULT, TCPOLEN_TSTAMP_ALIGNED, type TcpConfig } from './config.ts';
import { seqAdd, seqDiff, seqGe, seqGt, seqLe, seqLt, segSpace, type SegIn } from './segment.ts';

export type TcpState =
  | 'CLOSED'
  | 'SYN_SENT'
  | 'SYN_RECV'
  | 'ESTABLISHED'
  | 'FIN_WAIT1'
  | 'FIN_WAIT2'
  | 'CLOSING'
  | 'TIME_WAIT'
  | 'CLOSE_WAIT'
  | 'LAST_ACK';

/**
 * Why a connection failed, as connect()/read() would report it:
 * refused = ECONNREFUSED (RST to our SYN, or ICMP port unreachable), timeout = ETIMEDOUT,
 * unreachable = EHOSTUNREACH (ICMP host unreachable, e.g. ARP failed), net-unreachable =
 * ENETUNREACH (no route, or ICMP net unreachable), reset = ECONNRESET.
 */
export type TcpError = 'refused' | 'timeout' | 'unreachable' | 'net-unreachable' | 'reset';

export interface TcpHandlers {
  /** Active open: the handshake completed. */
  onConnect?: (sock: TcpSocket) => void;
  /** In-order bytes arrived. The array is the app's to keep. */
  onData?: (sock: TcpSocket, data: Uint8Array) => void;
  /** The peer's FIN arrived (end of its byte stream). */
  onPeerClose?: (sock: TcpSocket) => void;
  /** The connection is finished for the app (CLOSED after LAST_ACK, or TIME_WAIT entered). */
  onClosed?: (sock: TcpSocket) => void;
  /** The connection failed; no other callback follows. */
  onError?: (sock: TcpSocket, error: TcpError) => void;
}

/** What a socket needs from its TcpStack. */
export interface TcpSocketOwner {
  readonly cfg: TcpConfig;
  now(): number;
  at(timeNs: number, fn: () => void): Timer;
  cancel(t: Timer | null): void;
  /** Random 16-bit value (get_random_u16) for a socket's IP ID counter start. */
  randomU16(): number;
  /**
   * Hands a segment to IP. `confirmNeighbour`: an ACK since the last transmission acknowledged
   * new data, so the path works (sk_dst_confirm -> the neighbour entry is confirmed on transmit).
   */
  transmit(sock: TcpSocket, repr: TcpRepr, ipId: number, retransmission: boolean, confirmNeighbour: boolean): void;
  /** SYN_RECV -> ESTABLISHED: hand the socket to its listener (accept()). */
  accepted(sock: TcpSocket): void;
  /** The socket reached TIME_WAIT: replace it by a small time-wait entry. */
  timeWait(sock: TcpSocket): void;
  /** The socket is gone (CLOSED): forget it. */
  release(sock: TcpSocket): void;
}

interface OutSeg {
  seq: number;
  /** Data bytes (may be empty). */
  data: Uint8Array;
  /** TCP_SYN / TCP_FIN / TCP_PSH bits this segment carries. */
  flags: number;
  /** Virtual time of the latest transmission. */
  sentAt: number;
  /** Number of transmissions so far. */
  sends: number;
}

interface OooSeg {
  seq: number;
  data: Uint8Array;
  fin: boolean;
}

const NOP: TcpOption = Object.freeze({ kind: 'nop' }) as TcpOption;
const SACK_PERM: TcpOption = Object.freeze({ kind: 'sackPermitted' }) as TcpOption;

function segEnd(s: OutSeg): number {
  return seqAdd(s.seq, segSpace(s.flags, s.data.length));
}

/** Receive-buffer cost of holding `len` bytes: an empirical skb truesize (see selectWindow). */
function truesize(len: number): number {
  return 2 * len + 512;
}

export class TcpSocket {
  state: TcpState;
  handlers: TcpHandlers = {};
  /** Opened by connect() (its local port is an ephemeral one). */
  activeOpen = false;

  // ---- send side (RFC 9293 names)
  private iss = 0;
  private sndUna = 0;
  private sndNxt = 0;
  private sndWnd = 0;
  private sndWl1 = 0;
  private sndWl2 = 0;
  /** Payload bytes per segment (mss_cache: peer MSS minus the timestamp option). */
  private sndMss = TCP_MSS_DEFAULT;
  /** Shift applied to the peer's window field (0 unless both sides sent window scale). */
  private sndWscale = 0;
  /** Shift we apply to the windows we advertise. */
  private rcvWscale = 0;
  /** Segments not yet acknowledged, in sequence order; [0, sendIdx) are in flight. */
  private queue: OutSeg[] = [];
  private sendIdx = 0;
  private cwnd: number;
  private ssthresh = 0x7fffffff;
  private dupAcks = 0;
  /** Bytes written before the handshake finished. */
  private preconnect: Uint8Array[] = [];

  // ---- retransmission (RFC 6298 with Linux's floor)
  private srtt = -1;
  private rttvar = 0;
  private rto: number;
  /** The RTO currently armed, after backoff. */
  private rtoCur: number;
  /** Consecutive timeouts of the head segment (icsk_retransmits). */
  private retransmits = 0;
  private rtoTimer: Timer | null = null;
  private synRetransmitted = false;

  // ---- receive side
  private irs = 0;
  private rcvNxt = 0;
  /** Last advertised window (bytes) and the rcv_nxt it was advertised at. */
  private rcvWnd = 0;
  private rcvWup = 0;
  /** rcv_ssthresh: the ceiling on what we advertise. */
  private rcvClamp = 0;
  /** Receive-buffer bytes held (skb truesize of unread and out-of-order data). */
  private rmem = 0;
  private rcvMss = TCP_MSS_DEFAULT;
  private ooo: OooSeg[] = [];
  private finReceived = false;

  // ---- options
  private tsOk = false;
  private tsOffset = 0;
  private tsRecent = 0;
  private sackOk = false;
  /** Both SYNs carried window scale (RFC 7323 §2.2). */
  private wsOk = false;
  /** MSS the peer announced (-1: none). */
  private peerMss = -1;

  // ---- delayed ACK engine (inet_connection_sock icsk_ack)
  private quick = 0;
  private ato = 0;
  private lrcvtime = 0;
  private pingpong = false;
  private ackPending = false;
  private delackTimer: Timer | null = null;

  // ---- misc
  /** Next IP ID of this socket (inet_id). */
  private ipId = 0;
  /** The SYN-ACK (request socket) goes out with IP ID 0. */
  private passiveOpen = false;
  private appClosed = false;
  private finQueued = false;
  private finWait2Timer: Timer | null = null;
  /** The options of every non-SYN segment, reused (emit() hands them to the codec at once). */
  private readonly tsOption = { kind: 'timestamps' as const, tsVal: 0, tsEcr: 0 };
  private readonly tsOptions: TcpOption[] = [NOP, NOP, this.tsOption];
  /** sk_err_soft: the last ICMP error of a synchronized connection, reported if it times out. */
  private softError: TcpError | null = null;
  /** sk_dst_pending_confirm: forward progress seen since the last transmission. */
  private pendingConfirm = false;
  /** Statistics for tests and benchmarks. */
  retransmittedSegments = 0;

  constructor(
    private readonly owner: TcpSocketOwner,
    readonly localAddr: number,
    readonly localPort: number,
    readonly remoteAddr: number,
    readonly remotePort: number,
  ) {
    this.state = 'CLOSED';
    this.cwnd = owner.cfg.initCwnd;
    this.rto = owner.cfg.rtoInitNs;
    this.rtoCur = this.rto;
  }

  // ===================================================================== opening

  /** tcp_v4_connect() + tcp_connect(): send the SYN. */
  openActive(iss: number, tsOffset: number): void {
    const cfg = this.owner.cfg;
    this.iss = iss;
    this.sndUna = iss;
    this.sndNxt = iss;
    this.tsOffset = tsOffset;
    this.ipId = this.owner.randomU16();
    // tcp_select_initial_window(): 65535 rounded down to a multiple of the MSS we announce.
    const advmss = cfg.mtu - 40;
    this.rcvWnd = Math.floor(65535 / advmss) * advmss;
    this.rcvClamp = this.rcvWnd;
    this.state = 'SYN_SENT';
    this.queue.push({ seq: iss, data: new Uint8Array(0), flags: TCP_SYN, sentAt: 0, sends: 0 });
    this.trySend();
  }

  /** tcp_conn_request() + tcp_v4_send_synack(): answer a SYN from a listener. */
  openPassive(syn: SegIn, iss: number, tsOffset: number): void {
    const cfg = this.owner.cfg;
    this.passiveOpen = true;
    this.iss = iss;
    this.sndUna = iss;
    this.sndNxt = iss;
    this.tsOffset = tsOffset;
    this.irs = syn.seq;
    this.rcvNxt = seqAdd(syn.seq, 1);
    this.rcvWup = this.rcvNxt;
    this.negotiate(syn);
    // tcp_openreq_init_rwin(): the MSS used for rounding leaves room for the timestamp option.
    const mss = cfg.mtu - 40 - (this.tsOk ? TCPOLEN_TSTAMP_ALIGNED : 0);
    this.rcvWnd = Math.floor(65535 / mss) * mss;
    this.rcvClamp = this.rcvWnd;
    this.sndWnd = syn.window; // never scaled in a SYN
    this.sndWl1 = syn.seq;
    this.sndWl2 = iss;
    this.state = 'SYN_RECV';
    this.queue.push({ seq: iss, data: new Uint8Array(0), flags: TCP_SYN, sentAt: 0, sends: 0 });
    this.trySend();
  }

  /** Options the peer's SYN offered decide what the connection uses (tcp_parse_options). */
  private negotiate(syn: SegIn): void {
    const cfg = this.owner.cfg;
    this.peerMss = syn.mss;
    this.tsOk = cfg.timestamps && syn.hasTs;
    if (this.tsOk) this.tsRecent = syn.tsVal;
    this.sackOk = cfg.sack && syn.sackPermitted;
    this.wsOk = syn.wscale >= 0;
    if (syn.wscale >= 0) {
      this.sndWscale = syn.wscale;
      this.rcvWscale = cfg.windowScale;
    } else {
      this.sndWscale = 0;
      this.rcvWscale = 0;
    }
    const peer = syn.mss > 0 ? syn.mss : TCP_MSS_DEFAULT;
    this.sndMss = Math.min(peer, cfg.mtu - 40) - (this.tsOk ? TCPOLEN_TSTAMP_ALIGNED : 0);
  }

  // ===================================================================== app API

  /** Queues bytes for sending (tcp_sendmsg). */
  write(data: Uint8Array): void {
    if (this.appClosed) throw new Error(`write after close on ${this.describe()}`);
    if (data.length === 0) return;
    switch (this.state) {
      case 'SYN_SENT':
      case 'SYN_RECV':
        this.preconnect.push(data.slice());
        return;
      case 'ESTABLISHED':
      case 'CLOSE_WAIT':
        this.enqueue(data);
        this.trySend();
        return;
      default:
        throw new Error(`write on a connection in state ${this.state} (${this.describe()})`);
    }
  }

  /** Graceful close (close(2) on the last descriptor): FIN after the queued data. */
  close(): void {
    if (this.appClosed) return;
    this.appClosed = true;
    switch (this.state) {
      case 'SYN_SENT':
        this.destroy();
        return;
      case 'SYN_RECV':
      case 'ESTABLISHED':
        this.state = 'FIN_WAIT1';
        this.queueFin();
        return;
      case 'CLOSE_WAIT':
        this.state = 'LAST_ACK';
        this.queueFin();
        return;
      default:
        return;
    }
  }

  /** Abortive close (SO_LINGER 0): RST now, forget the connection. */
  abort(): void {
    if (this.state === 'CLOSED') return;
    this.appClosed = true;
    if (this.state !== 'SYN_SENT' && this.state !== 'TIME_WAIT') {
      // tcp_send_active_reset(): RST|ACK at snd_nxt from the socket itself.
      this.emit(this.sndNxt, TCP_RST | TCP_ACK, null, false);
    }
    this.destroy();
  }

  /** Bytes queued but not yet acknowledged. */
  get unacked(): number {
    let n = 0;
    for (const s of this.queue) n += s.data.length;
    return n;
  }

  describe(): string {
    return `${fmtAddr(this.localAddr)}:${this.localPort} -> ${fmtAddr(this.remoteAddr)}:${this.remotePort}`;
  }

  // ===================================================================== input

  input(seg: SegIn): void {
    switch (this.state) {
      case 'CLOSED':
      case 'TIME_WAIT':
        return;
      case 'SYN_SENT':
        this.inputSynSent(seg);
        return;
      default:
        this.inputSynchronized(seg);
    }
  }

  /** tcp_rcv_synsent_state_process(). */
  private inputSynSent(seg: SegIn): void {
    const f = seg.flags;
    if (f & TCP_ACK) {
      if (seg.ack !== seqAdd(this.iss, 1)) {
        if (!(f & TCP_RST)) this.owner.transmit(this, rstRepr(this, seg.ack), 0, false, false);
        return;
      }
    }
    if (f & TCP_RST) {
      if (f & TCP_ACK) this.fail('refused');
      return;
    }
    if (!(f & TCP_SYN) || !(f & TCP_ACK)) return; // simultaneous open is not modelled
    this.irs = seg.seq;
    this.rcvNxt = seqAdd(seg.seq, 1);
    this.rcvWup = this.rcvNxt;
    this.negotiate(seg);
    this.sndWnd = seg.window;
    this.sndWl1 = seg.seq;
    this.sndWl2 = seg.ack;
    this.ackSegments(seg.ack);
    this.state = 'ESTABLISHED';
    this.afterHandshake();
    this.sendAckNow();
    this.handlers.onConnect?.(this);
    this.flushPreconnect();
  }

  private afterHandshake(): void {
    if (this.srtt < 0 && this.synRetransmitted) this.rto = this.owner.cfg.rtoFallbackNs;
    this.rtoCur = this.rto;
    this.retransmits = 0;
  }

  /** tcp_rcv_state_process() / tcp_rcv_established() for every synchronized state. */
  private inputSynchronized(seg: SegIn): void {
    const f = seg.flags;
    const dataLen = seg.payload.length;
    const segLen = segSpace(f & ~TCP_SYN, dataLen);

    // SYN_RECV sees the client's SYN again when our SYN-ACK was lost: answer with it again.
    if (this.state === 'SYN_RECV' && f & TCP_SYN && !(f & TCP_ACK) && seg.seq === this.irs) {
      this.retransmitHead();
      return;
    }

    // tcp_sequence(): the segment must overlap [rcv_wup, rcv_nxt + window].
    const end = seqAdd(seg.seq, segLen);
    if (seqLt(end, this.rcvWup) || seqGt(seg.seq, seqAdd(this.rcvNxt, this.currentWindow()))) {
      if (!(f & TCP_RST)) this.sendDupAck(dataLen > 0);
      return;
    }

    if (f & TCP_RST) {
      // RFC 5961 §3.2: only an RST exactly at rcv_nxt resets; others get a challenge ACK.
      if (seg.seq === this.rcvNxt) {
        if (this.state === 'SYN_RECV') this.destroy();
        else this.fail('reset');
      } else this.sendAckNow();
      return;
    }
    if (f & TCP_SYN) {
      this.sendAckNow(); // RFC 5961 §4.2 challenge ACK
      return;
    }
    if (!(f & TCP_ACK)) return;

    // tcp_replace_ts_recent(): remember the peer's clock from segments at the left window edge.
    if (this.tsOk && seg.hasTs && seqLe(seg.seq, this.rcvWup)) this.tsRecent = seg.tsVal;

    if (this.state === 'SYN_RECV') {
      if (seg.ack !== seqAdd(this.iss, 1)) {
        this.owner.transmit(this, rstRepr(this, seg.ack), 0, false, false);
        return;
      }
      this.ackSegments(seg.ack);
      this.updateWindow(seg);
      this.state = 'ESTABLISHED';
      this.passiveOpen = false;
      // tcp_v4_syn_recv_sock(): the child socket starts its own random IP ID counter.
      this.ipId = this.owner.randomU16();
      this.afterHandshake();
      this.owner.accepted(this);
      if (this.state !== 'ESTABLISHED') return;
      this.flushPreconnect();
    } else {
      if (seqGt(seg.ack, this.sndNxt)) return; // ACK of data never sent: drop (tcp_ack)
      if (seqGe(seg.ack, this.sndUna)) {
        const advanced = seqGt(seg.ack, this.sndUna);
        const oldWnd = this.sndWnd;
        this.updateWindow(seg);
        if (advanced) {
          this.ackSegments(seg.ack);
        } else if (dataLen === 0 && !(f & TCP_FIN) && this.sendIdx > 0 && this.sndWnd === oldWnd) {
          this.onDupAck();
        }
      }
      if (this.ourFinAcked()) {
        if (this.state === 'FIN_WAIT1') {
          this.state = 'FIN_WAIT2';
          // An orphaned FIN_WAIT2 socket lives tcp_fin_timeout at most (tcp_close()).
          if (this.appClosed && !(f & TCP_FIN)) {
            this.finWait2Timer = this.owner.at(this.owner.now() + this.owner.cfg.finTimeoutNs, () => {
              this.finWait2Timer = null;
              if (this.state === 'FIN_WAIT2') this.destroy();
            });
          }
        } else if (this.state === 'CLOSING') {
          this.enterTimeWait();
          return;
        } else if (this.state === 'LAST_ACK') {
          this.finish();
          return;
        }
      }
    }

    // ---- data and FIN (tcp_data_queue)
    const deliver: Uint8Array[] = [];
    let gotFin = false;
    let forceAck = false;
    const acceptsData = this.state === 'ESTABLISHED' || this.state === 'FIN_WAIT1' || this.state === 'FIN_WAIT2';
    if (dataLen > 0 || f & TCP_FIN) {
      if (seqLe(end, this.rcvNxt)) {
        // All of it was received before (a retransmission, e.g. a FIN whose ACK was lost), in any
        // state: the peer missed our ACK, so tcp_enter_quickack_mode() and ACK now.
        this.enterQuickAck();
        this.sendAckNow();
        return;
      }
      if (acceptsData && !this.finReceived) {
        if (seqLe(seg.seq, this.rcvNxt)) {
          // In order (possibly overlapping old data: trim the part we have).
          const skip = seqDiff(this.rcvNxt, seg.seq);
          if (skip < dataLen) this.acceptData(seg.payload.slice(skip), deliver);
          if (f & TCP_FIN) gotFin = true;
          if (this.ooo.length > 0) {
            forceAck = true; // a hole was filled: ACK at once (tcp_data_queue -> inet_csk_schedule_ack + quick)
            gotFin = this.drainOoo(deliver) || gotFin;
          }
        } else {
          // Out of order: keep it, and send a duplicate ACK with SACK at once (tcp_data_queue_ofo).
          this.queueOoo(seg.seq, seg.payload.slice(), (f & TCP_FIN) !== 0);
          this.sendAckNow();
          return;
        }
      }
    }

    if (gotFin) this.receiveFin();

    // tcp_data_snd_check(): the ACK may have opened the window.
    this.trySend();

    // __tcp_ack_snd_check()
    if (deliver.length > 0 || gotFin) {
      if (this.state === 'TIME_WAIT' || this.state === 'CLOSING') {
        // receiveFin() already answered.
      } else if (
        forceAck ||
        (this.quick > 0 && !this.pingpong) ||
        (seqDiff(this.rcvNxt, this.rcvWup) > this.rcvMss && this.freeWindow() >= this.rcvWnd)
      ) {
        if (this.ackPending) this.sendAckNow();
      } else if (this.ackPending) {
        this.scheduleDelayedAck();
      }
    }

    // The app reads what arrived (it runs after the kernel's softirq work, so after the ACK).
    for (const d of deliver) {
      this.rmem -= truesize(d.length);
      if (this.handlers.onData !== undefined) this.handlers.onData(this, d);
    }
    if (gotFin && this.state !== 'CLOSED') this.handlers.onPeerClose?.(this);
  }

  private acceptData(data: Uint8Array, deliver: Uint8Array[]): void {
    this.rcvNxt = seqAdd(this.rcvNxt, data.length);
    this.rmem += truesize(data.length);
    this.measureRcvMss(data.length);
    this.eventDataRecv();
    this.ackPending = true;
    deliver.push(data);
  }

  /** Moves now-contiguous out-of-order data into the stream; true when it ends with a FIN. */
  private drainOoo(deliver: Uint8Array[]): boolean {
    let fin = false;
    for (;;) {
      const i = this.ooo.findIndex((o) => seqLe(o.seq, this.rcvNxt));
      if (i < 0) break;
      const o = this.ooo[i]!;
      this.ooo.splice(i, 1);
      this.rmem -= truesize(o.data.length);
      const oEnd = seqAdd(o.seq, o.data.length);
      if (seqGt(oEnd, this.rcvNxt)) {
        this.acceptData(o.data.slice(seqDiff(this.rcvNxt, o.seq)), deliver);
      }
      if (o.fin && seqLe(oEnd, this.rcvNxt)) {
        fin = true;
        break;
      }
    }
    return fin;
  }

  private queueOoo(seq: number, data: Uint8Array, fin: boolean): void {
    if (this.ooo.some((o) => o.seq === seq && o.data.length >= data.length)) return;
    this.ooo.push({ seq, data, fin });
    this.ooo.sort((a, b) => seqDiff(a.seq, b.seq));
    this.rmem += truesize(data.length);
    this.enterQuickAck();
    this.ackPending = true;
  }

  /** tcp_fin(). */
  private receiveFin(): void {
    this.finReceived = true;
    this.rcvNxt = seqAdd(this.rcvNxt, 1);
    this.ackPending = true;
    switch (this.state) {
      case 'SYN_RECV':
      case 'ESTABLISHED':
        this.state = 'CLOSE_WAIT';
        // The app is likely to close soon: hold the ACK so its FIN can carry it.
        this.pingpong = true;
        return;
      case 'FIN_WAIT1':
        // Simultaneous close: our FIN is not acked yet.
        this.sendAckNow();
        this.state = 'CLOSING';
        return;
      case 'FIN_WAIT2':
        this.sendAckNow();
        this.enterTimeWait();
        return;
      default:
        return;
    }
  }

  private enterTimeWait(): void {
    this.owner.cancel(this.finWait2Timer);
    this.finWait2Timer = null;
    this.stopTimers();
    this.state = 'TIME_WAIT';
    this.owner.timeWait(this);
    this.handlers.onClosed?.(this);
  }

  // ===================================================================== ACK engine

  /** tcp_event_data_recv(): adapt the delayed-ACK timeout to the arrival pattern. */
  private eventDataRecv(): void {
    const cfg = this.owner.cfg;
    const now = this.owner.now();
    if (this.ato === 0) {
      // The first data segment: ACK the next few at once to speed up slow start.
      this.incrQuickAck();
      this.ato = cfg.delackMinNs;
    } else {
      const m = now - this.lrcvtime;
      if (m <= cfg.delackMinNs / 2) {
        this.ato = this.ato / 2 + cfg.delackMinNs / 2;
      } else if (m < this.ato) {
        this.ato = Math.min(this.ato / 2 + m, this.rto);
      } else if (m > this.rto) {
        // A long gap: the sender probably restarted from idle, so ACK quickly again.
        this.incrQuickAck();
      }
    }
    this.lrcvtime = now;
  }

  /** tcp_incr_quickack(). */
  private incrQuickAck(): void {
    let q = Math.floor(this.rcvWnd / (2 * this.rcvMss));
    if (q === 0) q = 2;
    q = Math.min(q, this.owner.cfg.maxQuickAcks);
    if (q > this.quick) this.quick = q;
  }

  /** tcp_enter_quickack_mode(). */
  private enterQuickAck(): void {
    this.incrQuickAck();
    this.pingpong = false;
    this.ato = this.owner.cfg.delackMinNs;
  }

  /** tcp_measure_rcv_mss(), plus the window-clamp effect of a full-sized segment (selectWindow). */
  private measureRcvMss(len: number): void {
    if (len >= this.rcvMss) {
      const advmss = this.owner.cfg.mtu - 40 - (this.tsOk ? TCPOLEN_TSTAMP_ALIGNED : 0);
      this.rcvMss = Math.min(len, advmss);
      const free = this.freeSpace();
      if (free < this.rcvClamp) this.rcvClamp = free;
    }
  }

  /** tcp_send_delayed_ack(). */
  private scheduleDelayedAck(): void {
    const cfg = this.owner.cfg;
    let ato = this.ato;
    if (ato > cfg.delackMinNs) {
      let maxAto = 500 * NS_PER_MS;
      if (this.pingpong) maxAto = cfg.delackMaxNs;
      if (this.srtt >= 0) {
        const rtt = Math.max(this.srtt, cfg.delackMinNs);
        if (rtt < maxAto) maxAto = rtt;
      }
      ato = Math.min(ato, maxAto);
    }
    ato = Math.max(ato, cfg.delackMinNs);
    const due = this.owner.now() + Math.round(ato);
    if (this.delackTimer !== null) {
      if (this.delackTimer.time <= due) return;
      this.owner.cancel(this.delackTimer);
    }
    this.delackTimer = this.owner.at(due, () => this.onDelackTimer());
  }

  /** tcp_delack_timer_handler(). */
  private onDelackTimer(): void {
    this.delackTimer = null;
    if (!this.ackPending || this.state === 'CLOSED' || this.state === 'TIME_WAIT') return;
    if (!this.pingpong) {
      this.ato = Math.min(this.ato * 2, this.rto); // delayed ACK missed: inflate ATO
    } else {
      this.pingpong = false; // missed in interactive mode: leave it and deflate ATO
      this.ato = this.owner.cfg.delackMinNs;
    }
    this.sendAckNow();
  }

  sendAckNow(): void {
    this.emit(this.sndNxt, TCP_ACK, null, false);
  }

  /** tcp_send_dupack(): data we already have means the peer missed our ACKs: quickack again. */
  private sendDupAck(hadData: boolean): void {
    if (hadData) this.enterQuickAck();
    this.sendAckNow();
  }

  /** tcp_event_ack_sent() + tcp_dec_quickack_mode(): any segment with ACK clears the pending one. */
  private ackSent(): void {
    if (this.quick > 0 && this.ackPending) {
      this.quick--;
      if (this.quick === 0) this.ato = this.owner.cfg.delackMinNs;
    }
    this.ackPending = false;
    if (this.delackTimer !== null) {
      this.owner.cancel(this.delackTimer);
      this.delackTimer = null;
    }
  }

  // ===================================================================== windows

  /** Window still open from the last advertisement (tcp_receive_window). */
  private currentWindow(): number {
    const w = seqDiff(seqAdd(this.rcvWup, this.rcvWnd), this.rcvNxt);
    return w < 0 ? 0 : w;
  }

  /** tcp_space(): half the free receive buffer (tcp_adv_win_scale 1). */
  private freeSpace(): number {
    return Math.floor((this.owner.cfg.rcvBufBytes - this.rmem) / 2);
  }

  /** __tcp_select_window(): free space capped by rcv_ssthresh, rounded down to the scale unit. */
  private freeWindow(): number {
    let free = this.freeSpace();
    if (free > this.rcvClamp) free = this.rcvClamp;
    const unit = 1 << this.rcvWscale;
    return free - (free % unit);
  }

  /**
   * tcp_select_window(): what the next segment advertises. The window never shrinks: when free
   * space would offer less than what is still open, the open part is rounded up to the scale unit.
   *
   * Receive-buffer accounting is modelled, not copied: each held segment costs 2*len + 512 bytes
   * (its skb truesize), and a segment of at least rcv_mss bytes caps rcv_ssthresh at the free space
   * it leaves. That reproduces every window of the reference captures: the client's 502 after the
   * handshake (64240 rounded up) then 501 once data came (64240 rounded down), the server's 509
   * after a 72- or 123-byte request and 505 after links' 601-byte one, for the rest of that
   * connection.
   */
  private selectWindow(): number {
    const unit = 1 << this.rcvWscale;
    let win = this.freeWindow();
    const cur = this.currentWindow();
    if (win < cur) win = Math.ceil(cur / unit) * unit;
    this.rcvWnd = win;
    this.rcvWup = this.rcvNxt;
    return Math.min(win >>> this.rcvWscale, 0xffff);
  }

  private updateWindow(seg: SegIn): void {
    // tcp_may_update_window()
    const nwin = seg.window * 2 ** this.sndWscale;
    if (seqGt(seg.ack, this.sndUna) || seqGt(seg.seq, this.sndWl1) || (seg.seq === this.sndWl1 && nwin > this.sndWnd)) {
      this.sndWnd = nwin;
      this.sndWl1 = seg.seq;
      this.sndWl2 = seg.ack;
    }
  }

  // ===================================================================== sending

  private tsNow(): number {
    return (Math.floor(this.owner.now() / NS_PER_MS) + this.tsOffset) >>> 0;
  }

  /**
   * Builds and hands one segment to IP. SYN and SYN-ACK carry Linux's option layout
   * (tcp_options_write) and an unscaled window; other segments NOP NOP TS [NOP NOP SACK].
   */
  private emit(seq: number, flags: number, data: Uint8Array | null, retransmission: boolean): void {
    const cfg = this.owner.cfg;
    let options: TcpOption[] = [];
    let window: number;
    let ipId: number;
    if (flags & TCP_SYN) {
      const active = !(flags & TCP_ACK);
      options.push({ kind: 'mss', value: cfg.mtu - 40 });
      const ts = active ? cfg.timestamps : this.tsOk;
      const sack = active ? cfg.sack : this.sackOk;
      const ws = active ? true : this.wsOk;
      if (ts) {
        if (sack) options.push(SACK_PERM);
        else options.push(NOP, NOP);
        options.push({ kind: 'timestamps', tsVal: this.tsNow(), tsEcr: active ? 0 : this.tsRecent });
      } else if (sack) {
        options.push(NOP, NOP, SACK_PERM);
      }
      if (ws) options.push(NOP, { kind: 'wscale', shift: cfg.windowScale });
      window = Math.min(this.rcvWnd, 0xffff);
      // The request socket's SYN-ACK has no inet_id: ip_build_and_send_pkt() with DF gives ID 0.
      ipId = active ? this.nextIpId() : 0;
    } else {
      if (this.tsOk) {
        this.tsOption.tsVal = this.tsNow();
        this.tsOption.tsEcr = this.tsRecent;
        options = this.tsOptions;
      }
      if (this.sackOk && this.ooo.length > 0 && !(flags & TCP_RST)) {
        options = options.slice();
        const blocks: SackBlock[] = [];
        for (const o of this.ooo) {
          const right = seqAdd(o.seq, o.data.length + (o.fin ? 1 : 0));
          const last = blocks[blocks.length - 1];
          if (last !== undefined && seqLe(o.seq, last.right)) {
            if (seqGt(right, last.right)) last.right = right;
          } else blocks.push({ left: o.seq, right });
        }
        options.push(NOP, NOP, { kind: 'sack', blocks: blocks.slice(0, this.tsOk ? 3 : 4) });
      }
      window = this.selectWindow();
      ipId = this.passiveOpen && this.state === 'SYN_RECV' ? 0 : this.nextIpId();
    }
    const repr: TcpRepr = {
      srcPort: this.localPort,
      dstPort: this.remotePort,
      seq,
      ack: flags & TCP_ACK ? this.rcvNxt : 0,
      flags,
      window,
      urgentPtr: 0,
      options,
    };
    if (data !== null && data.length > 0) repr.payload = data;
    if (flags & TCP_ACK) this.ackSent();
    const confirm = this.pendingConfirm;
    this.pendingConfirm = false;
    this.owner.transmit(this, repr, ipId, retransmission, confirm);
  }

  private nextIpId(): number {
    const id = this.ipId;
    this.ipId = (id + 1) & 0xffff;
    return id;
  }

  private enqueue(data: Uint8Array): void {
    let off = 0;
    const mss = this.sndMss;
    // Fill the tail segment first if it has not gone out yet (tcp_sendmsg appends to the tail skb).
    const tail = this.queue[this.queue.length - 1];
    if (tail !== undefined && this.queue.length - 1 >= this.sendIdx && tail.sends === 0 && !(tail.flags & (TCP_FIN | TCP_SYN))) {
      const room = mss - tail.data.length;
      if (room > 0) {
        const n = Math.min(room, data.length);
        const merged = new Uint8Array(tail.data.length + n);
        merged.set(tail.data, 0);
        merged.set(data.subarray(0, n), tail.data.length);
        tail.data = merged;
        off = n;
      }
    }
    let seq = this.queueEnd();
    while (off < data.length) {
      const n = Math.min(mss, data.length - off);
      const piece = data.slice(off, off + n);
      this.queue.push({ seq, data: piece, flags: 0, sentAt: 0, sends: 0 });
      seq = seqAdd(seq, n);
      off += n;
    }
    // tcp_push(): PSH on the last segment of the write.
    const last = this.queue[this.queue.length - 1];
    if (last !== undefined) last.flags |= TCP_PSH;
  }

  private queueEnd(): number {
    const tail = this.queue[this.queue.length - 1];
    return tail === undefined ? this.sndNxt : segEnd(tail);
  }

  private queueFin(): void {
    if (this.finQueued) return;
    this.finQueued = true;
    if (this.preconnect.length > 0) this.flushPreconnectData();
    const tail = this.queue[this.queue.length - 1];
    if (tail !== undefined && this.queue.length - 1 >= this.sendIdx && tail.sends === 0 && !(tail.flags & TCP_SYN)) {
      tail.flags |= TCP_FIN; // tcp_send_fin(): ride on the unsent tail
    } else {
      this.queue.push({ seq: this.queueEnd(), data: new Uint8Array(0), flags: TCP_FIN, sentAt: 0, sends: 0 });
    }
    if (this.state !== 'SYN_RECV') this.trySend();
  }

  private flushPreconnect(): void {
    if (this.preconnect.length > 0) this.flushPreconnectData();
    this.trySend();
  }

  private flushPreconnectData(): void {
    const chunks = this.preconnect;
    this.preconnect = [];
    for (const c of chunks) this.enqueue(c);
  }

  /** tcp_write_xmit(): send what cwnd and the peer's window allow. */
  private trySend(): void {
    while (this.sendIdx < this.queue.length) {
      const seg = this.queue[this.sendIdx]!;
      const synchronized = !(seg.flags & TCP_SYN);
      if (synchronized) {
        if (this.state === 'SYN_SENT' || this.state === 'SYN_RECV') break;
        if (this.sendIdx >= Math.floor(this.cwnd)) break;
        const endData = seqAdd(seg.seq, seg.data.length);
        if (seg.data.length > 0 && seqGt(endData, seqAdd(this.sndUna, this.sndWnd)) && this.sendIdx > 0) break;
      }
      this.transmitSeg(seg);
      this.sendIdx++;
    }
    this.armRto();
  }

  private transmitSeg(seg: OutSeg): void {
    const retrans = seg.sends > 0;
    if (!retrans && seg.data.length > 0) {
      // tcp_event_data_sent(): a reply within ato of the last arrival makes the socket interactive.
      if (this.owner.now() - this.lrcvtime < this.ato) this.pingpong = true;
    }
    seg.sends++;
    seg.sentAt = this.owner.now();
    if (retrans) this.retransmittedSegments++;
    let flags = seg.flags & (TCP_SYN | TCP_FIN | TCP_PSH);
    if (this.state !== 'SYN_SENT') flags |= TCP_ACK;
    this.emit(seg.seq, flags, seg.data, retrans);
    const end = segEnd(seg);
    if (seqGt(end, this.sndNxt)) this.sndNxt = end;
  }

  /** Retransmits the first unacknowledged segment (RTO, fast retransmit, SYN-ACK again). */
  private retransmitHead(): void {
    const head = this.queue[0];
    if (head === undefined) return;
    this.transmitSeg(head);
    if (this.sendIdx === 0) this.sendIdx = 1;
  }

  /** tcp_clean_rtx_queue(): drop what `ack` covers, take an RTT sample, grow cwnd. */
  private ackSegments(ack: number): void {
    let acked = 0;
    let sample = -1;
    while (this.queue.length > 0) {
      const head = this.queue[0]!;
      const end = segEnd(head);
      if (seqLe(end, ack)) {
        this.queue.shift();
        if (this.sendIdx > 0) this.sendIdx--;
        acked++;
        if (head.sends === 1) sample = this.owner.now() - head.sentAt;
        if (head.flags & TCP_SYN && head.sends > 1) this.synRetransmitted = true;
        continue;
      }
      if (seqGt(ack, head.seq)) {
        // Partly acknowledged: keep the rest (data only; SYN/FIN are whole).
        const n = seqDiff(ack, head.seq);
        head.data = head.data.slice(n);
        head.seq = ack;
      }
      break;
    }
    this.sndUna = ack;
    if (seqGt(ack, this.sndNxt)) this.sndNxt = ack;
    if (acked > 0) {
      this.pendingConfirm = true;
      this.dupAcks = 0;
      if (sample >= 0) this.rttSample(sample);
      this.retransmits = 0;
      this.rtoCur = this.rto;
      if (this.cwnd < this.ssthresh) this.cwnd += acked;
      else this.cwnd += acked / this.cwnd;
      this.owner.cancel(this.rtoTimer);
      this.rtoTimer = null;
      this.armRto();
    }
  }

  private ourFinAcked(): boolean {
    return this.finQueued && this.queue.length === 0;
  }

  /** tcp_rtt_estimator() + tcp_set_rto(): RFC 6298 with Linux's 200 ms floor on the variance term. */
  private rttSample(r: number): void {
    const cfg = this.owner.cfg;
    if (this.srtt < 0) {
      this.srtt = r;
      this.rttvar = r / 2;
    } else {
      this.rttvar = 0.75 * this.rttvar + 0.25 * Math.abs(this.srtt - r);
      this.srtt = 0.875 * this.srtt + 0.125 * r;
    }
    const rto = this.srtt + Math.max(4 * this.rttvar, cfg.rtoMinNs);
    this.rto = Math.round(Math.min(Math.max(rto, cfg.rtoMinNs), cfg.rtoMaxNs));
  }

  private onDupAck(): void {
    this.dupAcks++;
    if (this.dupAcks === 3) {
      // Fast retransmit (RFC 5681 §3.2).
      this.ssthresh = Math.max(Math.floor(this.sendIdx / 2), 2);
      this.cwnd = this.ssthresh;
      this.retransmitHead();
    }
  }

  private armRto(): void {
    if (this.rtoTimer !== null || this.sendIdx === 0) return;
    this.rtoTimer = this.owner.at(this.owner.now() + this.rtoCur, () => this.onRto());
  }

  /** tcp_retransmit_timer(). */
  private onRto(): void {
    this.rtoTimer = null;
    const cfg = this.owner.cfg;
    if (this.queue.length === 0 || this.state === 'CLOSED') return;
    this.retransmits++;
    if (this.state === 'SYN_SENT') {
      // 6.5+: the first tcp_syn_linear_timeouts retransmissions keep the 1 s RTO, then it doubles;
      // the connect gives up after syn_retries + linear retransmissions (measured: 10, at ~131 s).
      if (this.retransmits > cfg.synRetries + cfg.synLinearTimeouts) {
        this.fail('timeout');
        return;
      }
      this.retransmitHead();
      if (this.retransmits > cfg.synLinearTimeouts) this.rtoCur = Math.min(this.rtoCur * 2, cfg.rtoMaxNs);
    } else if (this.state === 'SYN_RECV' && this.queue[0]!.flags & TCP_SYN) {
      if (this.retransmits > cfg.synackRetries) {
        this.destroy(); // the request socket expires silently
        return;
      }
      this.retransmitHead();
      this.rtoCur = Math.min(this.rtoCur * 2, cfg.rtoMaxNs);
    } else {
      if (this.retransmits > cfg.retries2) {
        this.fail(this.softError ?? 'timeout'); // tcp_write_err(): sk_err_soft ? : ETIMEDOUT
        return;
      }
      this.ssthresh = Math.max(Math.floor(this.sendIdx / 2), 2);
      this.cwnd = 1;
      this.dupAcks = 0;
      this.sendIdx = 0; // go back: everything in flight is sent again as cwnd allows
      this.rtoCur = Math.min(this.rtoCur * 2, cfg.rtoMaxNs);
      const head = this.queue[0]!;
      this.transmitSeg(head);
      this.sendIdx = 1;
    }
    this.armRto();
  }

  // ===================================================================== ending

  /** ICMP destination unreachable for this connection (tcp_v4_err). */
  icmpUnreachable(error: TcpError): void {
    // Only a connection still opening treats it as fatal; later ones keep retrying (soft error).
    if (this.state === 'SYN_SENT') this.fail(error);
    else if (this.state === 'SYN_RECV') this.destroy();
    else this.softError = error;
  }

  /** Fails the connection: the app sees onError and nothing else. */
  fail(error: TcpError): void {
    this.destroy();
    this.handlers.onError?.(this, error);
  }

  /** LAST_ACK -> CLOSED: the normal end of a passive close. */
  private finish(): void {
    this.destroy();
    this.handlers.onClosed?.(this);
  }

  private stopTimers(): void {
    this.owner.cancel(this.rtoTimer);
    this.rtoTimer = null;
    this.owner.cancel(this.delackTimer);
    this.delackTimer = null;
  }

  /** Frees the socket without sending anything. */
  destroy(): void {
    if (this.state === 'CLOSED') return;
    this.stopTimers();
    this.owner.cancel(this.finWait2Timer);
    this.finWait2Timer = null;
    this.state = 'CLOSED';
    this.queue = [];
    this.ooo = [];
    this.preconnect = [];
    this.owner.release(this);
  }

  /** What a TIME_WAIT entry keeps of the connection (inet_timewait_sock). */
  timeWaitState(): { rcvNxt: number; sndNxt: number; tsOk: boolean; tsRecent: number; tsOffset: number; window: number } {
    return {
      rcvNxt: this.rcvNxt,
      sndNxt: this.sndNxt,
      tsOk: this.tsOk,
      tsRecent: this.tsRecent,
      tsOffset: this.tsOffset,
      window: Math.min(this.rcvWnd >>> this.rcvWscale, 0xffff),
    };
  }
}

/** RST for a segment whose ACK does not belong to us: seq = its ack, no ACK flag (RFC 9293 §3.10.7). */
function rstRepr(sock: TcpSocket, ack: number): TcpRepr {
  return {
    srcPort: sock.localPort,
    dstPort: sock.remotePort,
    seq: ack,
    ack: 0,
    flags: TCP_RST,
    window: 0,
    urgentPtr: 0,
    options: [],
  };
}

function fmtAddr(a: number): string {
  return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
}
