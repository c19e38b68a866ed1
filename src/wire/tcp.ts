// TCP header (RFC 9293) and options (RFC 9293 §3.2, RFC 7323, RFC 2018). Options are a typed list;
// unknown kinds and known kinds with an unexpected length are kept verbatim as 'unknown', so
// parse -> emit is byte-exact for anything parseTcp accepts.
//
//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// |          Source Port          |       Destination Port        |  0
// |                        Sequence Number                        |  4
// |                    Acknowledgment Number                      |  8
// |  Data |       |C|E|U|A|P|R|S|F|                               |
// | Offset| Rsrvd |W|C|R|C|S|S|Y|I|            Window             | 12
// |           Checksum            |         Urgent Pointer        | 16
// |                    Options                    |    Padding    | 20

import type { Ipv4Addr } from './addr.ts';
import { readU16, readU32, writeU16, writeU32 } from './bytes.ts';
import { pseudoHeaderSum, sum16, tcpUdpChecksum } from './checksum.ts';
import { WireError } from './errors.ts';

export const TcpField = {
  SRC_PORT: 0,
  DST_PORT: 2,
  SEQ: 4,
  ACK: 8,
  FLAGS: 12, // 16 bits: data offset (4) | reserved (3) | AE/NS (1) | CWR..FIN (8)
  WINDOW: 14,
  CHECKSUM: 16,
  URGENT: 18,
  OPTIONS: 20,
} as const;

export const TCP_HEADER_LEN = 20;
export const TCP_MAX_HEADER_LEN = 60;

export const TCP_FIN = 0x001;
export const TCP_SYN = 0x002;
export const TCP_RST = 0x004;
export const TCP_PSH = 0x008;
export const TCP_ACK = 0x010;
export const TCP_URG = 0x020;
export const TCP_ECE = 0x040;
export const TCP_CWR = 0x080;
/** Bit 8: NS (RFC 3540, historic) / AE (AccECN). Bits 9-11 are reserved and kept as is. */
export const TCP_NS = 0x100;
/** The 12 bits below the data offset; `flags` carries all of them so reserved bits round-trip. */
export const TCP_FLAGS_MASK = 0xfff;

export const TCP_OPT_EOL = 0;
export const TCP_OPT_NOP = 1;
export const TCP_OPT_MSS = 2;
export const TCP_OPT_WSCALE = 3;
export const TCP_OPT_SACK_PERMITTED = 4;
export const TCP_OPT_SACK = 5;
export const TCP_OPT_TIMESTAMPS = 8;

export interface SackBlock {
  left: number;
  right: number;
}

export type TcpOption =
  /** End of option list. Bytes after it up to the data offset, when not all zero, are in `trailing`. */
  | { kind: 'eol'; trailing?: Uint8Array }
  | { kind: 'nop' }
  | { kind: 'mss'; value: number }
  | { kind: 'wscale'; shift: number }
  | { kind: 'sackPermitted' }
  | { kind: 'sack'; blocks: SackBlock[] }
  | { kind: 'timestamps'; tsVal: number; tsEcr: number }
  /** Any other kind, or a known kind with a length it should not have: bytes after kind+length. */
  | { kind: 'unknown'; type: number; data: Uint8Array };

export interface TcpRepr {
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  /** TCP_FIN | TCP_SYN | ... (12 bits; reserved bits preserved). */
  flags: number;
  window: number;
  urgentPtr: number;
  options: TcpOption[];
  /** Segment data. From parseTcp: a view into the parsed buffer (not a copy). */
  payload?: Uint8Array;
}

export class TcpPacket {
  constructor(
    readonly buf: Uint8Array,
    readonly off = 0,
    /** Segment length (header + data), needed for the checksum. */
    readonly len = buf.length - off,
  ) {}
  get srcPort(): number {
    return readU16(this.buf, this.off + TcpField.SRC_PORT);
  }
  set srcPort(v: number) {
    writeU16(this.buf, this.off + TcpField.SRC_PORT, v);
  }
  get dstPort(): number {
    return readU16(this.buf, this.off + TcpField.DST_PORT);
  }
  set dstPort(v: number) {
    writeU16(this.buf, this.off + TcpField.DST_PORT, v);
  }
  get seq(): number {
    return readU32(this.buf, this.off + TcpField.SEQ);
  }
  get ack(): number {
    return readU32(this.buf, this.off + TcpField.ACK);
  }
  get headerLen(): number {
    return (this.buf[this.off + TcpField.FLAGS]! >>> 4) * 4;
  }
  get flags(): number {
    return readU16(this.buf, this.off + TcpField.FLAGS) & TCP_FLAGS_MASK;
  }
  get window(): number {
    return readU16(this.buf, this.off + TcpField.WINDOW);
  }
  get checksum(): number {
    return readU16(this.buf, this.off + TcpField.CHECKSUM);
  }
  get urgentPtr(): number {
    return readU16(this.buf, this.off + TcpField.URGENT);
  }
  get payloadOffset(): number {
    return this.off + this.headerLen;
  }
  get payloadLen(): number {
    return this.len - this.headerLen;
  }
  verifyChecksum(src: Ipv4Addr, dst: Ipv4Addr): boolean {
    return sum16(this.buf, this.off, this.len, pseudoHeaderSum(src, dst, 6, this.len)) === 0xffff;
  }
  fillChecksum(src: Ipv4Addr, dst: Ipv4Addr): void {
    writeU16(this.buf, this.off + TcpField.CHECKSUM, tcpUdpChecksum(src, dst, 6, this.buf, this.off, this.len));
  }
}

/** Decodes the option area [start, end); returns the list or the first framing error. */
export function parseTcpOptions(buf: Uint8Array, start: number, end: number): TcpOption[] | WireError {
  const out: TcpOption[] = [];
  let i = start;
  while (i < end) {
    const type = buf[i]!;
    if (type === TCP_OPT_EOL) {
      let nonZero = false;
      for (let j = i + 1; j < end; j++) if (buf[j] !== 0) nonZero = true;
      out.push(nonZero ? { kind: 'eol', trailing: buf.slice(i + 1, end) } : { kind: 'eol' });
      return out;
    }
    if (type === TCP_OPT_NOP) {
      out.push({ kind: 'nop' });
      i++;
      continue;
    }
    if (i + 1 >= end) return new WireError('bad-option-length', i, `TCP option ${type} has no length byte`);
    const l = buf[i + 1]!;
    if (l < 2 || i + l > end) {
      return new WireError('bad-option-length', i, `TCP option ${type} length ${l} overruns the ${end - i} bytes left`);
    }
    const d = i + 2;
    if (type === TCP_OPT_MSS && l === 4) out.push({ kind: 'mss', value: readU16(buf, d) });
    else if (type === TCP_OPT_WSCALE && l === 3) out.push({ kind: 'wscale', shift: buf[d]! });
    else if (type === TCP_OPT_SACK_PERMITTED && l === 2) out.push({ kind: 'sackPermitted' });
    else if (type === TCP_OPT_TIMESTAMPS && l === 10) {
      out.push({ kind: 'timestamps', tsVal: readU32(buf, d), tsEcr: readU32(buf, d + 4) });
    } else if (type === TCP_OPT_SACK && l >= 10 && (l - 2) % 8 === 0) {
      const blocks: SackBlock[] = [];
      for (let j = d; j < i + l; j += 8) blocks.push({ left: readU32(buf, j), right: readU32(buf, j + 4) });
      out.push({ kind: 'sack', blocks });
    } else out.push({ kind: 'unknown', type, data: buf.slice(d, i + l) });
    i += l;
  }
  return out;
}

export function tcpOptionLen(o: TcpOption): number {
  switch (o.kind) {
    case 'eol':
      return 1 + (o.trailing === undefined ? 0 : o.trailing.length);
    case 'nop':
      return 1;
    case 'mss':
      return 4;
    case 'wscale':
      return 3;
    case 'sackPermitted':
      return 2;
    case 'sack':
      return 2 + 8 * o.blocks.length;
    case 'timestamps':
      return 10;
    case 'unknown':
      return 2 + o.data.length;
  }
}

/** Option bytes rounded up to a multiple of 4 (the zero padding emitTcp adds). */
export function tcpOptionsLen(options: readonly TcpOption[]): number {
  let n = 0;
  for (const o of options) n += tcpOptionLen(o);
  return (n + 3) & ~3;
}

/** Writes the options at `off`, then zero padding to a 32-bit boundary; returns bytes written. */
export function emitTcpOptions(options: readonly TcpOption[], buf: Uint8Array, off: number): number {
  let i = off;
  for (const o of options) {
    switch (o.kind) {
      case 'eol':
        buf[i++] = TCP_OPT_EOL;
        if (o.trailing !== undefined) {
          buf.set(o.trailing, i);
          i += o.trailing.length;
        }
        break;
      case 'nop':
        buf[i++] = TCP_OPT_NOP;
        break;
      case 'mss':
        buf[i] = TCP_OPT_MSS;
        buf[i + 1] = 4;
        writeU16(buf, i + 2, o.value);
        i += 4;
        break;
      case 'wscale':
        buf[i] = TCP_OPT_WSCALE;
        buf[i + 1] = 3;
        buf[i + 2] = o.shift;
        i += 3;
        break;
      case 'sackPermitted':
        buf[i] = TCP_OPT_SACK_PERMITTED;
        buf[i + 1] = 2;
        i += 2;
        break;
      case 'sack':
        buf[i] = TCP_OPT_SACK;
        buf[i + 1] = 2 + 8 * o.blocks.length;
        i += 2;
        for (const b of o.blocks) {
          writeU32(buf, i, b.left);
          writeU32(buf, i + 4, b.right);
          i += 8;
        }
        break;
      case 'timestamps':
        buf[i] = TCP_OPT_TIMESTAMPS;
        buf[i + 1] = 10;
        writeU32(buf, i + 2, o.tsVal);
        writeU32(buf, i + 6, o.tsEcr);
        i += 10;
        break;
      case 'unknown':
        buf[i] = o.type;
        buf[i + 1] = 2 + o.data.length;
        buf.set(o.data, i + 2);
        i += 2 + o.data.length;
        break;
    }
  }
  while ((i - off) & 3) buf[i++] = 0;
  return i - off;
}

/** Parses a TCP segment of `len` bytes (header + data). The checksum is not checked here. */
export function parseTcp(buf: Uint8Array, off = 0, len = buf.length - off): TcpRepr | WireError {
  if (len < TCP_HEADER_LEN) return new WireError('truncated', off, `TCP header needs 20 bytes, have ${len}`);
  const doff = buf[off + TcpField.FLAGS]! >>> 4;
  const hl = doff * 4;
  if (doff < 5) return new WireError('bad-data-offset', off + TcpField.FLAGS, `data offset ${doff} < 5`);
  if (hl > len) {
    return new WireError('bad-data-offset', off + TcpField.FLAGS, `data offset ${doff} (${hl} bytes) past the ${len}-byte segment`);
  }
  let options: TcpOption[];
  if (hl === TCP_HEADER_LEN) options = [];
  else {
    const r = parseTcpOptions(buf, off + TCP_HEADER_LEN, off + hl);
    if (r instanceof WireError) return r;
    options = r;
  }
  const repr: TcpRepr = {
    srcPort: readU16(buf, off + TcpField.SRC_PORT),
    dstPort: readU16(buf, off + TcpField.DST_PORT),
    seq: readU32(buf, off + TcpField.SEQ),
    ack: readU32(buf, off + TcpField.ACK),
    flags: readU16(buf, off + TcpField.FLAGS) & TCP_FLAGS_MASK,
    window: readU16(buf, off + TcpField.WINDOW),
    urgentPtr: readU16(buf, off + TcpField.URGENT),
    options,
  };
  if (len > hl) repr.payload = buf.subarray(off + hl, off + len);
  return repr;
}

export function tcpHeaderLen(repr: TcpRepr): number {
  return repr.options.length === 0 ? TCP_HEADER_LEN : TCP_HEADER_LEN + tcpOptionsLen(repr.options);
}

export function tcpBufferLen(repr: TcpRepr): number {
  return tcpHeaderLen(repr) + (repr.payload === undefined ? 0 : repr.payload.length);
}

/**
 * Writes header, options, padding and payload, then the checksum over the pseudo-header of
 * src/dst. Returns the segment length.
 */
export function emitTcp(repr: TcpRepr, buf: Uint8Array, off: number, src: Ipv4Addr, dst: Ipv4Addr): number {
  const hl = tcpHeaderLen(repr);
  if (hl > TCP_MAX_HEADER_LEN) throw new RangeError(`TCP options of ${hl - 20} bytes exceed 40`);
  writeU16(buf, off + TcpField.SRC_PORT, repr.srcPort);
  writeU16(buf, off + TcpField.DST_PORT, repr.dstPort);
  writeU32(buf, off + TcpField.SEQ, repr.seq);
  writeU32(buf, off + TcpField.ACK, repr.ack);
  writeU16(buf, off + TcpField.FLAGS, ((hl >>> 2) << 12) | (repr.flags & TCP_FLAGS_MASK));
  writeU16(buf, off + TcpField.WINDOW, repr.window);
  writeU16(buf, off + TcpField.CHECKSUM, 0);
  writeU16(buf, off + TcpField.URGENT, repr.urgentPtr);
  if (hl > TCP_HEADER_LEN) emitTcpOptions(repr.options, buf, off + TCP_HEADER_LEN);
  let len = hl;
  const p = repr.payload;
  if (p !== undefined && p.length > 0) {
    buf.set(p, off + hl);
    len += p.length;
  }
  writeU16(buf, off + TcpField.CHECKSUM, tcpUdpChecksum(src, dst, 6, buf, off, len));
  return len;
}

export function verifyTcpChecksum(buf: Uint8Array, off: number, len: number, src: Ipv4Addr, dst: Ipv4Addr): boolean {
  return new TcpPacket(buf, off, len).verifyChecksum(src, dst);
}

/** tcpdump's flag letters in its order (print-tcp.c): F S R P . U E W; 'none' when empty. */
export function tcpFlagsToString(flags: number): string {
  let s = '';
  if (flags & TCP_FIN) s += 'F';
  if (flags & TCP_SYN) s += 'S';
  if (flags & TCP_RST) s += 'R';
  if (flags & TCP_PSH) s += 'P';
  if (flags & TCP_ACK) s += '.';
  if (flags & TCP_URG) s += 'U';
  if (flags & TCP_ECE) s += 'E';
  if (flags & TCP_CWR) s += 'W';
  return s === '' ? 'none' : s;
}

