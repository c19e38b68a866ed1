// The parts of a received segment the state machine looks at, pulled out of the wire codec's
// option list once, and the sequence-number arithmetic of RFC 9293 §3.4 (modulo 2^32).

import {
  EMPTY_BYTES,
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
  TCP_SYN,
  TcpField,
  readU16,
  readU32,
  type SackBlock,
  type TcpOption,
  type TcpRepr,
} from '../../wire/index.ts';

export interface SegIn {
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  flags: number;
  window: number;
  /** Option values; -1 / false when the option is absent. */
  mss: number;
  wscale: number;
  sackPermitted: boolean;
  hasTs: boolean;
  tsVal: number;
  tsEcr: number;
  sack: SackBlock[] | null;
  payload: Uint8Array;
}

export function segFromRepr(r: TcpRepr): SegIn {
  const s: SegIn = {
    srcPort: r.srcPort,
    dstPort: r.dstPort,
    seq: r.seq,
    ack: r.ack,
    flags: r.flags,
    window: r.window,
    mss: -1,
    wscale: -1,
    sackPermitted: false,
    hasTs: false,
    tsVal: 0,
    tsEcr: 0,
    sack: null,
    payload: r.payload ?? EMPTY_BYTES,
  };
  for (const o of r.options) applyOption(s, o);
  return s;
}

function applyOption(s: SegIn, o: TcpOption): void {
  switch (o.kind) {
    case 'mss':
      s.mss = o.value;
      break;
    case 'wscale':
      // RFC 7323 §2.3: a shift above 14 is used as 14 (Linux logs and clamps too).
      s.wscale = Math.min(o.shift, 14);
      break;
    case 'sackPermitted':
      s.sackPermitted = true;
      break;
    case 'timestamps':
      s.hasTs = true;
      s.tsVal = o.tsVal;
      s.tsEcr = o.tsEcr;
      break;
    case 'sack':
      s.sack = o.blocks;
      break;
    default:
      break;
  }
}

/**
 * Reads a received segment straight from its bytes (the receive hot path: no option list is
 * built). Returns null for what parseTcp would call malformed: data offset below 5 or past the
 * segment, an option whose length overruns the option area. Unknown options are skipped, as
 * tcp_parse_options() does.
 */
export function readSegment(buf: Uint8Array, off: number, len: number): SegIn | null {
  if (len < TCP_HEADER_LEN) return null;
  const hl = (buf[off + TcpField.FLAGS]! >>> 4) * 4;
  if (hl < TCP_HEADER_LEN || hl > len) return null;
  const s: SegIn = {
    srcPort: readU16(buf, off + TcpField.SRC_PORT),
    dstPort: readU16(buf, off + TcpField.DST_PORT),
    seq: readU32(buf, off + TcpField.SEQ),
    ack: readU32(buf, off + TcpField.ACK),
    flags: readU16(buf, off + TcpField.FLAGS) & TCP_FLAGS_MASK,
    window: readU16(buf, off + TcpField.WINDOW),
    mss: -1,
    wscale: -1,
    sackPermitted: false,
    hasTs: false,
    tsVal: 0,
    tsEcr: 0,
    sack: null,
    payload: len > hl ? buf.subarray(off + hl, off + len) : EMPTY_BYTES,
  };
  const end = off + hl;
  let i = off + TcpField.OPTIONS;
  while (i < end) {
    const kind = buf[i]!;
    if (kind === TCP_OPT_EOL) break;
    if (kind === TCP_OPT_NOP) {
      i++;
      continue;
    }
    if (i + 1 >= end) return null;
    const l = buf[i + 1]!;
    if (l < 2 || i + l > end) return null;
    const d = i + 2;
    if (kind === TCP_OPT_MSS && l === 4) s.mss = readU16(buf, d);
    else if (kind === TCP_OPT_WSCALE && l === 3) s.wscale = Math.min(buf[d]!, 14);
    else if (kind === TCP_OPT_SACK_PERMITTED && l === 2) s.sackPermitted = true;
    else if (kind === TCP_OPT_TIMESTAMPS && l === 10) {
      s.hasTs = true;
      s.tsVal = readU32(buf, d);
      s.tsEcr = readU32(buf, d + 4);
    } else if (kind === TCP_OPT_SACK && l >= 10 && (l - 2) % 8 === 0) {
      const blocks: SackBlock[] = [];
      for (let j = d; j < i + l; j += 8) blocks.push({ left: readU32(buf, j), right: readU32(buf, j + 4) });
      s.sack = blocks;
    }
    i += l;
  }
  return s;
}

/** Sequence space occupied by a segment: data plus one for SYN and one for FIN. */
export function segSpace(flags: number, dataLen: number): number {
  return dataLen + (flags & TCP_SYN ? 1 : 0) + (flags & TCP_FIN ? 1 : 0);
}

/** a < b in sequence space. */
export function seqLt(a: number, b: number): boolean {
  return ((a - b) | 0) < 0;
}
export function seqLe(a: number, b: number): boolean {
  return ((a - b) | 0) <= 0;
}
export function seqGt(a: number, b: number): boolean {
  return ((a - b) | 0) > 0;
}
export function seqGe(a: number, b: number): boolean {
  return ((a - b) | 0) >= 0;
}
/** b - a as a signed distance (both sequence numbers). */
export function seqDiff(b: number, a: number): number {
  return (b - a) | 0;
}
export function seqAdd(a: number, n: number): number {
  return (a + n) >>> 0;
}
