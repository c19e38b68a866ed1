// Rewriting packets in place for NAT (net/netfilter/nf_nat_proto.c): nf_nat_ipv4_manip_pkt and
// nf_nat_icmp_reply_translation. Every checksum is updated incrementally (RFC 1624, the kernel's
// csum_replace4 / inet_proto_csum_replace2), which for a packet whose checksums were right gives
// the bytes a full recompute would; a packet that arrived with a wrong checksum keeps it wrong.
// The one exception is the ICMP error checksum, which the kernel recomputes over the whole
// message after rewriting the quoted packet — and so do we.

import {
  IcmpField,
  Ipv4Field,
  TcpField,
  UdpField,
  icmpChecksum,
  readIpv4,
  readU16,
  updateChecksum16,
  updateChecksum32,
  writeIpv4,
  writeU16,
} from '../../wire/index.ts';
import { IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP, type Tuple } from '../conntrack/tuple.ts';
import type { ManipType } from './binding.ts';

const TCP_HEADER = 20;
const UDP_HEADER = 8;
const ICMP_HEADER = 8;
/** The transport bytes conntrack guarantees in a quoted packet: enough for the ports. */
const QUOTED_L4_MIN = 8;

/**
 * nf_nat_ipv4_manip_pkt: make the IPv4 packet at `ipOff` carry `target`'s source (SRC) or
 * destination (DST) address and port / ICMP id. `end` bounds the bytes present (a quoted packet
 * is usually cut short). The transport checksum is updated only when its field is present.
 */
export function manipPacket(pkt: Uint8Array, ipOff: number, end: number, target: Tuple, manip: ManipType): void {
  const hdrOff = ipOff + (pkt[ipOff + Ipv4Field.VER_IHL]! & 0x0f) * 4;
  const fragment = (readU16(pkt, ipOff + Ipv4Field.FLG_OFF) & 0x1fff) !== 0;
  const addrField = ipOff + (manip === 'SRC' ? Ipv4Field.SRC : Ipv4Field.DST);
  const oldAddr = readIpv4(pkt, addrField);
  const newAddr = manip === 'SRC' ? target.src : target.dst;
  if (!fragment) manipTransport(pkt, hdrOff, end, target, manip, oldAddr, newAddr);
  if (oldAddr !== newAddr) {
    writeIpv4(pkt, addrField, newAddr);
    const c = ipOff + Ipv4Field.CHECKSUM;
    writeU16(pkt, c, updateChecksum32(readU16(pkt, c), oldAddr, newAddr));
  }
}

function manipTransport(
  pkt: Uint8Array,
  off: number,
  end: number,
  target: Tuple,
  manip: ManipType,
  oldAddr: number,
  newAddr: number,
): void {
  switch (target.protocol) {
    case IPPROTO_TCP: {
      if (off + QUOTED_L4_MIN > end) return;
      const portField = off + (manip === 'SRC' ? TcpField.SRC_PORT : TcpField.DST_PORT);
      const oldPort = readU16(pkt, portField);
      const newPort = manip === 'SRC' ? target.srcId : target.dstId;
      writeU16(pkt, portField, newPort);
      // A quoted header may stop after the ports: then there is no checksum field to update.
      if (off + TCP_HEADER > end) return;
      const c = off + TcpField.CHECKSUM;
      let sum = readU16(pkt, c);
      sum = updateChecksum32(sum, oldAddr, newAddr);
      sum = updateChecksum16(sum, oldPort, newPort);
      writeU16(pkt, c, sum);
      return;
    }
    case IPPROTO_UDP: {
      if (off + UDP_HEADER > end) return;
      const portField = off + (manip === 'SRC' ? UdpField.SRC_PORT : UdpField.DST_PORT);
      const oldPort = readU16(pkt, portField);
      const newPort = manip === 'SRC' ? target.srcId : target.dstId;
      writeU16(pkt, portField, newPort);
      const c = off + UdpField.CHECKSUM;
      const old = readU16(pkt, c);
      // Checksum 0 means "none" (RFC 768) and stays 0; a computed 0 goes out as 0xffff (CSUM_MANGLED_0).
      if (old === 0) return;
      let sum = updateChecksum32(old, oldAddr, newAddr);
      sum = updateChecksum16(sum, oldPort, newPort);
      writeU16(pkt, c, sum === 0 ? 0xffff : sum);
      return;
    }
    case IPPROTO_ICMP: {
      if (off + ICMP_HEADER > end) return;
      // Only queries carry an id; an error's "unused"/MTU word must stay as it is.
      const type = pkt[off + IcmpField.TYPE]!;
      if (!(type === 0 || type === 8 || (type >= 13 && type <= 18))) return;
      const idField = off + IcmpField.IDENT;
      const oldId = readU16(pkt, idField);
      const newId = target.srcId;
      if (oldId === newId) return;
      writeU16(pkt, idField, newId);
      const c = off + IcmpField.CHECKSUM;
      writeU16(pkt, c, updateChecksum16(readU16(pkt, c), oldId, newId));
      return;
    }
    default:
      return;
  }
}

/**
 * nf_ct_invert_tuple of ct->tuplehash[!dir]: what a packet of direction `dir` must look like
 * after NAT. An ICMP id stays in `srcId` either way (the type, which would flip, is not written).
 */
export function invertTarget(other: Tuple): Tuple {
  if (other.protocol === IPPROTO_ICMP) {
    return { src: other.dst, dst: other.src, protocol: other.protocol, srcId: other.srcId, dstId: other.dstId };
  }
  return { src: other.dst, dst: other.src, protocol: other.protocol, srcId: other.dstId, dstId: other.srcId };
}

/**
 * nf_nat_icmp_reply_translation: an ICMP error about a NATed connection. The quoted packet is
 * rewritten as the other direction's tuple with the opposite manip (it travelled the other way),
 * the ICMP checksum is recomputed, then the outer header gets the usual manip.
 * `otherDirTuple` is ct->tuplehash[!dir].tuple.
 */
export function translateIcmpError(pkt: Uint8Array, icmpOff: number, end: number, otherDirTuple: Tuple, manip: ManipType): void {
  const innerOff = icmpOff + ICMP_HEADER;
  manipPacket(pkt, innerOff, end, otherDirTuple, manip === 'SRC' ? 'DST' : 'SRC');
  writeU16(pkt, icmpOff + IcmpField.CHECKSUM, icmpChecksum(pkt, icmpOff, end - icmpOff));
  const outer = invertTarget(otherDirTuple);
  outer.protocol = IPPROTO_ICMP;
  manipPacket(pkt, 0, end, outer, manip);
}
