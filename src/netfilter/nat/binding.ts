// Making a NAT binding for a new connection, as net/netfilter/nf_nat_core.c does it:
// nf_nat_setup_info -> get_unique_tuple -> find_best_ips_proto / nf_nat_l4proto_unique_tuple.
// A binding rewrites the connection's reply tuple so that answers can be recognised and turned
// back ("NAT makes each packet look like the inverse of the other direction").

import type { NatRange, RuleRng } from '../model.ts';
import type { Conn, ConntrackTable } from '../conntrack/conntrack.ts';
import { asLoadedLittleEndian, jhash2, reciprocalScale } from '../conntrack/jhash.ts';
import { IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP, copyTuple, invertTuple, tupleEqual, type Tuple } from '../conntrack/tuple.ts';

export type ManipType = 'SRC' | 'DST';

/** nf_nat_range2 with its flags spelled out. */
export interface NatRequest {
  range: NatRange;
  /** NF_NAT_RANGE_PROTO_RANDOM / _RANDOM_FULLY (--random, --random-fully). */
  random: boolean;
  /** NF_NAT_RANGE_PERSISTENT. */
  persistent: boolean;
}

/** NF_NAT_MAX_ATTEMPTS: the port search gives up after this many tries per round. */
const NAT_MAX_ATTEMPTS = 128;

/**
 * nf_nat_setup_info: bind `conn` (unconfirmed) for one manip type. Returns true when the binding
 * changes packets (IPS_SRC_NAT / IPS_DST_NAT set).
 */
export function setupNat(table: ConntrackTable, conn: Conn, req: NatRequest, manip: ManipType, rng: RuleRng): boolean {
  // What we have looks like the inverse of the reply tuple (prior manips included).
  const curr = invertTuple(conn.reply)!;
  const next = uniqueTuple(table, conn, curr, req, manip, rng);
  let changed = false;
  if (!tupleEqual(next, curr)) {
    conn.tuples[1] = invertTuple(next)!;
    if (manip === 'SRC') conn.srcNat = true;
    else conn.dstNat = true;
    changed = true;
  }
  if (manip === 'SRC') conn.srcNatDone = true;
  else conn.dstNatDone = true;
  return changed;
}

/**
 * nf_nat_alloc_null_binding: no nat rule bound this connection, so it keeps its addresses — but
 * the binding is still made (and, for SRC, still made unique), and the chain is never consulted
 * again for it.
 */
export function nullBinding(table: ConntrackTable, conn: Conn, manip: ManipType, rng: RuleRng): boolean {
  const addr = manip === 'SRC' ? conn.reply.dst : conn.reply.src;
  const range: NatRange = { mapIps: true, minIp: addr, maxIp: addr, protoSpecified: false, minPort: 0, maxPort: 0 };
  return setupNat(table, conn, { range, random: false, persistent: false }, manip, rng);
}

function usedTuple(table: ConntrackTable, t: Tuple, ignored: Conn): boolean {
  // nf_nat_used_tuple: would the reply tuple of this mapping clash with a live entry (TIME_WAIT
  // ones included)?
  const reply = invertTuple(t);
  return reply !== undefined && table.tupleTaken(reply, ignored);
}

function addrInRange(addr: number, r: NatRange): boolean {
  return !r.mapIps || (addr >= r.minIp && addr <= r.maxIp);
}

/** The port-like key a manip type changes: TCP/UDP port, ICMP echo id (same for either manip). */
function key(t: Tuple, manip: ManipType): number {
  if (t.protocol === IPPROTO_ICMP) return t.srcId;
  return manip === 'SRC' ? t.srcId : t.dstId;
}
function setKey(t: Tuple, manip: ManipType, v: number): void {
  if (t.protocol === IPPROTO_ICMP || manip === 'SRC') t.srcId = v;
  else t.dstId = v;
}
function hasKey(protocol: number): boolean {
  return protocol === IPPROTO_TCP || protocol === IPPROTO_UDP || protocol === IPPROTO_ICMP;
}

function protoInRange(t: Tuple, manip: ManipType, r: NatRange): boolean {
  const k = key(t, manip);
  return k >= r.minPort && k <= r.maxPort;
}

/** nf_in_range for a source mapping: address (and port, when given) inside the range. */
function inRange(t: Tuple, req: NatRequest): boolean {
  if (!addrInRange(t.src, req.range)) return false;
  if (!req.range.protoSpecified || !hasKey(t.protocol)) return true;
  return protoInRange(t, 'SRC', req.range);
}

function uniqueTuple(table: ConntrackTable, conn: Conn, orig: Tuple, req: NatRequest, manip: ManipType, rng: RuleRng): Tuple {
  const r = req.range;
  // 1) Source mappings first try to keep the tuple, or reuse the mapping this source already has.
  if (manip === 'SRC' && !req.random) {
    if (inRange(orig, req)) {
      if (!usedTuple(table, orig, conn)) return copyTuple(orig);
    } else {
      const found = findAppropriateSrc(table, orig, req);
      if (found && !usedTuple(table, found, conn)) return found;
    }
  }
  // 2) The address: one choice, or the kernel's hash of the addresses over the range.
  const t = copyTuple(orig);
  findBestIps(t, r, req.persistent, manip);
  // 3) Keep the port if it is in range and the result is unique; else search.
  if (!req.random) {
    if (r.protoSpecified && hasKey(t.protocol)) {
      if (protoInRange(t, manip, r) && (r.minPort === r.maxPort || !usedTuple(table, t, conn))) return t;
    } else if (!usedTuple(table, t, conn)) {
      return t;
    }
  }
  uniqueKey(table, conn, t, req, manip, rng);
  return t;
}

/** find_appropriate_src: an existing SNAT of the same source (newest first) whose mapping still fits. */
function findAppropriateSrc(table: ConntrackTable, orig: Tuple, req: NatRequest): Tuple | undefined {
  const list = table.bySourceOf(orig);
  for (let i = list.length - 1; i >= 0; i--) {
    const c = list[i]!;
    const result = invertTuple(c.reply);
    if (!result) continue;
    // Copy the source part from that mapping, keep this connection's destination part.
    result.dst = orig.dst;
    result.dstId = orig.dstId;
    if (inRange(result, req)) return result;
  }
  return undefined;
}

/** find_best_ips_proto for IPv4. */
function findBestIps(t: Tuple, r: NatRange, persistent: boolean, manip: ManipType): void {
  if (!r.mapIps) return;
  if (r.minIp === r.maxIp) {
    if (manip === 'SRC') t.src = r.minIp;
    else t.dst = r.minIp;
    return;
  }
  // jhash2 over the 16-byte union nf_inet_addr holding the source (IPv4 in word 0), keyed with
  // the destination, both as the CPU loads network-order words.
  const j = jhash2([asLoadedLittleEndian(t.src), 0, 0, 0], persistent ? 0 : asLoadedLittleEndian(t.dst));
  const dist = (r.maxIp - r.minIp + 1) >>> 0;
  const ip = (r.minIp + reciprocalScale(j, dist)) >>> 0;
  if (manip === 'SRC') t.src = ip;
  else t.dst = ip;
}

/** nf_nat_l4proto_unique_tuple (Linux >= 5.x): a free port (or ICMP id) for the mapping. */
function uniqueKey(table: ConntrackTable, conn: Conn, t: Tuple, req: NatRequest, manip: ManipType, rng: RuleRng): void {
  const r = req.range;
  let min: number;
  let rangeSize: number;
  if (t.protocol === IPPROTO_ICMP) {
    if (!r.protoSpecified) {
      min = 0;
      rangeSize = 65536;
    } else {
      min = r.minPort;
      rangeSize = r.maxPort - r.minPort + 1;
    }
  } else if (t.protocol === IPPROTO_TCP || t.protocol === IPPROTO_UDP) {
    if (!r.protoSpecified) {
      // A destination rewrite never changes the port by itself.
      if (manip === 'DST') return;
      // Keep the port's class: 1-511, 600-1023 ("> 512 is credential passing"), 1024-65535.
      const k = key(t, manip);
      if (k < 1024) {
        if (k < 512) {
          min = 1;
          rangeSize = 511;
        } else {
          min = 600;
          rangeSize = 1023 - 600 + 1;
        }
      } else {
        min = 1024;
        rangeSize = 65535 - 1024 + 1;
      }
    } else {
      const lo = Math.min(r.minPort, r.maxPort);
      const hi = Math.max(r.minPort, r.maxPort);
      min = lo;
      rangeSize = hi - lo + 1;
    }
  } else {
    return;
  }
  // Modern kernels start at a random offset (get_random_u16) for source mappings and random ones.
  let off = req.random || manip !== 'DST' ? rng.u32() & 0xffff : 0;
  let attempts = Math.min(rangeSize, NAT_MAX_ATTEMPTS);
  for (;;) {
    for (let i = 0; i < attempts; i++, off = (off + 1) & 0xffff) {
      setKey(t, manip, min + (off % rangeSize));
      if (!usedTuple(table, t, conn)) return;
    }
    // Nothing free from this offset: try again elsewhere with a smaller window.
    if (attempts >= rangeSize || attempts < 16) return;
    attempts = Math.floor(attempts / 2);
    off = rng.u32() & 0xffff;
  }
}
