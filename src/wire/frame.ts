// Whole-frame builders for the stack and tests: each builds one frame into one new Uint8Array
// (or into a caller's buffer with the write* variants), all checksums filled, nothing padded
// (Linux captures on the sending host show 42-byte ARP and 54/66-byte bare ACKs).

import { MAC_BROADCAST, MAC_ZERO, type Ipv4Addr, type MacAddr } from './addr.ts';
import { ARP_LEN, ARP_REPLY, ARP_REQUEST, emitArp, type ArpRepr } from './arp.ts';
import { emitEthernet, ETHERNET_HEADER_LEN, ETHERTYPE_ARP, ETHERTYPE_IPV4 } from './ethernet.ts';
import { emitIcmp, icmpBufferLen, type IcmpRepr } from './icmp.ts';
import { emitIpv4Header, ipv4HeaderLen, IP_PROTO_ICMP, IP_PROTO_TCP, IP_PROTO_UDP, type Ipv4Params } from './ipv4.ts';
import { emitTcp, tcpBufferLen, type TcpRepr } from './tcp.ts';
import { emitUdp, udpBufferLen, type UdpRepr } from './udp.ts';

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
  const buf = new Uint8Array(ETHERNET_HEADER_LEN + hl + payload.length);
  writeEth(buf, 0, srcMac, dstMac, ETHERTYPE_IPV4);
  emitIpv4Header(ip, protocol, payload.length, buf, ETHERNET_HEADER_LEN);
  buf.set(payload, ETHERNET_HEADER_LEN + hl);
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
  const buf = new Uint8Array(ethIpv4TcpLen(ip, tcp));
  writeEthIpv4Tcp(buf, 0, srcMac, dstMac, ip, tcp);
  return buf;
}

export function buildEthIpv4Udp(srcMac: MacAddr, dstMac: MacAddr, ip: Ipv4Params, udp: UdpRepr): Uint8Array {
  const hl = ipv4HeaderLen(ip);
  const buf = new Uint8Array(ETHERNET_HEADER_LEN + hl + udpBufferLen(udp));
  writeEth(buf, 0, srcMac, dstMac, ETHERTYPE_IPV4);
  const l = emitUdp(udp, buf, ETHERNET_HEADER_LEN + hl, ip.src, ip.dst);
  emitIpv4Header(ip, IP_PROTO_UDP, l, buf, ETHERNET_HEADER_LEN);
  return buf;
}

export function buildEthIpv4Icmp(srcMac: MacAddr, dstMac: MacAddr, ip: Ipv4Params, icmp: IcmpRepr): Uint8Array {
  const hl = ipv4HeaderLen(ip);
  const buf = new Uint8Array(ETHERNET_HEADER_LEN + hl + icmpBufferLen(icmp));
  writeEth(buf, 0, srcMac, dstMac, ETHERTYPE_IPV4);
  const l = emitIcmp(icmp, buf, ETHERNET_HEADER_LEN + hl);
  emitIpv4Header(ip, IP_PROTO_ICMP, l, buf, ETHERNET_HEADER_LEN);
  return buf;
}

/** An Ethernet header in front of a complete payload, e.g. a forwarded IPv4 packet. */
export function buildEthFrame(srcMac: MacAddr, dstMac: MacAddr, ethertype: number, payload: Uint8Array): Uint8Array {
  const buf = new Uint8Array(ETHERNET_HEADER_LEN + payload.length);
  writeEth(buf, 0, srcMac, dstMac, ethertype);
  buf.set(payload, ETHERNET_HEADER_LEN);
  return buf;
}

export function buildEthArp(srcMac: MacAddr, dstMac: MacAddr, arp: ArpRepr): Uint8Array {
  const buf = new Uint8Array(ETHERNET_HEADER_LEN + ARP_LEN);
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
