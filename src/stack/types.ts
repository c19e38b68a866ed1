// Types shared by the stack's parts and the layers above it.
import type { Ipv4Addr } from '../wire/index.ts';
import type { PacketContext } from '../netfilter/index.ts';

export type { PacketContext };

export type Direction = 'in' | 'out';

/**
 * A capture tap on an interface: called once per frame sent ('out') or seen ('in', before the
 * host filters on the destination MAC, as tcpdump in promiscuous mode sees it). `notes` are the
 * packet's netfilter notes (packet comments in the merged pcapng). The frame must not be kept
 * beyond the call unless copied: the stack never mutates a frame after tapping it, but a writer
 * that holds on to chunks should still not rely on more than that.
 */
export type InterfaceTap = (tNs: number, iface: InterfaceRef, direction: Direction, frame: Uint8Array, notes: readonly string[]) => void;

/** A tap on a collision domain: every frame that enters the segment, at the time it enters. */
export type DomainTap = (tNs: number, domainName: string, frame: Uint8Array) => void;

/** What a tap needs to know about an interface. */
export interface InterfaceRef {
  readonly hostName: string;
  readonly name: string;
}

// ---- netfilter, as the stack calls it (matches src/netfilter's Netfilter.hook) ----

export type HookName = 'PREROUTING' | 'INPUT' | 'FORWARD' | 'OUTPUT' | 'POSTROUTING';

export type HookVerdict =
  | { kind: 'ACCEPT' }
  | { kind: 'DROP' }
  | { kind: 'REJECT'; icmpType: number; icmpCode: number }
  | { kind: 'REJECT_TCP_RST' };

/**
 * The part of netfilter the stack uses. `pkt` is the IPv4 packet (header at offset 0, length =
 * total length); NAT rewrites it in place. Notes for packet comments are pushed onto `notes`.
 * `ctx` is the packet's context (its skb->_nfct): one object per trip through the host, from the
 * first hook (PREROUTING, OUTPUT) to the last, whatever copies of the bytes the stack makes.
 */
export interface PacketFilter {
  hook(hook: HookName, pkt: Uint8Array, inIface: string | null, outIface: string | null, notes: string[], ctx: PacketContext): HookVerdict;
  /**
   * nf_ct_attach: an ICMP error about a packet (context `skb`) takes that packet's conntrack entry
   * (into `nskb`) before its own trip starts. A filter without conntrack leaves this out.
   */
  attach?(nskb: PacketContext, skb: PacketContext): void;
}

/** What netfilter may ask of its host (architecture.md: HostEnv). */
export interface FilterHostEnv {
  hostName: string;
  now(): number;
  ifaceAddress(iface: string, towards: number): number | undefined;
}

// ---- transport protocols ----

/** Facts about the IPv4 packet a transport segment arrived in. */
export interface Ipv4Meta {
  src: Ipv4Addr;
  dst: Ipv4Addr;
  ttl: number;
  tos: number;
  ident: number;
  /** Name of the interface it arrived on ('lo' for the host's own packets). */
  inIface: string;
  /** The whole IPv4 packet (a view; do not keep or modify), e.g. to quote in an ICMP error. */
  packet: Uint8Array;
  /** Sent to a broadcast address (no ICMP errors may answer it). */
  broadcast: boolean;
  /**
   * The packet's netfilter context, valid during the call only: pass it to Host.sendIcmpError so
   * the error carries the packet's conntrack entry (nf_ct_attach).
   */
  context: PacketContext;
}

/** An ICMP error about a packet this host sent, handed to the protocol that sent it. */
export interface IcmpErrorInfo {
  icmpType: number;
  code: number;
  /** Who sent the ICMP error (a router, the destination, or this host itself). */
  from: Ipv4Addr;
  /** The quoted (offending) packet's addresses and protocol. */
  src: Ipv4Addr;
  dst: Ipv4Addr;
  protocol: number;
  /** The quoted packet's transport bytes (at least the first 8: ports, or ICMP id/seq). */
  quotedPayload: Uint8Array;
  /** Next-hop MTU for "fragmentation needed", else 0. */
  mtu: number;
}

/** A transport protocol (TCP, UDP, ICMP echo users) registered on a host by IP protocol number. */
export interface TransportReceiver {
  input(segment: Uint8Array, ip: Ipv4Meta): void;
  icmpError?(err: IcmpErrorInfo): void;
}

/**
 * Result of handing a packet to the IP layer, named like the errno Linux returns to the socket:
 * ENETUNREACH no route; EPERM dropped by netfilter in OUTPUT; EMSGSIZE bigger than the MTU with
 * DF; EINVAL a bad source address. Host-unreachable after ARP fails arrives later as an ICMP error.
 */
export type SendResult = 'ok' | 'ENETUNREACH' | 'EPERM' | 'EMSGSIZE' | 'EINVAL';

export interface SendIpv4Options {
  /** Source address; default: the one routing selects for `dst` (see Host.selectSource). */
  src?: Ipv4Addr;
  dst: Ipv4Addr;
  protocol: number;
  /** The transport header and data. Copied into the frame. */
  payload: Uint8Array;
  /** IP ID; default: 0 when DF is set (Linux for unconnected sockets), else a per-destination counter. */
  ipId?: number;
  ttl?: number;
  tos?: number;
  /** Don't-fragment bit; default true. */
  df?: boolean;
  /** Compute the TCP/UDP checksum here, after the source is known. */
  fillChecksum?: boolean;
  /**
   * The peer just proved reachable (Linux dst_confirm / MSG_CONFIRM, which TCP does when an ACK
   * acknowledges new data): refreshes the next hop's neighbour entry so it need not be probed.
   */
  confirmNeighbour?: boolean;
}
