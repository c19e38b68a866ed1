// Whole-frame builders for the stack and tests: each builds one frame into one array (allocBytes:
// a view on a shared slab, see bytes.ts), or into a caller's buffer with the write* variants; all
// checksums filled, nothing padded (Linux captures on the sending host show 42-byte ARP and
// 54/66-byte bare ACKs).

import { MAC_BROADCAST, MAC_ZERO, type Ipv4Addr, type MacAddr } from './addr.ts';
import { ARP_LEN, ARP_REPLY, ARP_REQUEST, emitArp, parseArp, type ArpRepr } from './arp.ts';
import { allocBytes } from './bytes.ts';
import { WireError } from './errors.ts';
import { emitEthernet, ETHERNET_HEADER_LEN, ETHERTYPE_ARP, ETHERTYPE_IPV4, parseEthernet, type EthernetRepr } from './ethernet.ts';
import { emitIcmp, icmpBufferLen, parseIcmp, type IcmpRepr } from './icmp.ts';
import {
  emitIpv4Header,
  ipv4HeaderLen,
  IP_PROTO_ICMP,
  IP_PROTO_TCP,
  IP_PROTO_UDP,
  parseIpv4,
  type Ipv4Params,
  type Ipv4Repr,
} from './ipv4.ts';
import { emitTcp, parseTcp, tcpBufferLen, type TcpRepr } from './tcp.ts';
import { emitUdp, parseUdp, UDP_HEADER_LEN, udpBufferLen, type UdpRepr } from './udp.ts';

function writeEth(buf: Uint8Array, off: number, src: MacAddr, dst: MacAddr, ethertype: number): void {
  emitEthernet({ dst, src, ethertype }, buf, off);
}

/** Ethernet + IPv4 around an already-built transport payload (ICMP, TCP or UDP bytes). */
export function buildEthIpv4(
  srcMac: MacAddr,
  dstMac: MacAddr,
  ip: Ipv4Params,
  protocol: number,
  payload: Uint8Array,
): Uint8Array {
  const hl = ipv4HeaderLen(ip);
  const buf = allocBytes(ETHERNET_HEADER_LEN + hl + payload.length);
  writeEth(buf, 0, srcMac, dstMac, ETHERTYPE_IPV4);
  emitIpv4Header(ip, protocol, payload.length, buf, ETHERNET_HEADER_LEN);
  buf.set(payload, ETHERNET_HEADER_LEN + hl);
  return buf;
}

/** A TCP segment (header, options, payload) with its checksum for src/dst, in one array. */
export function encodeTcp(tcp: TcpRepr, src: Ipv4Addr, dst: Ipv4Addr): Uint8Array {
  const buf = allocBytes(tcpBufferLen(tcp));
  emitTcp(tcp, buf, 0, src, dst);
  return buf;
}

/** A UDP datagram with its checksum for src/dst, in one array. */
export function encodeUdp(udp: UdpRepr, src: Ipv4Addr, dst: Ipv4Addr): Uint8Array {
  const buf = allocBytes(udpBufferLen(udp));
  emitUdp(udp, buf, 0, src, dst);
  return buf;
}

/** An ICMP message with its checksum, in one array. */
export function encodeIcmp(icmp: IcmpRepr): Uint8Array {
  const buf = allocBytes(icmpBufferLen(icmp));
  emitIcmp(icmp, buf, 0);
  return buf;
}

/** An IPv4 packet (header + transport bytes), header checksum filled, in one array. */
export function encodeIpv4(ip: Ipv4Params, protocol: number, payload: Uint8Array): Uint8Array {
  const hl = ipv4HeaderLen(ip);
  const buf = allocBytes(hl + payload.length);
  emitIpv4Header(ip, protocol, payload.length, buf, 0);
  buf.set(payload, hl);
  return buf;
}

export function ethIpv4TcpLen(ip: Ipv4Params, tcp: TcpRepr): number {
  return ETHERNET_HEADER_LEN + ipv4HeaderLen(ip) + tcpBufferLen(tcp);
}

/** Writes Ethernet + IPv4 + TCP at buf[off]; returns the frame length (see ethIpv4TcpLen). */
export function writeEthIpv4Tcp(
  buf: Uint8Array,
  off: number,
  srcMac: MacAddr,
  dstMac: MacAddr,
  ip: Ipv4Params,
  tcp: TcpRepr,
): number {
  writeEth(buf, off, srcMac, dstMac, ETHERTYPE_IPV4);
  const ipOff = off + ETHERNET_HEADER_LEN;
  const hl = ipv4HeaderLen(ip);
  // The TCP segment goes first so its length is known for the IP header.
  const segLen = emitTcp(tcp, buf, ipOff + hl, ip.src, ip.dst);
  emitIpv4Header(ip, IP_PROTO_TCP, segLen, buf, ipOff);
  return ETHERNET_HEADER_LEN + hl + segLen;
}

export function buildEthIpv4Tcp(srcMac: MacAddr, dstMac: MacAddr, ip: Ipv4Params, tcp: TcpRepr): Uint8Array {
  const buf = allocBytes(ethIpv4TcpLen(ip, tcp));
  writeEthIpv4Tcp(buf, 0, srcMac, dstMac, ip, tcp);
  return buf;
}

export function buildEthIpv4Udp(srcMac: MacAddr, dstMac: MacAddr, ip: Ipv4Params, udp: UdpRepr): Uint8Array {
  const hl = ipv4HeaderLen(ip);
  const buf = allocBytes(ETHERNET_HEADER_LEN + hl + udpBufferLen(udp));
  writeEth(buf, 0, srcMac, dstMac, ETHERTYPE_IPV4);
  const l = emitUdp(udp, buf, ETHERNET_HEADER_LEN + hl, ip.src, ip.dst);
  emitIpv4Header(ip, IP_PROTO_UDP, l, buf, ETHERNET_HEADER_LEN);
  return buf;
}

export function buildEthIpv4Icmp(srcMac: MacAddr, dstMac: MacAddr, ip: Ipv4Params, icmp: IcmpRepr): Uint8Array {
  const hl = ipv4HeaderLen(ip);
  const buf = allocBytes(ETHERNET_HEADER_LEN + hl + icmpBufferLen(icmp));
  writeEth(buf, 0, srcMac, dstMac, ETHERTYPE_IPV4);
  const l = emitIcmp(icmp, buf, ETHERNET_HEADER_LEN + hl);
  emitIpv4Header(ip, IP_PROTO_ICMP, l, buf, ETHERNET_HEADER_LEN);
  return buf;
}

/** An Ethernet header in front of a complete payload, e.g. a forwarded IPv4 packet. */
export function buildEthFrame(srcMac: MacAddr, dstMac: MacAddr, ethertype: number, payload: Uint8Array): Uint8Array {
  const buf = allocBytes(ETHERNET_HEADER_LEN + payload.length);
  writeEth(buf, 0, srcMac, dstMac, ethertype);
  buf.set(payload, ETHERNET_HEADER_LEN);
  return buf;
}

export function buildEthArp(srcMac: MacAddr, dstMac: MacAddr, arp: ArpRepr): Uint8Array {
  const buf = allocBytes(ETHERNET_HEADER_LEN + ARP_LEN);
  writeEth(buf, 0, srcMac, dstMac, ETHERTYPE_ARP);
  emitArp(arp, buf, ETHERNET_HEADER_LEN);
  return buf;
}

/**
 * ARP request: broadcast unless `unicastTo` is given (Linux re-probes a stale entry by unicast);
 * target MAC zero in both cases.
 */
export function buildArpRequest(
  senderMac: MacAddr,
  senderIp: Ipv4Addr,
  targetIp: Ipv4Addr,
  unicastTo: MacAddr = MAC_BROADCAST,
): Uint8Array {
  return buildEthArp(senderMac, unicastTo, { op: ARP_REQUEST, senderMac, senderIp, targetMac: MAC_ZERO, targetIp });
}

export function buildArpReply(senderMac: MacAddr, senderIp: Ipv4Addr, targetMac: MacAddr, targetIp: Ipv4Addr): Uint8Array {
  return buildEthArp(senderMac, targetMac, { op: ARP_REPLY, senderMac, senderIp, targetMac, targetIp });
}

/**
 * A whole Ethernet frame decoded as far as lbsim understands it. Exactly one of arp / ip is set
 * for ARP and IPv4 frames; for IPv4 one of tcp / udp / icmp, or `payload` for other protocols and
 * non-first fragments; for other ethertypes only `payload`.
 */
export interface FrameRepr {
  eth: EthernetRepr;
  arp?: ArpRepr;
  ip?: Ipv4Repr;
  tcp?: TcpRepr;
  udp?: UdpRepr;
  icmp?: IcmpRepr;
  /** Undecoded bytes after the last decoded header (a view, not a copy). */
  payload?: Uint8Array;
  /** Bytes after the ARP body or IP packet, e.g. Ethernet padding to 60 bytes (a view). */
  trailer?: Uint8Array;
}

/** Decodes a frame down to its transport header; the first malformed layer's error otherwise. */
export function parseFrame(frame: Uint8Array): FrameRepr | WireError {
  const eth = parseEthernet(frame, 0, frame.length);
  if (eth instanceof WireError) return eth;
  const off = ETHERNET_HEADER_LEN;
  const out: FrameRepr = { eth };
  if (eth.ethertype === ETHERTYPE_ARP) {
    const arp = parseArp(frame, off, frame.length - off);
    if (arp instanceof WireError) return arp;
    out.arp = arp;
    if (frame.length > off + ARP_LEN) out.trailer = frame.subarray(off + ARP_LEN);
    return out;
  }
  if (eth.ethertype !== ETHERTYPE_IPV4) {
    out.payload = frame.subarray(off);
    return out;
  }
  const ip = parseIpv4(frame, off, frame.length - off);
  if (ip instanceof WireError) return ip;
  out.ip = ip;
  const hl = ipv4HeaderLen(ip);
  const pOff = off + hl;
  const end = pOff + ip.payloadLen;
  if (frame.length > end) out.trailer = frame.subarray(end);
  if (ip.fragOffset !== 0) {
    out.payload = frame.subarray(pOff, end);
    return out;
  }
  if (ip.protocol === IP_PROTO_TCP) {
    const t = parseTcp(frame, pOff, ip.payloadLen);
    if (t instanceof WireError) return t;
    out.tcp = t;
  } else if (ip.protocol === IP_PROTO_UDP) {
    const u = parseUdp(frame, pOff, ip.payloadLen);
    if (u instanceof WireError) return u;
    out.udp = u;
    // Bytes past the UDP length inside the IP packet are kept as payload so emit is exact.
    if (pOff + UDP_HEADER_LEN + u.payload.length < end) out.payload = frame.subarray(pOff + UDP_HEADER_LEN + u.payload.length, end);
  } else if (ip.protocol === IP_PROTO_ICMP) {
    const i = parseIcmp(frame, pOff, ip.payloadLen);
    if (i instanceof WireError) return i;
    out.icmp = i;
  } else {
    out.payload = frame.subarray(pOff, end);
  }
  return out;
}

/**
 * Encodes a FrameRepr into one new Uint8Array. The IP total length and every checksum are
 * recomputed from the contents, so a parsed frame with correct checksums re-emits byte for byte.
 */
export function emitFrame(f: FrameRepr): Uint8Array {
  const trailer = f.trailer;
  const extra = f.payload === undefined ? 0 : f.payload.length;
  if (f.arp !== undefined) {
    const buf = allocBytes(ETHERNET_HEADER_LEN + ARP_LEN + (trailer?.length ?? 0));
    emitEthernet(f.eth, buf, 0);
    emitArp(f.arp, buf, ETHERNET_HEADER_LEN);
    if (trailer !== undefined) buf.set(trailer, ETHERNET_HEADER_LEN + ARP_LEN);
    return buf;
  }
  if (f.ip === undefined) {
    const buf = allocBytes(ETHERNET_HEADER_LEN + extra);
    emitEthernet(f.eth, buf, 0);
    if (f.payload !== undefined) buf.set(f.payload, ETHERNET_HEADER_LEN);
    return buf;
  }
  const ip = f.ip;
  const hl = ipv4HeaderLen(ip);
  let l4 = 0;
  if (f.tcp !== undefined) l4 = tcpBufferLen(f.tcp);
  else if (f.udp !== undefined) l4 = udpBufferLen(f.udp);
  else if (f.icmp !== undefined) l4 = icmpBufferLen(f.icmp);
  const ipLen = hl + l4 + extra;
  const buf = allocBytes(ETHERNET_HEADER_LEN + ipLen + (trailer?.length ?? 0));
  emitEthernet(f.eth, buf, 0);
  const pOff = ETHERNET_HEADER_LEN + hl;
  if (f.payload !== undefined) buf.set(f.payload, pOff + l4);
  if (f.tcp !== undefined) emitTcp(f.tcp, buf, pOff, ip.src, ip.dst);
  else if (f.udp !== undefined) {
    emitUdp(f.udp, buf, pOff, ip.src, ip.dst);
  } else if (f.icmp !== undefined) emitIcmp(f.icmp, buf, pOff);
  emitIpv4Header(ip, ip.protocol, l4 + extra, buf, ETHERNET_HEADER_LEN);
  if (trailer !== undefined) buf.set(trailer, ETHERNET_HEADER_LEN + ipLen);
  return buf;
}
