// ICMPv4 (RFC 792). Echo request/reply; destination unreachable and time exceeded carry the
// packet they quote (the offending IP header + at least 8 bytes, Linux quotes up to 576 total).
//
//  0       1       2               4                               8
// | type  | code  |   checksum    |  rest of header (ident/seq,   | data / quoted packet
// |       |       |               |  unused or next-hop MTU)      |

import { copyBytes, readU16, readU32, writeU16, writeU32 } from './bytes.ts';
import { finishChecksum, sum16 } from './checksum.ts';
import { WireError } from './errors.ts';

export const IcmpField = {
  TYPE: 0,
  CODE: 1,
  CHECKSUM: 2,
  REST: 4, // echo: IDENT at 4, SEQ at 6; frag-needed: next-hop MTU at 6
  IDENT: 4,
  SEQ: 6,
  DATA: 8,
} as const;

export const ICMP_HEADER_LEN = 8;

export const ICMP_ECHO_REPLY = 0;
export const ICMP_DEST_UNREACHABLE = 3;
export const ICMP_ECHO_REQUEST = 8;
export const ICMP_TIME_EXCEEDED = 11;

// Destination unreachable codes (RFC 792, RFC 1812 §5.2.7.1).
export const ICMP_NET_UNREACHABLE = 0;
export const ICMP_HOST_UNREACHABLE = 1;
export const ICMP_PROTOCOL_UNREACHABLE = 2;
export const ICMP_PORT_UNREACHABLE = 3;
export const ICMP_FRAG_NEEDED = 4;
export const ICMP_NET_PROHIBITED = 9;
export const ICMP_HOST_PROHIBITED = 10;
export const ICMP_ADMIN_PROHIBITED = 13;
// Time exceeded codes.
export const ICMP_TTL_EXCEEDED = 0;
export const ICMP_FRAG_REASSEMBLY_EXCEEDED = 1;

export type IcmpRepr =
  | { kind: 'echoRequest'; ident: number; seq: number; data: Uint8Array }
  | { kind: 'echoReply'; ident: number; seq: number; data: Uint8Array }
  /** rest: the 32-bit "unused" word (next-hop MTU in its low 16 bits for code 4). */
  | { kind: 'destUnreachable'; code: number; rest: number; quoted: Uint8Array }
  | { kind: 'timeExceeded'; code: number; rest: number; quoted: Uint8Array }
  /** Any other type, or an echo with a non-zero code: kept verbatim. */
  | { kind: 'other'; icmpType: number; code: number; rest: number; data: Uint8Array };

export class IcmpPacket {
  constructor(
    readonly buf: Uint8Array,
    readonly off = 0,
    readonly len = buf.length - off,
  ) {}
  get icmpType(): number {
    return this.buf[this.off + IcmpField.TYPE]!;
  }
  get code(): number {
    return this.buf[this.off + IcmpField.CODE]!;
  }
  get checksum(): number {
    return readU16(this.buf, this.off + IcmpField.CHECKSUM);
  }
  verifyChecksum(): boolean {
    return sum16(this.buf, this.off, this.len) === 0xffff;
  }
  fillChecksum(): void {
    writeU16(this.buf, this.off + IcmpField.CHECKSUM, icmpChecksum(this.buf, this.off, this.len));
  }
}

/** ICMP checksum over the whole message, as if the checksum field were zero. */
export function icmpChecksum(buf: Uint8Array, off: number, len: number): number {
  return finishChecksum(sum16(buf, off + 4, len - 4, sum16(buf, off, 2)));
}

/** Parses an ICMP message of `len` bytes (the IP payload). Data fields are views, not copies. */
export function parseIcmp(buf: Uint8Array, off = 0, len = buf.length - off): IcmpRepr | WireError {
  if (len < ICMP_HEADER_LEN) return new WireError('truncated', off, `ICMP header needs 8 bytes, have ${len}`);
  const t = buf[off + IcmpField.TYPE]!;
  const code = buf[off + IcmpField.CODE]!;
  const rest = readU32(buf, off + IcmpField.REST);
  const data = buf.subarray(off + ICMP_HEADER_LEN, off + len);
  if ((t === ICMP_ECHO_REQUEST || t === ICMP_ECHO_REPLY) && code === 0) {
    return {
      kind: t === ICMP_ECHO_REQUEST ? 'echoRequest' : 'echoReply',
      ident: readU16(buf, off + IcmpField.IDENT),
      seq: readU16(buf, off + IcmpField.SEQ),
      data,
    };
  }
  if (t === ICMP_DEST_UNREACHABLE) return { kind: 'destUnreachable', code, rest, quoted: data };
  if (t === ICMP_TIME_EXCEEDED) return { kind: 'timeExceeded', code, rest, quoted: data };
  return { kind: 'other', icmpType: t, code, rest, data };
}

function icmpBody(repr: IcmpRepr): Uint8Array {
  switch (repr.kind) {
    case 'echoRequest':
    case 'echoReply':
    case 'other':
      return repr.data;
    case 'destUnreachable':
    case 'timeExceeded':
      return repr.quoted;
  }
}

export function icmpBufferLen(repr: IcmpRepr): number {
  return ICMP_HEADER_LEN + icmpBody(repr).length;
}

/** Writes the whole message with its checksum; returns its length. */
export function emitIcmp(repr: IcmpRepr, buf: Uint8Array, off = 0): number {
  let t: number;
  let code = 0;
  switch (repr.kind) {
    case 'echoRequest':
    case 'echoReply':
      t = repr.kind === 'echoRequest' ? ICMP_ECHO_REQUEST : ICMP_ECHO_REPLY;
      writeU16(buf, off + IcmpField.IDENT, repr.ident);
      writeU16(buf, off + IcmpField.SEQ, repr.seq);
      break;
    case 'destUnreachable':
    case 'timeExceeded':
      t = repr.kind === 'destUnreachable' ? ICMP_DEST_UNREACHABLE : ICMP_TIME_EXCEEDED;
      code = repr.code;
      writeU32(buf, off + IcmpField.REST, repr.rest);
      break;
    case 'other':
      t = repr.icmpType;
      code = repr.code;
      writeU32(buf, off + IcmpField.REST, repr.rest);
      break;
  }
  buf[off + IcmpField.TYPE] = t;
  buf[off + IcmpField.CODE] = code;
  const body = icmpBody(repr);
  buf.set(body, off + ICMP_HEADER_LEN);
  const len = ICMP_HEADER_LEN + body.length;
  writeU16(buf, off + IcmpField.CHECKSUM, icmpChecksum(buf, off, len));
  return len;
}

export function verifyIcmpChecksum(buf: Uint8Array, off: number, len: number): boolean {
  return new IcmpPacket(buf, off, len).verifyChecksum();
}

/**
 * The bytes an ICMP error quotes for an offending IPv4 packet: its header plus the first 8 bytes of
 * its payload at least; Linux (icmp_send) quotes as much as fits in 576 bytes of ICMP datagram.
 */
export function icmpQuote(offendingPacket: Uint8Array, maxQuoted = 576 - 20 - 8): Uint8Array {
  const n = Math.min(offendingPacket.length, maxQuoted);
  return copyBytes(offendingPacket, 0, n);
}
