// The connection tracking table (net/netfilter/nf_conntrack_core.c) of one host: entries with
// their two tuples, status bits, per-protocol state and a timer on the virtual clock.
//
// Life of an entry, as in the kernel: the first packet of a connection gets a new, *unconfirmed*
// entry (not in the table; other packets cannot find it); NAT bindings are made on it while the
// packet walks the hooks; at the last hook (POSTROUTING, or INPUT for local delivery) it is
// confirmed — inserted in the table. A packet dropped on the way takes its unconfirmed entry with
// it. Entries die when their timer runs out (checked lazily against the host's clock: on lookup,
// on listing and in a sweep at most once per virtual second).

import { jhash2 } from './jhash.ts';
import { TcpTrack, TCP_STATE_NAMES, tcpCanOpen, tcpFlagsValid, tcpPacket } from './tcp.ts';
import type { PacketFacts } from './packet.ts';
import {
  DIR_ORIGINAL,
  DIR_REPLY,
  IPPROTO_ICMP,
  IPPROTO_TCP,
  IPPROTO_UDP,
  copyTuple,
  icmpOpensConnection,
  invertTuple,
  tupleKey,
  type Dir,
  type Tuple,
} from './tuple.ts';

const SEC = 1_000_000_000;
export const UDP_TIMEOUT_NS = 30 * SEC;
export const UDP_TIMEOUT_STREAM_NS = 120 * SEC;
/** A UDP flow still active this long after it began counts as a stream (stream_ts = 2 * HZ). */
export const UDP_STREAM_AFTER_NS = 2 * SEC;
export const ICMP_TIMEOUT_NS = 30 * SEC;
export const GENERIC_TIMEOUT_NS = 600 * SEC;
/** nf_conntrack_buckets on the reference machine: `conntrack -L` walks buckets in order. */
export const CONNTRACK_BUCKETS = 262144;
const GC_INTERVAL_NS = SEC;

/** ctinfo of a packet (enum ip_conntrack_info), plus the two cases with no entry. */
export type CtInfo = 'NEW' | 'ESTABLISHED' | 'RELATED' | 'ESTABLISHED_REPLY' | 'RELATED_REPLY' | 'INVALID' | 'UNTRACKED';

export class Conn {
  /** [ORIGINAL, REPLY]. NAT changes the reply tuple (nf_conntrack_alter_reply) before confirmation. */
  readonly tuples: [Tuple, Tuple];
  seenReply = false;
  assured = false;
  confirmed = false;
  /** IPS_SRC_NAT / IPS_DST_NAT: the binding really changes the packet. */
  srcNat = false;
  dstNat = false;
  /** IPS_SRC_NAT_DONE / IPS_DST_NAT_DONE: the nat table was consulted for this manip type. */
  srcNatDone = false;
  dstNatDone = false;
  /** Which target made the binding: for packet comments (MASQUERADE vs SNAT, DNAT vs REDIRECT). */
  srcNatBy: 'SNAT' | 'MASQUERADE' | null = null;
  dstNatBy: 'DNAT' | 'REDIRECT' | null = null;
  readonly tcp: TcpTrack | null;
  /** Absolute virtual time (ns) at which the entry expires. */
  timeoutAt = 0;
  readonly createdAt: number;
  /** Insertion order: within a hash bucket the newest entry comes first. */
  seq = 0;
  /** Bucket of the original tuple (for the listing order). */
  bucket = 0;

  constructor(original: Tuple, reply: Tuple, createdAt: number) {
    this.tuples = [original, reply];
    this.createdAt = createdAt;
    this.tcp = original.protocol === IPPROTO_TCP ? new TcpTrack() : null;
  }

  get original(): Tuple {
    return this.tuples[DIR_ORIGINAL];
  }
  get reply(): Tuple {
    return this.tuples[DIR_REPLY];
  }
  tcpStateName(): string {
    return this.tcp ? TCP_STATE_NAMES[this.tcp.state]! : '';
  }
}

/** Where one packet stands with conntrack after nf_conntrack_in. */
export interface CtResult {
  conn: Conn | null;
  dir: Dir;
  info: CtInfo;
}

interface Slot {
  conn: Conn;
  dir: Dir;
}

export class ConntrackTable {
  private readonly byTuple = new Map<string, Slot>();
  /** Source-NATed entries by original source (nf_nat_bysource), for find_appropriate_src. */
  private readonly bySource = new Map<string, Conn[]>();
  private readonly conns = new Set<Conn>();
  private nextSeq = 1;
  private lastGc = 0;

  constructor(
    private readonly now: () => number,
    /** Seed of the bucket hash (the kernel's nf_conntrack_hash_rnd). */
    private readonly hashSeed: number,
  ) {}

  get size(): number {
    this.gc(true);
    return this.conns.size;
  }

  /** All live entries in the order `conntrack -L` prints them (hash bucket order, newest first in a bucket). */
  entries(): Conn[] {
    this.gc(true);
    return [...this.conns].sort((a, b) => a.bucket - b.bucket || b.seq - a.seq);
  }

  /** The entry (and direction) a tuple belongs to, if it is live. */
  find(t: Tuple): Slot | undefined {
    this.gc(false);
    const slot = this.byTuple.get(tupleKey(t));
    if (!slot) return undefined;
    if (slot.conn.timeoutAt <= this.now()) {
      this.remove(slot.conn);
      return undefined;
    }
    return slot;
  }

  /** nf_conntrack_tuple_taken: does a live entry other than `ignored` use this tuple in either direction? */
  tupleTaken(t: Tuple, ignored: Conn): boolean {
    const slot = this.find(t);
    return slot !== undefined && slot.conn !== ignored;
  }

  /** Source-NATed entries whose original source is (protocol, addr, port). */
  bySourceOf(t: Tuple): readonly Conn[] {
    return this.bySource.get(sourceKey(t)) ?? [];
  }

  /**
   * __nf_conntrack_confirm: insert a new entry under both tuples. False when a live entry already
   * holds one of them (a NAT range with no free port left): the kernel then drops the packet.
   */
  confirm(conn: Conn): boolean {
    if (conn.confirmed) return true;
    if (this.find(conn.original) || this.find(conn.reply)) return false;
    conn.confirmed = true;
    conn.seq = this.nextSeq++;
    conn.bucket = this.bucketOf(conn.original);
    this.byTuple.set(tupleKey(conn.original), { conn, dir: DIR_ORIGINAL });
    this.byTuple.set(tupleKey(conn.reply), { conn, dir: DIR_REPLY });
    if (conn.srcNatDone && conn.srcNat) {
      const k = sourceKey(conn.original);
      const list = this.bySource.get(k);
      if (list) list.push(conn);
      else this.bySource.set(k, [conn]);
    }
    this.conns.add(conn);
    return true;
  }

  remove(conn: Conn): void {
    if (!this.conns.delete(conn)) return;
    const ko = tupleKey(conn.original);
    const kr = tupleKey(conn.reply);
    if (this.byTuple.get(ko)?.conn === conn) this.byTuple.delete(ko);
    if (this.byTuple.get(kr)?.conn === conn) this.byTuple.delete(kr);
    const ks = sourceKey(conn.original);
    const list = this.bySource.get(ks);
    if (list) {
      const i = list.indexOf(conn);
      if (i >= 0) list.splice(i, 1);
      if (list.length === 0) this.bySource.delete(ks);
    }
  }

  /** conntrack -F. */
  flush(): void {
    this.byTuple.clear();
    this.bySource.clear();
    this.conns.clear();
  }

  /** Drops expired entries; without `force`, at most once per virtual second. */
  gc(force: boolean): void {
    const now = this.now();
    if (!force && now - this.lastGc < GC_INTERVAL_NS) return;
    this.lastGc = now;
    for (const c of this.conns) if (c.timeoutAt <= now) this.remove(c);
  }

  private bucketOf(t: Tuple): number {
    // The kernel hashes with siphash and a boot-time random key; any keyed hash gives the same
    // kind of order. reciprocal_scale onto the bucket count, as hash_conntrack does.
    const h = jhash2([t.src, t.dst, (t.srcId << 16) | t.dstId, t.protocol], this.hashSeed);
    return Math.floor((h * CONNTRACK_BUCKETS) / 4294967296);
  }
}

function sourceKey(t: Tuple): string {
  return `${t.protocol}|${t.src}|${t.srcId}`;
}

/** The tuple of a packet as conntrack sees it (nf_ct_get_tuple); undefined when it has none. */
export function packetTuple(f: PacketFacts): Tuple | undefined {
  if (!f.ok || f.fragment) return undefined;
  switch (f.protocol) {
    case IPPROTO_TCP:
    case IPPROTO_UDP:
      if (!f.l4Ok) return undefined;
      return { src: f.src, dst: f.dst, protocol: f.protocol, srcId: f.srcPort, dstId: f.dstPort };
    case IPPROTO_ICMP:
      if (!f.l4Ok) return undefined;
      return { src: f.src, dst: f.dst, protocol: f.protocol, srcId: f.icmpId, dstId: (f.icmpType << 8) | f.icmpCode };
    default:
      return { src: f.src, dst: f.dst, protocol: f.protocol, srcId: 0, dstId: 0 };
  }
}

/**
 * nf_conntrack_in for a packet that is not an ICMP error: find or create its entry and run the
 * protocol tracker. `checksumOk` is false when the transport checksum was verified (PREROUTING)
 * and found wrong: such a packet is INVALID, as with nf_conntrack_checksum=1.
 */
export function conntrackIn(table: ConntrackTable, f: PacketFacts, checksumOk: boolean, now: number): CtResult {
  const t = packetTuple(f);
  if (!t) return { conn: null, dir: DIR_ORIGINAL, info: 'INVALID' };
  if (!checksumOk) return { conn: null, dir: DIR_ORIGINAL, info: 'INVALID' };
  if (f.protocol === IPPROTO_TCP && !tcpFlagsValid(f.tcpFlags)) return { conn: null, dir: DIR_ORIGINAL, info: 'INVALID' };

  for (let attempt = 0; attempt < 2; attempt++) {
    let slot = table.find(t);
    let conn: Conn;
    let dir: Dir;
    if (slot) {
      conn = slot.conn;
      dir = slot.dir;
    } else {
      const created = newConn(t, f, now);
      if (!created) return { conn: null, dir: DIR_ORIGINAL, info: 'INVALID' };
      conn = created;
      dir = DIR_ORIGINAL;
    }
    const info: CtInfo = dir === DIR_REPLY ? 'ESTABLISHED_REPLY' : conn.seenReply ? 'ESTABLISHED' : 'NEW';
    const verdict = protocolPacket(conn, dir, f, now);
    if (verdict === 'reopen') {
      // nf_ct_kill + NF_REPEAT: the closed entry goes, the SYN starts a new connection.
      table.remove(conn);
      slot = undefined;
      continue;
    }
    if (verdict === 'invalid') return { conn: null, dir: DIR_ORIGINAL, info: 'INVALID' };
    if (verdict === 'kill') {
      table.remove(conn);
      return { conn, dir, info };
    }
    if (dir === DIR_REPLY) conn.seenReply = true;
    return { conn, dir, info };
  }
  return { conn: null, dir: DIR_ORIGINAL, info: 'INVALID' };
}

/** init_conntrack: a new unconfirmed entry, or undefined when this packet may not start one. */
function newConn(t: Tuple, f: PacketFacts, now: number): Conn | undefined {
  if (f.protocol === IPPROTO_TCP && !tcpCanOpen(f.tcpFlags)) return undefined;
  if (f.protocol === IPPROTO_ICMP && !icmpOpensConnection(f.icmpType)) return undefined;
  const reply = invertTuple(t);
  if (!reply) return undefined;
  return new Conn(copyTuple(t), reply, now);
}

type ProtoVerdict = 'ok' | 'invalid' | 'kill' | 'reopen';

function protocolPacket(conn: Conn, dir: Dir, f: PacketFacts, now: number): ProtoVerdict {
  switch (conn.original.protocol) {
    case IPPROTO_TCP: {
      const v = tcpPacket(
        conn.tcp!,
        dir,
        { flags: f.tcpFlags, seq: f.seq, ack: f.ack, window: f.window, seqLen: f.tcpSeqLen },
        conn.seenReply,
        conn.assured,
      );
      switch (v.kind) {
        case 'accept':
          if (v.setAssured) conn.assured = true;
          if (!v.keepTimer || !conn.confirmed) conn.timeoutAt = now + v.timeoutNs;
          return 'ok';
        case 'ignore':
          return 'ok';
        case 'invalid':
          return 'invalid';
        case 'kill':
          return 'kill';
        case 'reopen':
          return 'reopen';
      }
      break;
    }
    case IPPROTO_UDP:
      // nf_conntrack_udp_packet: replied and still active 2 s after it began -> a stream: 120 s
      // and ASSURED; otherwise 30 s. SEEN_REPLY is tested before this packet sets it.
      if (conn.seenReply) {
        if (now > conn.createdAt + UDP_STREAM_AFTER_NS) {
          conn.timeoutAt = now + UDP_TIMEOUT_STREAM_NS;
          conn.assured = true;
        } else {
          conn.timeoutAt = now + UDP_TIMEOUT_NS;
        }
      } else {
        conn.timeoutAt = now + UDP_TIMEOUT_NS;
      }
      return 'ok';
    case IPPROTO_ICMP:
      conn.timeoutAt = now + ICMP_TIMEOUT_NS;
      return 'ok';
    default:
      conn.timeoutAt = now + GENERIC_TIMEOUT_NS;
      return 'ok';
  }
  return 'ok';
}

/** ctinfo as the conntrack/state matches see it. */
export function ctStateOf(info: CtInfo): 'NEW' | 'ESTABLISHED' | 'RELATED' | 'INVALID' | 'UNTRACKED' {
  switch (info) {
    case 'NEW':
      return 'NEW';
    case 'ESTABLISHED':
    case 'ESTABLISHED_REPLY':
      return 'ESTABLISHED';
    case 'RELATED':
    case 'RELATED_REPLY':
      return 'RELATED';
    case 'INVALID':
      return 'INVALID';
    case 'UNTRACKED':
      return 'UNTRACKED';
  }
}
