// One-line packet summaries in the style of `tcpdump -nn` (without the timestamp), used by traces,
// test failures, the CLI and goldens. Malformed packets print too: what parsed, then
// "[malformed <layer>: <kind> at <offset>: <message>]" with the offset in frame coordinates.
//
// By default sequence numbers are absolute (tcpdump -S). Pass a TcpSeqTracker to get tcpdump's
// default relative numbers; it follows print-tcp.c: a packet with ACK set that starts a new
// conversation (none known, or SYN set) records both ISNs and prints absolute numbers.

import { ipv4ToString, macToString } from './addr.ts';
import { ARP_REPLY, ARP_REQUEST, parseArp } from './arp.ts';
import { readU16, readU32 } from './bytes.ts';
import { isWireError, type WireError } from './errors.ts';
import { ETHERNET_HEADER_LEN, ETHERTYPE_ARP, ETHERTYPE_IPV4, ETHERTYPE_IPV6, ETHERTYPE_VLAN, parseEthernet, type EthernetRepr } from './ethernet.ts';
import {
  ICMP_ADMIN_PROHIBITED,
  ICMP_FRAG_NEEDED,
  ICMP_HOST_PROHIBITED,
  ICMP_HOST_UNREACHABLE,
  ICMP_NET_PROHIBITED,
  ICMP_NET_UNREACHABLE,
  ICMP_PORT_UNREACHABLE,
  ICMP_PROTOCOL_UNREACHABLE,
  parseIcmp,
} from './icmp.ts';
import { IP_PROTO_ICMP, IP_PROTO_TCP, IP_PROTO_UDP, Ipv4Packet, parseIpv4, type Ipv4Repr } from './ipv4.ts';
import {
  parseTcp,
  tcpFlagsToString,
  TcpField,
  TcpPacket,
  TCP_ACK,
  TCP_FIN,
  TCP_FLAGS_MASK,
  TCP_HEADER_LEN,
  TCP_OPT_EOL,
  TCP_OPT_MSS,
  TCP_OPT_NOP,
  TCP_OPT_SACK,
  TCP_OPT_SACK_PERMITTED,
  TCP_OPT_TIMESTAMPS,
  TCP_OPT_WSCALE,
  TCP_RST,
  TCP_SYN,
  type TcpOption,
} from './tcp.ts';
import { parseUdp, UdpPacket } from './udp.ts';
import { IcmpPacket } from './icmp.ts';

export interface SummarizeOptions {
  /** Prefix with the link-level header, like tcpdump -e. */
  link?: boolean;
  /** Relative TCP sequence numbers, like tcpdump without -S (state across calls). */
  seq?: TcpSeqTracker;
  /** Append "[bad ip cksum]", "[bad tcp cksum]"... for wrong checksums (tcpdump shows these only with -v). */
  checksums?: boolean;
}

/** Remembers each TCP conversation's initial sequence numbers, as tcpdump does. */
export class TcpSeqTracker {
  private readonly isn = new Map<string, number>();

  /**
   * Returns [seq, ack, receiver's ISN] to print for a segment from (src, sport) to (dst, dport);
   * the third value is what tcpdump subtracts from SACK edges (0 when numbers stay absolute).
   */
  relative(src: number, sport: number, dst: number, dport: number, flags: number, seq: number, ack: number): [number, number, number] {
    if ((flags & TCP_ACK) === 0) return [seq, ack, 0];
    const from = `${src}:${sport}>${dst}:${dport}`;
    const to = `${dst}:${dport}>${src}:${sport}`;
    const mine = this.isn.get(from);
    const theirs = this.isn.get(to);
    if (mine === undefined || theirs === undefined || flags & TCP_SYN) {
      this.isn.set(from, seq);
      this.isn.set(to, (ack - 1) >>> 0);
      return [seq, ack, (ack - 1) >>> 0];
    }
    return [(seq - mine) >>> 0, (ack - theirs) >>> 0, theirs];
  }
}

function malformed(layer: string, e: WireError): string {
  return `[malformed ${layer}: ${e.kind} at ${e.offset}: ${e.message}]`;
}

function ethertypeName(t: number): string {
  switch (t) {
    case ETHERTYPE_IPV4:
      return 'IPv4';
    case ETHERTYPE_ARP:
      return 'ARP';
    case ETHERTYPE_IPV6:
      return 'IPv6';
    case ETHERTYPE_VLAN:
      return '802.1Q';
    default:
      return 'Unknown';
  }
}

function hex4(n: number): string {
  return '0x' + n.toString(16).padStart(4, '0');
}

/** Options as tcpdump prints them; SACK edges minus `sackBase` (the receiver's ISN when relative). */
export function formatTcpOptions(options: readonly TcpOption[], sackBase = 0): string {
  // Built by concatenation (no parts array, no closures): traces format the options of every segment.
  let s = '';
  for (let i = 0; i < options.length; i++) {
    const o = options[i]!;
    let part: string;
    switch (o.kind) {
      case 'eol':
        part = 'eol';
        break;
      case 'nop':
        part = 'nop';
        break;
      case 'mss':
        part = 'mss ' + o.value;
        break;
      case 'wscale':
        part = 'wscale ' + o.shift;
        break;
      case 'sackPermitted':
        part = 'sackOK';
        break;
      case 'sack': {
        part = `sack ${o.blocks.length} `;
        for (const b of o.blocks) part += `{${(b.left - sackBase) >>> 0}:${(b.right - sackBase) >>> 0}}`;
        break;
      }
      case 'timestamps':
        part = 'TS val ' + o.tsVal + ' ecr ' + o.tsEcr;
        break;
      case 'unknown': {
        let h = '';
        for (const b of o.data) h += b.toString(16).padStart(2, '0');
        part = `unknown-${o.type}${h === '' ? '' : ' 0x' + h}`;
        break;
      }
    }
    s = i === 0 ? part : s + ',' + part;
  }
  return s;
}

function icmpUnreachText(code: number, quotedDst: string, quotedProto: number | undefined, quotedPort: number | undefined): string {
  switch (code) {
    case ICMP_NET_UNREACHABLE:
      return `net ${quotedDst} unreachable`;
    case ICMP_HOST_UNREACHABLE:
      return `host ${quotedDst} unreachable`;
    case ICMP_PROTOCOL_UNREACHABLE:
      return `${quotedDst} protocol ${quotedProto ?? '?'} unreachable`;
    case ICMP_PORT_UNREACHABLE: {
      const p = quotedProto === IP_PROTO_TCP ? 'tcp' : quotedProto === IP_PROTO_UDP ? 'udp' : `protocol ${quotedProto ?? '?'}`;
      return `${quotedDst} ${p} port ${quotedPort ?? '?'} unreachable`;
    }
    case ICMP_FRAG_NEEDED:
      return `${quotedDst} unreachable - need to frag`;
    case 5:
      return `${quotedDst} unreachable - source route failed`;
    case 6:
      return `net ${quotedDst} unreachable - unknown`;
    case 7:
      return `host ${quotedDst} unreachable - unknown`;
    case 8:
      return `${quotedDst} unreachable - source host isolated`;
    case ICMP_NET_PROHIBITED:
      return `net ${quotedDst} unreachable - admin prohibited`;
    case ICMP_HOST_PROHIBITED:
      return `host ${quotedDst} unreachable - admin prohibited`;
    case 11:
      return `net ${quotedDst} unreachable - tos prohibited`;
    case 12:
      return `host ${quotedDst} unreachable - tos prohibited`;
    case ICMP_ADMIN_PROHIBITED:
      return `host ${quotedDst} unreachable - admin prohibited filter`;
    case 14:
      return `host ${quotedDst} unreachable - host precedence violation`;
    case 15:
      return `host ${quotedDst} unreachable - precedence cutoff`;
    default:
      return `${quotedDst} unreachable - #${code}`;
  }
}

function summarizeIcmp(buf: Uint8Array, off: number, len: number, opts: SummarizeOptions): string {
  const r = parseIcmp(buf, off, len);
  if (isWireError(r)) return `ICMP ${malformed('ICMP', r)}`;
  let s: string;
  switch (r.kind) {
    case 'echoRequest':
    case 'echoReply':
      s = `ICMP echo ${r.kind === 'echoRequest' ? 'request' : 'reply'}, id ${r.ident}, seq ${r.seq}, length ${len}`;
      break;
    case 'destUnreachable': {
      const q = r.quoted;
      let text: string;
      if (q.length >= 20 && q[0]! >>> 4 === 4) {
        const qp = new Ipv4Packet(q, 0);
        const hl = qp.headerLen;
        const port = q.length >= hl + 4 ? readU16(q, hl + 2) : undefined;
        text = icmpUnreachText(r.code, ipv4ToString(qp.dst), qp.protocol, port);
        if (r.code === ICMP_FRAG_NEEDED) text += ` (mtu ${r.rest & 0xffff})`;
      } else {
        text = `unreachable (quoted packet of ${q.length} bytes)`;
      }
      s = `ICMP ${text}, length ${len}`;
      break;
    }
    case 'timeExceeded':
      s = `ICMP ${r.code === 0 ? 'time exceeded in-transit' : r.code === 1 ? 'ip reassembly time exceeded' : `time exceeded-#${r.code}`}, length ${len}`;
      break;
    case 'other': {
      // print-icmp.c names these by type whatever the code; id/seq sit in the rest-of-header word.
      const idSeq = `id ${r.rest >>> 16}, seq ${r.rest & 0xffff}`;
      if (r.icmpType === 8 || r.icmpType === 0) s = `ICMP echo ${r.icmpType === 8 ? 'request' : 'reply'}, ${idSeq}, length ${len}`;
      else if (r.icmpType === 13 || r.icmpType === 14) {
        s = `ICMP time stamp ${r.icmpType === 13 ? 'query' : 'reply'} id ${r.rest >>> 16} seq ${r.rest & 0xffff}, length ${len}`;
      } else s = `ICMP type-#${r.icmpType}, length ${len}`;
      break;
    }
  }
  if (opts.checksums && !new IcmpPacket(buf, off, len).verifyChecksum()) s += ' [bad icmp cksum]';
  return s;
}

/**
 * formatTcpOptions(parseTcpOptions(buf, start, end)) read straight from the bytes, without the
 * option objects (traces print the options of every segment); undefined where parseTcpOptions
 * reports a framing error, so the caller takes the general path.
 */
function formatTcpOptionBytes(buf: Uint8Array, start: number, end: number, sackBase: number): string | undefined {
  let s = '';
  let first = true;
  let i = start;
  while (i < end) {
    const type = buf[i]!;
    let part: string;
    if (type === TCP_OPT_EOL) return first ? 'eol' : s + ',eol';
    if (type === TCP_OPT_NOP) {
      part = 'nop';
      i++;
    } else {
      if (i + 1 >= end) return undefined;
      const l = buf[i + 1]!;
      if (l < 2 || i + l > end) return undefined;
      const d = i + 2;
      if (type === TCP_OPT_MSS && l === 4) part = 'mss ' + readU16(buf, d);
      else if (type === TCP_OPT_WSCALE && l === 3) part = 'wscale ' + buf[d]!;
      else if (type === TCP_OPT_SACK_PERMITTED && l === 2) part = 'sackOK';
      else if (type === TCP_OPT_TIMESTAMPS && l === 10) part = 'TS val ' + readU32(buf, d) + ' ecr ' + readU32(buf, d + 4);
      else if (type === TCP_OPT_SACK && l >= 10 && (l - 2) % 8 === 0) {
        part = `sack ${(l - 2) / 8} `;
        for (let j = d; j < i + l; j += 8) part += `{${(readU32(buf, j) - sackBase) >>> 0}:${(readU32(buf, j + 4) - sackBase) >>> 0}}`;
      } else {
        let h = '';
        for (let j = d; j < i + l; j++) h += buf[j]!.toString(16).padStart(2, '0');
        part = `unknown-${type}${h === '' ? '' : ' 0x' + h}`;
      }
      i += l;
    }
    s = first ? part : s + ',' + part;
    first = false;
  }
  return s;
}

/** summarizeTcp for a segment parseTcp accepts, read from the bytes; undefined otherwise. */
function summarizeTcpFast(buf: Uint8Array, ip: Ipv4Repr, off: number, len: number, opts: SummarizeOptions): string | undefined {
  if (len < TCP_HEADER_LEN) return undefined;
  const doff = buf[off + TcpField.FLAGS]! >>> 4;
  const hl = doff * 4;
  if (doff < 5 || hl > len) return undefined;
  const srcPort = readU16(buf, off + TcpField.SRC_PORT);
  const dstPort = readU16(buf, off + TcpField.DST_PORT);
  const flags = readU16(buf, off + TcpField.FLAGS) & TCP_FLAGS_MASK;
  let seq = readU32(buf, off + TcpField.SEQ);
  let ack = readU32(buf, off + TcpField.ACK);
  let sackBase = 0;
  if (opts.seq !== undefined) [seq, ack, sackBase] = opts.seq.relative(ip.src, srcPort, ip.dst, dstPort, flags, seq, ack);
  let optText = '';
  if (hl > TCP_HEADER_LEN) {
    const t = formatTcpOptionBytes(buf, off + TCP_HEADER_LEN, off + hl, sackBase);
    if (t === undefined) return undefined;
    optText = t;
  }
  const dataLen = len - hl;
  let s = 'IP ' + ipv4ToString(ip.src) + '.' + srcPort + ' > ' + ipv4ToString(ip.dst) + '.' + dstPort + ': Flags [' + tcpFlagsToString(flags) + ']';
  if (dataLen > 0 || flags & (TCP_SYN | TCP_FIN | TCP_RST)) {
    s += ', seq ' + seq;
    if (dataLen > 0) s += ':' + ((seq + dataLen) >>> 0);
  }
  if (flags & TCP_ACK) s += ', ack ' + ack;
  s += ', win ' + readU16(buf, off + TcpField.WINDOW);
  if (flags & 0x20) s += ', urg ' + readU16(buf, off + TcpField.URGENT);
  if (hl > TCP_HEADER_LEN) s += ', options [' + optText + ']';
  s += ', length ' + dataLen;
  if (dataLen > 0 && isHttpPort(srcPort, dstPort)) s += httpSuffix(buf.subarray(off + hl, off + len));
  if (opts.checksums && !new TcpPacket(buf, off, len).verifyChecksum(ip.src, ip.dst)) s += ' [bad tcp cksum]';
  return s;
}

function summarizeTcp(buf: Uint8Array, ip: Ipv4Repr, off: number, len: number, opts: SummarizeOptions): string {
  const fast = summarizeTcpFast(buf, ip, off, len, opts);
  if (fast !== undefined) return fast;
  const src = ipv4ToString(ip.src);
  const dst = ipv4ToString(ip.dst);
  const r = parseTcp(buf, off, len);
  if (isWireError(r)) {
    const ports = len >= 4 ? [`.${readU16(buf, off)}`, `.${readU16(buf, off + 2)}`] : ['', ''];
    return `IP ${src}${ports[0]} > ${dst}${ports[1]}: ${malformed('TCP', r)}`;
  }
  const dataLen = r.payload === undefined ? 0 : r.payload.length;
  let seq = r.seq;
  let ack = r.ack;
  let sackBase = 0;
  if (opts.seq !== undefined) {
    [seq, ack, sackBase] = opts.seq.relative(ip.src, r.srcPort, ip.dst, r.dstPort, r.flags, r.seq, r.ack);
  }
  let s = `IP ${src}.${r.srcPort} > ${dst}.${r.dstPort}: Flags [${tcpFlagsToString(r.flags)}]`;
  if (dataLen > 0 || r.flags & (TCP_SYN | TCP_FIN | TCP_RST)) {
    s += `, seq ${seq}`;
    if (dataLen > 0) s += `:${(seq + dataLen) >>> 0}`;
  }
  if (r.flags & TCP_ACK) s += `, ack ${ack}`;
  s += `, win ${r.window}`;
  if (r.flags & 0x20) s += `, urg ${r.urgentPtr}`;
  if (r.options.length > 0) s += `, options [${formatTcpOptions(r.options, sackBase)}]`;
  s += `, length ${dataLen}`;
  if (dataLen > 0 && r.payload !== undefined && isHttpPort(r.srcPort, r.dstPort)) s += httpSuffix(r.payload);
  if (opts.checksums && !new TcpPacket(buf, off, len).verifyChecksum(ip.src, ip.dst)) s += ' [bad tcp cksum]';
  return s;
}

// print-http.c's request methods; txtproto_print compares the first token case-insensitively.
const HTTP_METHODS = new Set(
  ('GET PUT COPY HEAD LOCK MOVE POLL POST BCOPY BMOVE MKCOL TRACE LABEL MERGE DELETE SEARCH UNLOCK REPORT ' +
    'UPDATE NOTIFY BDELETE CONNECT OPTIONS CHECKIN PROPFIND CHECKOUT CCM_POST SUBSCRIBE PROPPATCH BPROPFIND ' +
    'BPROPPATCH UNCHECKOUT MKACTIVITY MKWORKSPACE UNSUBSCRIBE RPC_CONNECT VERSION-CONTROL BASELINE-CONTROL').split(' '),
);

/** Printable ASCII token at i (up to a space, tab, CR or LF); [token, index after it] or undefined. */
function fetchToken(p: Uint8Array, i: number): [string, number] | undefined {
  let tok = '';
  for (; i < p.length; i++) {
    const c = p[i]!;
    if (c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a) break;
    if (c < 0x21 || c > 0x7e) return undefined;
    tok += String.fromCharCode(c);
  }
  if (tok === '') return undefined;
  while (i < p.length && (p[i] === 0x20 || p[i] === 0x09)) i++;
  return [tok, i];
}

/**
 * What tcpdump's txtproto_print appends for HTTP: ": HTTP", plus ": <first line>" when the data
 * starts with a request method or its second token is a 3-digit status; " [|http]" marks a first
 * line with no end in this segment.
 */
function httpSuffix(p: Uint8Array): string {
  const t1 = fetchToken(p, 0);
  let show = false;
  if (t1 !== undefined) {
    if (HTTP_METHODS.has(t1[0].toUpperCase())) show = true;
    else {
      const t2 = fetchToken(p, t1[1]);
      if (t2 !== undefined && /^\d{3}$/.test(t2[0])) show = true;
    }
  }
  if (!show) return ': HTTP';
  let line = '';
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (c === 0x0a) return `: HTTP: ${line}`;
    if (c === 0x0d) {
      if (i + 1 >= p.length || p[i + 1] !== 0x0a) return ': HTTP';
      return `: HTTP: ${line}`;
    }
    if ((c < 0x20 || c > 0x7e) && c !== 0x09) return ': HTTP';
    line += String.fromCharCode(c);
  }
  return `: HTTP: ${line} [|http]`;
}

function isHttpPort(a: number, b: number): boolean {
  // tcpdump's HTTP printer runs on 80, 8080 and 3128 (print-tcp.c).
  return a === 80 || b === 80 || a === 8080 || b === 8080 || a === 3128 || b === 3128;
}

function summarizeIpv4At(buf: Uint8Array, off: number, len: number, opts: SummarizeOptions): string {
  const ip = parseIpv4(buf, off, len);
  if (isWireError(ip)) {
    if (len >= 20 && buf[off]! >>> 4 === 4) {
      const p = new Ipv4Packet(buf, off);
      return `IP ${ipv4ToString(p.src)} > ${ipv4ToString(p.dst)}: ${malformed('IPv4', ip)}`;
    }
    return `IP ${malformed('IPv4', ip)}`;
  }
  const hl = 20 + (ip.options === undefined ? 0 : ip.options.length);
  const pOff = off + hl;
  const pLen = ip.payloadLen;
  let s: string;
  if (ip.fragOffset !== 0) {
    s = `IP ${ipv4ToString(ip.src)} > ${ipv4ToString(ip.dst)}: ip-proto-${ip.protocol}`;
  } else if (ip.protocol === IP_PROTO_TCP) {
    s = summarizeTcp(buf, ip, pOff, pLen, opts);
  } else if (ip.protocol === IP_PROTO_UDP) {
    const u = parseUdp(buf, pOff, pLen);
    const head = `IP ${ipv4ToString(ip.src)}`;
    if (isWireError(u)) {
      s = `${head} > ${ipv4ToString(ip.dst)}: ${malformed('UDP', u)}`;
    } else {
      s = `${head}.${u.srcPort} > ${ipv4ToString(ip.dst)}.${u.dstPort}: UDP, length ${u.payload.length}`;
      if (opts.checksums && !new UdpPacket(buf, pOff).verifyChecksum(ip.src, ip.dst)) s += ' [bad udp cksum]';
    }
  } else if (ip.protocol === IP_PROTO_ICMP) {
    s = `IP ${ipv4ToString(ip.src)} > ${ipv4ToString(ip.dst)}: ${summarizeIcmp(buf, pOff, pLen, opts)}`;
  } else {
    s = `IP ${ipv4ToString(ip.src)} > ${ipv4ToString(ip.dst)}: ip-proto-${ip.protocol} ${pLen}`;
  }
  if (opts.checksums && !new Ipv4Packet(buf, off).verifyChecksum()) s += ' [bad ip cksum]';
  return s;
}

function summarizeArp(buf: Uint8Array, off: number, len: number): string {
  const a = parseArp(buf, off, len);
  if (isWireError(a)) return `ARP, ${malformed('ARP', a)}`;
  let s: string;
  if (a.op === ARP_REQUEST) {
    s = `Request who-has ${ipv4ToString(a.targetIp)}`;
    if (a.targetMac !== 0) s += ` (${macToString(a.targetMac)})`;
    s += ` tell ${ipv4ToString(a.senderIp)}`;
  } else if (a.op === ARP_REPLY) {
    s = `Reply ${ipv4ToString(a.senderIp)} is-at ${macToString(a.senderMac)}`;
  } else {
    s = `Unknown (${a.op})`;
  }
  return `ARP, ${s}, length ${len}`;
}

/**
 * One line for a bare IPv4 packet (no link header), as tcpdump prints it on a raw-IP link; for
 * netfilter and stack traces, which see packets rather than frames.
 */
export function summarizeIpv4(packet: Uint8Array, opts: SummarizeOptions = {}): string {
  return summarizeIpv4At(packet, 0, packet.length, opts);
}

/** tcpdump -e's link header text; built only when printed (traces print frames without it). */
function linkPrefix(eth: EthernetRepr, frameLen: number): string {
  return `${macToString(eth.src)} > ${macToString(eth.dst)}, ethertype ${ethertypeName(eth.ethertype)} (${hex4(eth.ethertype)}), length ${frameLen}: `;
}

/** One line describing an Ethernet frame, tcpdump -nn style, never throwing on bad bytes. */
export function summarizeFrame(frame: Uint8Array, opts: SummarizeOptions = {}): string {
  const eth = parseEthernet(frame, 0, frame.length);
  if (isWireError(eth)) return malformed('Ethernet', eth);
  const off = ETHERNET_HEADER_LEN;
  const len = frame.length - off;
  // Ethertypes lbsim does not decode print with the link header, as tcpdump does (minus its hex dump).
  if (eth.ethertype !== ETHERTYPE_IPV4 && eth.ethertype !== ETHERTYPE_ARP) return linkPrefix(eth, frame.length).slice(0, -2);
  const body = eth.ethertype === ETHERTYPE_IPV4 ? summarizeIpv4At(frame, off, len, opts) : summarizeArp(frame, off, len);
  if (!opts.link) return body;
  const prefix = linkPrefix(eth, frame.length);
  // tcpdump -e names the ethertype in the prefix, so drops "ARP, " / "IP " from the body.
  if (eth.ethertype === ETHERTYPE_ARP && body.startsWith('ARP, ')) return prefix + body.slice(5);
  if (eth.ethertype === ETHERTYPE_IPV4 && body.startsWith('IP ')) return prefix + body.slice(3);
  return prefix + body;
}
