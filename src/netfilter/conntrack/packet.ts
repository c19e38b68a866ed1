// What netfilter reads from one IPv4 packet, gathered once per hook into a reusable object (the
// hot path allocates nothing here). Offsets come from the wire layer's field tables.

import { IcmpField, Ipv4Field, TcpField, UdpField, readIpv4, readU16, readU32 } from '../../wire/index.ts';
import { IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP } from './tuple.ts';

const IPV4_MIN_HEADER = 20;
const TCP_MIN_HEADER = 20;
const UDP_HEADER = 8;
const ICMP_HEADER = 8;

export class PacketFacts {
  /** False when the bytes are not an IPv4 packet netfilter can look at. */
  ok = false;
  headerLen = 0;
  totalLen = 0;
  protocol = 0;
  src = 0;
  dst = 0;
  /** Fragment offset != 0: no transport header here. */
  fragment = false;
  l4Off = 0;
  l4Len = 0;
  /** The transport header this protocol needs is complete (TCP 20+, UDP 8, ICMP 8 bytes). */
  l4Ok = false;
  srcPort = 0;
  dstPort = 0;
  tcpFlags = 0;
  tcpDataOff = 0;
  seq = 0;
  ack = 0;
  window = 0;
  icmpType = -1;
  icmpCode = -1;
  icmpId = 0;

  /** Reads `pkt` (IPv4 header at offset 0, length = total length). */
  read(pkt: Uint8Array): this {
    this.ok = false;
    this.l4Ok = false;
    this.srcPort = 0;
    this.dstPort = 0;
    this.tcpFlags = 0;
    this.icmpType = -1;
    this.icmpCode = -1;
    this.icmpId = 0;
    if (pkt.length < IPV4_MIN_HEADER || pkt[Ipv4Field.VER_IHL]! >>> 4 !== 4) return this;
    const hl = (pkt[Ipv4Field.VER_IHL]! & 0x0f) * 4;
    const total = readU16(pkt, Ipv4Field.LENGTH);
    if (hl < IPV4_MIN_HEADER || total < hl || total > pkt.length) return this;
    this.ok = true;
    this.headerLen = hl;
    this.totalLen = total;
    this.protocol = pkt[Ipv4Field.PROTOCOL]!;
    this.src = readIpv4(pkt, Ipv4Field.SRC);
    this.dst = readIpv4(pkt, Ipv4Field.DST);
    this.fragment = (readU16(pkt, Ipv4Field.FLG_OFF) & 0x1fff) !== 0;
    this.l4Off = hl;
    this.l4Len = total - hl;
    if (this.fragment) return this;
    const o = hl;
    switch (this.protocol) {
      case IPPROTO_TCP: {
        if (this.l4Len < TCP_MIN_HEADER) return this;
        const doff = (pkt[o + TcpField.FLAGS]! >>> 4) * 4;
        if (doff < TCP_MIN_HEADER || doff > this.l4Len) return this;
        this.l4Ok = true;
        this.srcPort = readU16(pkt, o + TcpField.SRC_PORT);
        this.dstPort = readU16(pkt, o + TcpField.DST_PORT);
        this.seq = readU32(pkt, o + TcpField.SEQ);
        this.ack = readU32(pkt, o + TcpField.ACK);
        this.tcpFlags = pkt[o + TcpField.FLAGS + 1]!;
        this.tcpDataOff = doff;
        this.window = readU16(pkt, o + TcpField.WINDOW);
        return this;
      }
      case IPPROTO_UDP:
        if (this.l4Len < UDP_HEADER) return this;
        this.l4Ok = true;
        this.srcPort = readU16(pkt, o + UdpField.SRC_PORT);
        this.dstPort = readU16(pkt, o + UdpField.DST_PORT);
        return this;
      case IPPROTO_ICMP:
        if (this.l4Len < ICMP_HEADER) return this;
        this.l4Ok = true;
        this.icmpType = pkt[o + IcmpField.TYPE]!;
        this.icmpCode = pkt[o + IcmpField.CODE]!;
        this.icmpId = readU16(pkt, o + IcmpField.IDENT);
        return this;
      default:
        return this;
    }
  }

  /** TCP sequence space of the segment: payload + SYN + FIN (segment_seq_plus_len). */
  get tcpSeqLen(): number {
    return this.l4Len - this.tcpDataOff + (this.tcpFlags & 0x02 ? 1 : 0) + (this.tcpFlags & 0x01 ? 1 : 0);
  }
}
