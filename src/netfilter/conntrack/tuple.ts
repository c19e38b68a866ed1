// Conntrack tuples (include/net/netfilter/nf_conntrack_tuple.h): what identifies one direction of
// a connection. Each connection has two: ORIGINAL (as its first packet looked) and REPLY (what
// the answers look like, after NAT rewrote the other direction). A packet belongs to a connection
// when its own tuple equals one of them.

import { ipv4ToString } from '../../wire/index.ts';

export const IPPROTO_ICMP = 1;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;

/**
 * One direction. For TCP/UDP `srcId`/`dstId` are the ports. For ICMP (as the kernel's
 * `src.u.icmp.id`, `dst.u.icmp.type/code`) `srcId` is the echo identifier and `dstId` is
 * `type << 8 | code`. Other protocols (the generic tracker) use 0 for both.
 */
export interface Tuple {
  src: number;
  dst: number;
  protocol: number;
  srcId: number;
  dstId: number;
}

/** Direction of a packet relative to its connection (enum ip_conntrack_dir). */
export type Dir = 0 | 1;
export const DIR_ORIGINAL: Dir = 0;
export const DIR_REPLY: Dir = 1;

/** ICMP queries that may start a connection, with the type their answer carries (nf_conntrack_proto_icmp.c). */
const ICMP_INVERSE: ReadonlyMap<number, number> = new Map([
  [8, 0], // echo request -> echo reply
  [0, 8],
  [13, 14], // timestamp
  [14, 13],
  [15, 16], // information request (obsolete, still tracked)
  [16, 15],
  [17, 18], // address mask
  [18, 17],
]);

/** ICMP types that may open a connection (icmp_new's valid_new[]). */
export function icmpOpensConnection(type: number): boolean {
  return type === 8 || type === 13 || type === 15 || type === 17;
}

/** ICMP error types whose payload is the packet they answer (icmp_is_err / icmp_error_message). */
export function icmpIsError(type: number): boolean {
  return type === 3 || type === 4 || type === 5 || type === 11 || type === 12;
}

/** The reply tuple a tuple would have if nothing were NATed (nf_ct_invert_tuple); undefined if it has none. */
export function invertTuple(t: Tuple): Tuple | undefined {
  if (t.protocol === IPPROTO_ICMP) {
    const inv = ICMP_INVERSE.get(t.dstId >>> 8);
    if (inv === undefined) return undefined;
    return { src: t.dst, dst: t.src, protocol: t.protocol, srcId: t.srcId, dstId: (inv << 8) | (t.dstId & 0xff) };
  }
  return { src: t.dst, dst: t.src, protocol: t.protocol, srcId: t.dstId, dstId: t.srcId };
}

export function tupleEqual(a: Tuple, b: Tuple): boolean {
  return a.src === b.src && a.dst === b.dst && a.protocol === b.protocol && a.srcId === b.srcId && a.dstId === b.dstId;
}

/** Map key of a tuple. */
export function tupleKey(t: Tuple): string {
  return `${t.protocol}|${t.src}|${t.srcId}|${t.dst}|${t.dstId}`;
}

export function copyTuple(t: Tuple): Tuple {
  return { src: t.src, dst: t.dst, protocol: t.protocol, srcId: t.srcId, dstId: t.dstId };
}

export function hasPorts(protocol: number): boolean {
  return protocol === IPPROTO_TCP || protocol === IPPROTO_UDP;
}

/** Name and number column of `conntrack -L` (libnetfilter_conntrack's proto names). */
export function protoName(protocol: number): string {
  switch (protocol) {
    case IPPROTO_TCP:
      return 'tcp';
    case IPPROTO_UDP:
      return 'udp';
    case IPPROTO_ICMP:
      return 'icmp';
    default:
      return 'unknown';
  }
}

/** The `src=… dst=… sport=… dport=…` part of a `conntrack -L` line, with its trailing blank. */
export function formatTupleForListing(t: Tuple): string {
  let s = `src=${ipv4ToString(t.src)} dst=${ipv4ToString(t.dst)} `;
  if (hasPorts(t.protocol)) s += `sport=${t.srcId} dport=${t.dstId} `;
  else if (t.protocol === IPPROTO_ICMP) s += `type=${t.dstId >>> 8} code=${t.dstId & 0xff} id=${t.srcId} `;
  return s;
}

/** `10.0.0.1:80` for protocols with ports, the bare address otherwise (packet comments). */
export function formatEndpoint(addr: number, port: number, protocol: number): string {
  return hasPorts(protocol) ? `${ipv4ToString(addr)}:${port}` : ipv4ToString(addr);
}
