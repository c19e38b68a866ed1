// The parts of a received segment the state machine looks at, pulled out of the wire codec's
// option list once, and the sequence-number arithmetic of RFC 9293 §3.4 (modulo 2^32).

import {
  TCP_FIN,
  TCP_SYN,
  type SackBlock,
  type TcpOption,
  type TcpRepr,
} from '../../wire/index.ts';
import { EMPTY_BYTES } from '../../wire/index.ts';

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
