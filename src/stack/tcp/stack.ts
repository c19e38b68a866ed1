// A host's TCP: demultiplexing (established, TIME_WAIT, listeners), RSTs for segments nobody wants,
// ephemeral ports, ISNs and timestamp offsets, and the TIME_WAIT table (net/ipv4/tcp_ipv4.c,
// tcp_minisocks.c, inet_hashtables.c).

import type { Rng, Scheduler, Timer } from '../../sim/index.ts';
import {
  IP_PROTO_TCP,
  TCP_ACK,
  TCP_FIN,
  TCP_RST,
  TCP_SYN,
  emitTcp,
  tcpBufferLen,
  verifyTcpChecksum,
  type TcpRepr,
} from '../../wire/index.ts';
import type { PayloadWriter } from '../host.ts';
import { resolveTcpConfig, type TcpConfig } from './config.ts';
import { EphemeralPorts, PortUse, type PortCheck } from './ports.ts';
import { TcpSecrets } from './secure.ts';
import { readSegment, segSpace, seqAdd, seqGt, type SegIn } from './segment.ts';
import { TcpSocket, type TcpError, type TcpHandlers, type TcpSocketOwner } from './socket.ts';

/** A TCP segment handed to IP: the host fills in TOS, length, checksum and routes it. */
export interface TcpIpv4Packet {
  src: number;
  dst: number;
  protocol: number;
  ipId: number;
  ttl: number;
  df: boolean;
  payload: Uint8Array;
  /** The peer proved reachable since the last segment (Linux dst_confirm): refresh its neighbour entry. */
  confirmNeighbour: boolean;
}

/** What TCP needs from its host. */
export interface TcpEnv {
  readonly hostName: string;
  readonly scheduler: Scheduler;
  /** The source address the host would use towards `dst` (route lookup); undefined: no route. */
  sourceAddressFor(dst: number): number | undefined;
  sendIpv4(pkt: TcpIpv4Packet): void;
  /**
   * Optional: sends like sendIpv4 but has `writer` write the segment straight into the frame
   * (`pkt.payload` is empty and not read), saving an array and a copy per segment.
   */
  sendIpv4Written?(pkt: TcpIpv4Packet, writer: PayloadWriter): void;
}

const NO_PAYLOAD = new Uint8Array(0);

/**
 * The segment TcpStack.send hands to sendIpv4Written. One per stack, reused: the host calls
 * writeTo before anything else that could send (hooks, delivery), so a nested send cannot
 * overwrite it before it is written.
 */
class SegmentWriter implements PayloadWriter {
  length = 0;
  repr: TcpRepr | null = null;
  src = 0;
  dst = 0;

  writeTo(buf: Uint8Array, off: number): void {
    emitTcp(this.repr!, buf, off, this.src, this.dst);
    this.repr = null;
  }
}

export interface TcpListener {
  readonly port: number;
  readonly localAddr: number;
  close(): void;
}

/** Counters named after /proc/net/snmp's Tcp: line. */
export interface TcpStats {
  activeOpens: number;
  passiveOpens: number;
  attemptFails: number;
  estabResets: number;
  inSegs: number;
  outSegs: number;
  retransSegs: number;
  inErrs: number;
  outRsts: number;
}

interface ListenerEntry extends TcpListener {
  onAccept: (sock: TcpSocket) => TcpHandlers | void;
  open: boolean;
}

/** inet_timewait_sock: the little a closed connection keeps for 2MSL. */
class TimeWaitEntry {
  timer: Timer | null = null;
  constructor(
    readonly localAddr: number,
    readonly localPort: number,
    readonly remoteAddr: number,
    readonly remotePort: number,
    readonly rcvNxt: number,
    readonly sndNxt: number,
    readonly tsOk: boolean,
    public tsRecent: number,
    readonly tsOffset: number,
    readonly window: number,
    /** Opened by connect(): its local port counts as used towards the remote endpoint. */
    readonly active: boolean,
  ) {}
}

type Conn = TcpSocket | TimeWaitEntry;

/**
 * One number per connection that fits a double exactly: the remote address and the XOR of the two
 * ports. A client's connections differ in the local port, a server's in the remote port, so keys
 * rarely collide; a collision shares a bucket (an array) and the lookup compares all four fields.
 */
function connKey(localPort: number, remoteAddr: number, remotePort: number): number {
  return remoteAddr * 65536 + ((remotePort ^ localPort) & 0xffff);
}

function sameTuple(c: Conn, localAddr: number, localPort: number, remoteAddr: number, remotePort: number): boolean {
  return c.localPort === localPort && c.remotePort === remotePort && c.remoteAddr === remoteAddr && c.localAddr === localAddr;
}

export class TcpStack implements TcpSocketOwner, PortCheck {
  readonly cfg: TcpConfig;
  readonly stats: TcpStats = {
    activeOpens: 0,
    passiveOpens: 0,
    attemptFails: 0,
    estabResets: 0,
    inSegs: 0,
    outSegs: 0,
    retransSegs: 0,
    inErrs: 0,
    outRsts: 0,
  };
  private readonly scheduler: Scheduler;
  private readonly secrets: TcpSecrets;
  private readonly ports: EphemeralPorts;
  /** Every connection and TIME_WAIT entry, by connKey(). */
  private readonly conns = new Map<number, Conn | Conn[]>();
  /**
   * Local ports our active opens use towards each remote endpoint (remote addr * 65536 + port):
   * the ephemeral-port scan passes runs of them without a table lookup per port.
   */
  private readonly portUse = new Map<number, PortUse>();
  private readonly listeners = new Map<number, ListenerEntry[]>();
  private connCount = 0;
  private timeWaitCount = 0;
  private readonly writer = new SegmentWriter();

  constructor(
    private readonly env: TcpEnv,
    private readonly rng: Rng,
    config?: Partial<TcpConfig>,
  ) {
    this.cfg = resolveTcpConfig(config);
    this.scheduler = env.scheduler;
    this.secrets = new TcpSecrets(rng);
    this.ports = new EphemeralPorts(this.cfg.ephemeralLow, this.cfg.ephemeralHigh, this.secrets, rng);
  }

  /** Open connections (any state but TIME_WAIT) and TIME_WAIT entries. */
  get connectionCount(): number {
    return this.connCount;
  }
  get timeWaitEntries(): number {
    return this.timeWaitCount;
  }

  // ------------------------------------------------------------------ TcpSocketOwner

  now(): number {
    return this.scheduler.now;
  }
  at(timeNs: number, fn: () => void): Timer {
    return this.scheduler.at(timeNs, fn);
  }
  cancel(t: Timer | null): void {
    if (t !== null) this.scheduler.cancel(t);
  }
  randomU16(): number {
    return this.rng.u32() & 0xffff;
  }

  transmit(sock: TcpSocket, repr: TcpRepr, ipId: number, retransmission: boolean, confirmNeighbour: boolean): void {
    if (retransmission) this.stats.retransSegs++;
    if (repr.flags & TCP_RST) this.stats.outRsts++;
    this.send(sock.localAddr, sock.remoteAddr, repr, ipId, confirmNeighbour);
  }

  accepted(sock: TcpSocket): void {
    const l = this.findListener(sock.localAddr, sock.localPort);
    if (l === undefined) {
      // The listener went away during the handshake: reset the half-open connection.
      sock.abort();
      return;
    }
    this.stats.passiveOpens++;
    const h = l.onAccept(sock);
    if (h) sock.handlers = h;
  }

  timeWait(sock: TcpSocket): void {
    const t = sock.timeWaitState();
    const tw = new TimeWaitEntry(
      sock.localAddr,
      sock.localPort,
      sock.remoteAddr,
      sock.remotePort,
      t.rcvNxt,
      t.sndNxt,
      t.tsOk,
      t.tsRecent,
      t.tsOffset,
      t.window,
      sock.activeOpen,
    );
    this.replace(sock, tw);
    this.connCount--;
    this.timeWaitCount++;
    this.armTimeWait(tw);
  }

  release(sock: TcpSocket): void {
    if (this.remove(sock)) this.connCount--;
  }

  // ------------------------------------------------------------------ API

  /**
   * Listens on `port` (on `localAddr`, or every address when 0). `onAccept` runs when a handshake
   * completes and returns the new connection's handlers.
   */
  listen(port: number, onAccept: (sock: TcpSocket) => TcpHandlers | void, localAddr = 0): TcpListener {
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new RangeError(`bad TCP port ${port}`);
    const list = this.listeners.get(port) ?? [];
    if (list.some((l) => l.open && (l.localAddr === localAddr || l.localAddr === 0 || localAddr === 0))) {
      throw new Error(`${this.env.hostName}: TCP port ${port} is already in use (EADDRINUSE)`);
    }
    const entry: ListenerEntry = {
      port,
      localAddr,
      onAccept,
      open: true,
      close: () => {
        entry.open = false;
        const cur = this.listeners.get(port);
        if (cur === undefined) return;
        const rest = cur.filter((l) => l !== entry);
        if (rest.length === 0) this.listeners.delete(port);
        else this.listeners.set(port, rest);
      },
    };
    list.push(entry);
    this.listeners.set(port, list);
    return entry;
  }

  /**
   * Active open towards dst:dstPort. Failures (no route, refused, timeout, unreachable) arrive
   * through `handlers.onError`, never synchronously.
   */
  connect(dst: number, dstPort: number, handlers: TcpHandlers, opts: { src?: number; srcPort?: number } = {}): TcpSocket {
    const src = opts.src ?? this.env.sourceAddressFor(dst);
    if (src === undefined) {
      // connect() fails with ENETUNREACH before anything is sent.
      const dead = new TcpSocket(this, 0, 0, dst, dstPort);
      dead.handlers = handlers;
      this.stats.attemptFails++;
      this.scheduler.after(0, () => handlers.onError?.(dead, 'net-unreachable'));
      return dead;
    }
    const port = opts.srcPort ?? this.ports.pick(src, dst, dstPort, this.portUse.get(dst * 65536 + dstPort), this);
    if (port === undefined) throw new Error(`${this.env.hostName}: no free local port towards ${dst}:${dstPort} (EADDRNOTAVAIL)`);
    const sock = new TcpSocket(this, src, port, dst, dstPort);
    sock.handlers = handlers;
    sock.activeOpen = true;
    this.put(sock);
    this.connCount++;
    this.stats.activeOpens++;
    const now = this.scheduler.now;
    sock.openActive(this.secrets.isn(src, dst, port, dstPort, now), this.secrets.tsOffset(src, dst, port, dstPort));
    return sock;
  }

  /** A TCP segment for one of our addresses (IP header already checked and stripped). */
  input(srcAddr: number, dstAddr: number, segment: Uint8Array): void {
    this.stats.inSegs++;
    if (!verifyTcpChecksum(segment, 0, segment.length, srcAddr, dstAddr)) {
      this.stats.inErrs++;
      return;
    }
    const seg = readSegment(segment, 0, segment.length);
    if (seg === null) {
      this.stats.inErrs++;
      return;
    }
    const conn = this.lookup(dstAddr, seg.dstPort, srcAddr, seg.srcPort);
    if (conn instanceof TcpSocket) {
      conn.input(seg);
      return;
    }
    if (conn instanceof TimeWaitEntry) {
      if (!this.timeWaitInput(conn, seg)) return;
      // A new SYN reopened the 4-tuple (TCP_TW_SYN): go on to the listener.
    }
    const l = this.findListener(dstAddr, seg.dstPort);
    if (l !== undefined && (seg.flags & (TCP_SYN | TCP_ACK | TCP_RST)) === TCP_SYN) {
      const sock = new TcpSocket(this, dstAddr, seg.dstPort, srcAddr, seg.srcPort);
      this.put(sock);
      this.connCount++;
      const iss = this.secrets.isn(dstAddr, srcAddr, seg.dstPort, seg.srcPort, this.scheduler.now);
      sock.openPassive(seg, iss, this.secrets.tsOffset(dstAddr, srcAddr, seg.dstPort, seg.srcPort));
      return;
    }
    this.sendReset(dstAddr, srcAddr, seg);
  }

  /**
   * An ICMP error about a segment we sent. `quoted` starts at the TCP header the ICMP message
   * quotes (at least 8 bytes: ports and sequence number); `innerSrc`/`innerDst` are the quoted IP
   * header's addresses (ours and the peer's).
   */
  icmpError(icmpType: number, icmpCode: number, innerSrc: number, innerDst: number, quoted: Uint8Array): void {
    if (quoted.length < 8) return;
    const srcPort = (quoted[0]! << 8) | quoted[1]!;
    const dstPort = (quoted[2]! << 8) | quoted[3]!;
    const err = icmpToError(icmpType, icmpCode);
    if (err === undefined) return;
    this.unreachable(innerSrc, srcPort, innerDst, dstPort, err);
  }

  /** Reports an unreachable peer to the connection (a local neighbour failure, or a mapped ICMP). */
  unreachable(localAddr: number, localPort: number, remoteAddr: number, remotePort: number, err: TcpError): void {
    const conn = this.lookup(localAddr, localPort, remoteAddr, remotePort);
    if (conn instanceof TcpSocket) {
      if (conn.state === 'SYN_SENT') this.stats.attemptFails++;
      conn.icmpUnreachable(err);
    }
  }

  /** PortCheck: a port free in the destination's use record (`tracked`), or with no record yet. */
  portUsable(src: number, port: number, dst: number, dport: number, tracked: boolean): boolean {
    if (this.listeners.has(port)) return false;
    return !tracked || this.lookup(src, port, dst, dport) === undefined;
  }

  // ------------------------------------------------------------------ internals

  private lookup(localAddr: number, localPort: number, remoteAddr: number, remotePort: number): Conn | undefined {
    const v = this.conns.get(connKey(localPort, remoteAddr, remotePort));
    if (v === undefined) return undefined;
    if (!Array.isArray(v)) return sameTuple(v, localAddr, localPort, remoteAddr, remotePort) ? v : undefined;
    for (const c of v) if (sameTuple(c, localAddr, localPort, remoteAddr, remotePort)) return c;
    return undefined;
  }

  private put(c: Conn): void {
    const k = connKey(c.localPort, c.remoteAddr, c.remotePort);
    const v = this.conns.get(k);
    if (v === undefined) this.conns.set(k, c);
    else if (Array.isArray(v)) v.push(c);
    else this.conns.set(k, [v, c]);
    if (isActive(c)) this.markPort(c, 1);
  }

  /** Removes `c` from the table; false when it was not there. */
  private remove(c: Conn): boolean {
    const k = connKey(c.localPort, c.remoteAddr, c.remotePort);
    const v = this.conns.get(k);
    if (v === undefined) return false;
    if (Array.isArray(v)) {
      const i = v.indexOf(c);
      if (i < 0) return false;
      v.splice(i, 1);
      if (v.length === 1) this.conns.set(k, v[0]!);
    } else if (v === c) this.conns.delete(k);
    else return false;
    if (isActive(c)) this.markPort(c, -1);
    return true;
  }

  /** A socket becomes its TIME_WAIT entry in place (same 4-tuple, same port use). */
  private replace(sock: TcpSocket, tw: TimeWaitEntry): void {
    this.remove(sock);
    this.put(tw);
  }

  private markPort(c: Conn, delta: number): void {
    const k = c.remoteAddr * 65536 + c.remotePort;
    let use = this.portUse.get(k);
    if (use === undefined) {
      use = new PortUse();
      this.portUse.set(k, use);
    }
    if (delta > 0) use.add(c.localPort);
    else use.remove(c.localPort);
  }

  private dropTimeWait(tw: TimeWaitEntry): void {
    if (this.remove(tw)) this.timeWaitCount--;
    this.cancel(tw.timer);
    tw.timer = null;
  }

  private armTimeWait(tw: TimeWaitEntry): void {
    this.cancel(tw.timer);
    tw.timer = this.scheduler.after(this.cfg.timeWaitNs, () => {
      tw.timer = null;
      this.dropTimeWait(tw);
    });
  }

  private findListener(addr: number, port: number): ListenerEntry | undefined {
    const list = this.listeners.get(port);
    if (list === undefined) return undefined;
    let any: ListenerEntry | undefined;
    for (const l of list) {
      if (!l.open) continue;
      if (l.localAddr === addr) return l;
      if (l.localAddr === 0) any = l;
    }
    return any;
  }

  /**
   * tcp_timewait_state_process(). Returns true when the segment is a new SYN that may reopen the
   * connection (the entry is then gone).
   */
  private timeWaitInput(tw: TimeWaitEntry, seg: SegIn): boolean {
    const f = seg.flags;
    if (f & TCP_RST) {
      this.dropTimeWait(tw); // net.ipv4.tcp_rfc1337 = 0: an RST kills TIME_WAIT
      return false;
    }
    if ((f & (TCP_SYN | TCP_ACK)) === TCP_SYN) {
      if (seqGt(seg.seq, tw.rcvNxt)) {
        this.dropTimeWait(tw);
        return true;
      }
      this.timeWaitAck(tw);
      return false;
    }
    if (tw.tsOk && seg.hasTs) tw.tsRecent = seg.tsVal;
    const dataOrFin = seg.payload.length > 0 || (f & TCP_FIN) !== 0;
    if (dataOrFin) {
      // The peer did not hear our last ACK (its FIN came again): ACK once more, restart 2MSL.
      this.timeWaitAck(tw);
      if (f & TCP_FIN) this.armTimeWait(tw);
    }
    return false;
  }

  /** tcp_v4_timewait_ack(): sent by the kernel's control socket, so IP ID 0. */
  private timeWaitAck(tw: TimeWaitEntry): void {
    const repr: TcpRepr = {
      srcPort: tw.localPort,
      dstPort: tw.remotePort,
      seq: tw.sndNxt,
      ack: tw.rcvNxt,
      flags: TCP_ACK,
      window: tw.window,
      urgentPtr: 0,
      options: tw.tsOk
        ? [
            { kind: 'nop' },
            { kind: 'nop' },
            {
              kind: 'timestamps',
              tsVal: (Math.floor(this.scheduler.now / 1_000_000) + tw.tsOffset) >>> 0,
              tsEcr: tw.tsRecent,
            },
          ]
        : [],
    };
    this.send(tw.localAddr, tw.remoteAddr, repr, 0);
  }

  /** tcp_v4_send_reset(): answer a segment nobody owns; never answer an RST. */
  private sendReset(localAddr: number, remoteAddr: number, seg: SegIn): void {
    if (seg.flags & TCP_RST) return;
    const repr: TcpRepr =
      seg.flags & TCP_ACK
        ? { srcPort: seg.dstPort, dstPort: seg.srcPort, seq: seg.ack, ack: 0, flags: TCP_RST, window: 0, urgentPtr: 0, options: [] }
        : {
            srcPort: seg.dstPort,
            dstPort: seg.srcPort,
            seq: 0,
            ack: seqAdd(seg.seq, segSpace(seg.flags, seg.payload.length)),
            flags: TCP_RST | TCP_ACK,
            window: 0,
            urgentPtr: 0,
            options: [],
          };
    this.stats.outRsts++;
    this.send(localAddr, remoteAddr, repr, 0);
  }

  private send(src: number, dst: number, repr: TcpRepr, ipId: number, confirmNeighbour = false): void {
    const env = this.env;
    if (env.sendIpv4Written !== undefined) {
      const w = this.writer;
      w.length = tcpBufferLen(repr);
      w.repr = repr;
      w.src = src;
      w.dst = dst;
      this.stats.outSegs++;
      env.sendIpv4Written({ src, dst, protocol: IP_PROTO_TCP, ipId, ttl: this.cfg.ttl, df: true, payload: NO_PAYLOAD, confirmNeighbour }, w);
      return;
    }
    const buf = new Uint8Array(tcpBufferLen(repr));
    emitTcp(repr, buf, 0, src, dst);
    this.stats.outSegs++;
    this.env.sendIpv4({ src, dst, protocol: IP_PROTO_TCP, ipId, ttl: this.cfg.ttl, df: true, payload: buf, confirmNeighbour });
  }
}

function isActive(c: Conn): boolean {
  return c instanceof TcpSocket ? c.activeOpen : c.active;
}

/** icmp_err_convert[] for destination unreachable, and time exceeded (EHOSTUNREACH). */
function icmpToError(type: number, code: number): TcpError | undefined {
  if (type === 11) return 'unreachable';
  if (type !== 3) return undefined;
  switch (code) {
    case 0: // net unreachable
    case 6: // net unknown
    case 9: // net administratively prohibited
    case 11: // net unreachable for TOS
      return 'net-unreachable';
    case 2: // protocol unreachable
    case 3: // port unreachable
      return 'refused';
    case 4: // fragmentation needed: path MTU discovery, not an error for the connection
      return undefined;
    default: // host unreachable, host unknown, host prohibited, filtered, ...
      return 'unreachable';
  }
}
