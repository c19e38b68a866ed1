// Per-packet facts for `inspect --verify` and `diff`: the named header fields of a frame and the
// checksums that do not verify. Decoding is the wire layer's; this only walks the layers.
import {
  ETHERNET_HEADER_LEN, ETHERTYPE_ARP, ETHERTYPE_IPV4, IP_PROTO_ICMP, IP_PROTO_TCP, IP_PROTO_UDP, ipv4HeaderLen, ipv4ToString,
  isWireError, macToString, parseArp, parseEthernet, parseIpv4, parseTcp, parseUdp, readU16, tcpFlagsToString, verifyIcmpChecksum,
  verifyIpv4Checksum, verifyTcpChecksum, verifyUdpChecksum, type TcpOption,
} from '../wire/index.ts';

export type Field = [name: string, value: string];

function hex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

function optionText(o: TcpOption): string {
  switch (o.kind) {
    case 'nop': return 'nop';
    case 'eol': return 'eol';
    case 'mss': return `mss ${o.value}`;
    case 'wscale': return `wscale ${o.shift}`;
    case 'sackPermitted': return 'sackOK';
    case 'sack': return `sack ${o.blocks.map((b) => `${b.left}:${b.right}`).join(' ')}`;
    case 'timestamps': return `TS val ${o.tsVal} ecr ${o.tsEcr}`;
    case 'unknown': return `opt-${o.type} ${hex(o.data)}`;
  }
}

/** The frame's header fields in Wireshark's names, outermost first; a layer that fails to parse ends with `malformed`. */
export function frameFields(frame: Uint8Array): Field[] {
  const f: Field[] = [['frame.len', String(frame.length)]];
  const eth = parseEthernet(frame);
  if (isWireError(eth)) return [...f, ['malformed', `ethernet: ${eth.message}`]];
  f.push(['eth.dst', macToString(eth.dst)], ['eth.src', macToString(eth.src)], ['eth.type', `0x${eth.ethertype.toString(16).padStart(4, '0')}`]);
  const off = ETHERNET_HEADER_LEN;
  if (eth.ethertype === ETHERTYPE_ARP) {
    const arp = parseArp(frame, off);
    if (isWireError(arp)) return [...f, ['malformed', `arp: ${arp.message}`]];
    f.push(['arp.opcode', String(arp.op)], ['arp.src.hw_mac', macToString(arp.senderMac)], ['arp.src.proto_ipv4', ipv4ToString(arp.senderIp)],
      ['arp.dst.hw_mac', macToString(arp.targetMac)], ['arp.dst.proto_ipv4', ipv4ToString(arp.targetIp)]);
    return f;
  }
  if (eth.ethertype !== ETHERTYPE_IPV4) return [...f, ['data', hex(frame.subarray(off))]];
  const ip = parseIpv4(frame, off);
  if (isWireError(ip)) return [...f, ['malformed', `ipv4: ${ip.message}`]];
  const ihl = ipv4HeaderLen(ip);
  f.push(['ip.tos', String(ip.tos)], ['ip.len', String(ihl + ip.payloadLen)], ['ip.id', `0x${ip.ident.toString(16).padStart(4, '0')}`],
    ['ip.flags', String(ip.flags)], ['ip.frag_offset', String(ip.fragOffset)], ['ip.ttl', String(ip.ttl)], ['ip.proto', String(ip.protocol)],
    ['ip.checksum', `0x${readU16(frame, off + 10).toString(16).padStart(4, '0')}`], ['ip.src', ipv4ToString(ip.src)], ['ip.dst', ipv4ToString(ip.dst)]);
  if (ip.options) f.push(['ip.options', hex(ip.options)]);
  const t = off + ihl;
  if (ip.fragOffset !== 0) return f;
  if (ip.protocol === IP_PROTO_TCP) {
    const tcp = parseTcp(frame, t, ip.payloadLen);
    if (isWireError(tcp)) return [...f, ['malformed', `tcp: ${tcp.message}`]];
    f.push(['tcp.srcport', String(tcp.srcPort)], ['tcp.dstport', String(tcp.dstPort)], ['tcp.seq_raw', String(tcp.seq)], ['tcp.ack_raw', String(tcp.ack)],
      ['tcp.flags', tcpFlagsToString(tcp.flags)], ['tcp.window_size_value', String(tcp.window)],
      ['tcp.checksum', `0x${readU16(frame, t + 16).toString(16).padStart(4, '0')}`], ['tcp.urgent_pointer', String(tcp.urgentPtr)],
      ['tcp.options', tcp.options.map(optionText).join(',')], ['tcp.len', String(tcp.payload?.length ?? 0)]);
    if (tcp.payload && tcp.payload.length > 0) f.push(['tcp.payload', hex(tcp.payload)]);
  } else if (ip.protocol === IP_PROTO_UDP) {
    const udp = parseUdp(frame, t, ip.payloadLen);
    if (isWireError(udp)) return [...f, ['malformed', `udp: ${udp.message}`]];
    f.push(['udp.srcport', String(udp.srcPort)], ['udp.dstport', String(udp.dstPort)], ['udp.checksum', `0x${readU16(frame, t + 6).toString(16).padStart(4, '0')}`],
      ['udp.payload', hex(udp.payload)]);
  } else {
    f.push(['ip.payload', hex(frame.subarray(t, t + ip.payloadLen))]);
  }
  return f;
}

/** What is wrong with a frame: malformed headers and checksums that do not verify ([] when fine). */
export function verifyFrame(frame: Uint8Array): string[] {
  const eth = parseEthernet(frame);
  if (isWireError(eth)) return [`malformed Ethernet header: ${eth.message}`];
  const off = ETHERNET_HEADER_LEN;
  if (eth.ethertype === ETHERTYPE_ARP) {
    const arp = parseArp(frame, off);
    return isWireError(arp) ? [`malformed ARP: ${arp.message}`] : [];
  }
  if (eth.ethertype !== ETHERTYPE_IPV4) return [];
  const ip = parseIpv4(frame, off);
  if (isWireError(ip)) return [`malformed IPv4 header: ${ip.message}`];
  const problems: string[] = [];
  if (!verifyIpv4Checksum(frame, off)) problems.push(`bad IPv4 header checksum 0x${readU16(frame, off + 10).toString(16).padStart(4, '0')}`);
  const ihl = ipv4HeaderLen(ip);
  const t = off + ihl;
  if (ip.fragOffset !== 0 || (ip.flags & 1) !== 0) return problems; // a fragment's transport checksum covers the whole datagram
  if (t + ip.payloadLen > frame.length) return [...problems, `truncated: IPv4 total length ${ihl + ip.payloadLen}, ${frame.length - off} bytes captured`];
  if (ip.protocol === IP_PROTO_TCP) {
    const tcp = parseTcp(frame, t, ip.payloadLen);
    if (isWireError(tcp)) problems.push(`malformed TCP header: ${tcp.message}`);
    else if (!verifyTcpChecksum(frame, t, ip.payloadLen, ip.src, ip.dst)) {
      problems.push(`bad TCP checksum 0x${readU16(frame, t + 16).toString(16).padStart(4, '0')}`);
    }
  } else if (ip.protocol === IP_PROTO_UDP) {
    const udp = parseUdp(frame, t, ip.payloadLen);
    if (isWireError(udp)) problems.push(`malformed UDP header: ${udp.message}`);
    else if (!verifyUdpChecksum(frame, t, ip.src, ip.dst)) problems.push(`bad UDP checksum 0x${readU16(frame, t + 6).toString(16).padStart(4, '0')}`);
  } else if (ip.protocol === IP_PROTO_ICMP) {
    if (!verifyIcmpChecksum(frame, t, ip.payloadLen)) problems.push(`bad ICMP checksum 0x${readU16(frame, t + 2).toString(16).padStart(4, '0')}`);
  }
  return problems;
}
