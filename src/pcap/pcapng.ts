// pcapng (draft-ietf-opsawg-pcapng), little-endian. One section: SHB (comment + application
// name only: nothing about the machine, so files are identical everywhere), one IDB per interface
// with if_name, if_description and if_tsresol = 9 (nanoseconds), then EPBs with epb_flags
// (direction) and opt_comment.

import { LINKTYPE_ETHERNET, PCAP_SNAPLEN } from './pcap.ts';
import { BufferedWriter, type ByteSink } from './sink.ts';

export const PCAPNG_SHB = 0x0a0d0d0a;
export const PCAPNG_IDB = 0x00000001;
export const PCAPNG_SPB = 0x00000003;
export const PCAPNG_EPB = 0x00000006;
export const PCAPNG_BYTE_ORDER_MAGIC = 0x1a2b3c4d;

export const OPT_ENDOFOPT = 0;
export const OPT_COMMENT = 1;
export const SHB_HARDWARE = 2;
export const SHB_OS = 3;
export const SHB_USERAPPL = 4;
export const IF_NAME = 2;
export const IF_DESCRIPTION = 3;
export const IF_TSRESOL = 9;
export const EPB_FLAGS = 2;

/** epb_flags bits 0-1 (inbound/outbound). */
export const EPB_DIRECTION_INBOUND = 1;
export const EPB_DIRECTION_OUTBOUND = 2;

export type Direction = 'in' | 'out';

export interface PcapngWriterOptions {
  /** SHB opt_comment. Default: "lbsim". */
  comment?: string;
  /** SHB shb_userappl. Default: "lbsim" (no version, so goldens survive releases). */
  application?: string;
  bufferSize?: number;
}

export interface PacketMeta {
  direction?: Direction;
  /** One opt_comment per entry (Wireshark shows each as a packet comment). */
  comment?: string | readonly string[];
  origLen?: number;
}

const utf8 = new TextEncoder();

function pad4(n: number): number {
  return (n + 3) & ~3;
}

/** Total bytes of one option (header + value + padding). */
function optionLen(valueLen: number): number {
  return 4 + pad4(valueLen);
}

/**
 * Splits ts = sec * 1e9 + ns into 32-bit halves without BigInt (exact: every intermediate stays
 * below 2^53).
 */
export function nanosToHiLo(tsSec: number, tsFracNs: number): [number, number] {
  return [nanosHi(tsSec, tsFracNs), nanosLo(tsSec, tsFracNs)];
}

function nanosHi(tsSec: number, tsFracNs: number): number {
  const x = Math.floor(tsSec / 65536) * 1e9; // < 2^46
  const y = (x % 65536) * 65536 + (tsSec % 65536) * 1e9 + tsFracNs; // < 2^47
  return Math.floor(x / 65536) + Math.floor(y / 4294967296);
}

function nanosLo(tsSec: number, tsFracNs: number): number {
  // (sec * 1e9 + ns) mod 2^32, from the same split as nanosHi.
  const x = Math.floor(tsSec / 65536) * 1e9;
  const y = (x % 65536) * 65536 + (tsSec % 65536) * 1e9 + tsFracNs;
  return y % 4294967296;
}

export class PcapngWriter {
  private readonly out: BufferedWriter;
  private interfaces = 0;
  private closed = false;
  count = 0;

  constructor(sink: ByteSink, opts: PcapngWriterOptions = {}) {
    this.out = new BufferedWriter(sink, opts.bufferSize ?? 64 * 1024);
    const comment = utf8.encode(opts.comment ?? 'lbsim');
    const appl = utf8.encode(opts.application ?? 'lbsim');
    const optsLen = optionLen(comment.length) + optionLen(appl.length) + 4;
    const blockLen = 28 + optsLen;
    const w = this.begin(blockLen);
    const v = this.out.view;
    v.setUint32(w, PCAPNG_SHB, true);
    v.setUint32(w + 4, blockLen, true);
    v.setUint32(w + 8, PCAPNG_BYTE_ORDER_MAGIC, true);
    v.setUint16(w + 12, 1, true); // major
    v.setUint16(w + 14, 0, true); // minor
    v.setInt32(w + 16, -1, true); // section length unknown (-1): written as a stream
    v.setInt32(w + 20, -1, true);
    let p = w + 24;
    p = this.putOption(p, OPT_COMMENT, comment);
    p = this.putOption(p, SHB_USERAPPL, appl);
    p = this.putEnd(p);
    v.setUint32(p, blockLen, true);
    this.out.pos = p + 4;
  }

  /** Writes an IDB; returns the interface id to pass to writePacket (0, 1, ... in call order). */
  addInterface(name: string, description?: string, opts: { snaplen?: number; linktype?: number } = {}): number {
    if (this.closed) throw new Error('PcapngWriter: addInterface after close');
    const n = utf8.encode(name);
    const d = description === undefined ? undefined : utf8.encode(description);
    const optsLen = optionLen(n.length) + (d === undefined ? 0 : optionLen(d.length)) + optionLen(1) + 4;
    const blockLen = 20 + optsLen;
    const w = this.begin(blockLen);
    const v = this.out.view;
    v.setUint32(w, PCAPNG_IDB, true);
    v.setUint32(w + 4, blockLen, true);
    v.setUint16(w + 8, opts.linktype ?? LINKTYPE_ETHERNET, true);
    v.setUint16(w + 10, 0, true);
    v.setUint32(w + 12, opts.snaplen ?? PCAP_SNAPLEN, true);
    let p = w + 16;
    p = this.putOption(p, IF_NAME, n);
    if (d !== undefined) p = this.putOption(p, IF_DESCRIPTION, d);
    p = this.putOption(p, IF_TSRESOL, TSRESOL_NANOS);
    p = this.putEnd(p);
    v.setUint32(p, blockLen, true);
    this.out.pos = p + 4;
    return this.interfaces++;
  }

  /** Appends an EPB. tsFracNs is 0..999,999,999. */
  writePacket(ifId: number, tsSec: number, tsFracNs: number, bytes: Uint8Array, meta: PacketMeta = {}): void {
    if (this.closed) throw new Error('PcapngWriter: writePacket after close');
    if (!(ifId >= 0 && ifId < this.interfaces)) {
      throw new RangeError(`PcapngWriter: interface ${ifId} was not added (have ${this.interfaces})`);
    }
    const c = meta.comment;
    const comments: readonly string[] = c === undefined ? NO_COMMENTS : typeof c === 'string' ? [c] : c;
    const dataLen = bytes.length;
    const padded = pad4(dataLen);
    // Comments (NAT notes, on every translated packet) are encoded straight into the buffer, so
    // their UTF-8 length is known only once written: room is reserved for the most they can take
    // (3 bytes per UTF-16 unit) and the block length is filled in after them.
    let optsMax = meta.direction !== undefined ? optionLen(4) : 0;
    for (let i = 0; i < comments.length; i++) optsMax += 4 + pad4(3 * comments[i]!.length);
    if (optsMax > 0) optsMax += 4;
    const hi = nanosHi(tsSec, tsFracNs);
    const lo = nanosLo(tsSec, tsFracNs);
    const out = this.out;
    if (out.reserve(32 + padded + optsMax)) {
      const v = out.view;
      const buf = out.buf;
      const w = out.pos;
      v.setUint32(w, PCAPNG_EPB, true);
      v.setUint32(w + 8, ifId, true);
      v.setUint32(w + 12, hi, true);
      v.setUint32(w + 16, lo, true);
      v.setUint32(w + 20, dataLen, true);
      v.setUint32(w + 24, meta.origLen ?? dataLen, true);
      buf.set(bytes, w + 28);
      let p = w + 28 + dataLen;
      while (p < w + 28 + padded) buf[p++] = 0;
      if (optsMax > 0) {
        if (meta.direction !== undefined) {
          v.setUint16(p, EPB_FLAGS, true);
          v.setUint16(p + 2, 4, true);
          v.setUint32(p + 4, meta.direction === 'in' ? EPB_DIRECTION_INBOUND : EPB_DIRECTION_OUTBOUND, true);
          p += 8;
        }
        for (let i = 0; i < comments.length; i++) {
          const s = comments[i]!;
          const d = p + 4;
          const n = utf8.encodeInto(s, buf.subarray(d, d + 3 * s.length)).written;
          v.setUint16(p, OPT_COMMENT, true);
          v.setUint16(p + 2, n, true);
          p = d + pad4(n);
          for (let j = d + n; j < p; j++) buf[j] = 0;
        }
        v.setUint32(p, 0, true);
        p += 4;
      }
      const blockLen = p + 4 - w;
      v.setUint32(w + 4, blockLen, true);
      v.setUint32(p, blockLen, true);
      out.pos = p + 4;
    } else {
      // Larger than the buffer: a one-off block buffer, the sink gets it whole.
      const encoded = comments.map((x) => utf8.encode(x));
      let optsLen = meta.direction !== undefined ? optionLen(4) : 0;
      for (const e of encoded) optsLen += optionLen(e.length);
      if (optsLen > 0) optsLen += 4;
      const blockLen = 32 + padded + optsLen;
      const tmp = new BufferedWriter(SINK_PASSTHROUGH, blockLen);
      const v = tmp.view;
      v.setUint32(0, PCAPNG_EPB, true);
      v.setUint32(4, blockLen, true);
      v.setUint32(8, ifId, true);
      v.setUint32(12, hi, true);
      v.setUint32(16, lo, true);
      v.setUint32(20, dataLen, true);
      v.setUint32(24, meta.origLen ?? dataLen, true);
      tmp.buf.set(bytes, 28);
      let p = 28 + padded;
      if (optsLen > 0) p = putPacketOptionsInto(tmp, p, meta.direction, encoded);
      v.setUint32(p, blockLen, true);
      out.append(tmp.buf);
    }
    this.count++;
  }

  flush(): void {
    this.out.flush();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.out.close();
  }

  private begin(blockLen: number): number {
    if (!this.out.reserve(blockLen)) throw new RangeError(`pcapng block of ${blockLen} bytes exceeds the writer buffer`);
    return this.out.pos;
  }

  private putOption(p: number, code: number, value: Uint8Array): number {
    return putOptionInto(this.out, p, code, value);
  }

  private putEnd(p: number): number {
    this.out.view.setUint32(p, 0, true);
    return p + 4;
  }

}

const TSRESOL_NANOS = new Uint8Array([9]);
const NO_COMMENTS: readonly string[] = [];
const SINK_PASSTHROUGH = { write(): void {}, close(): void {} };

function putOptionInto(w: BufferedWriter, p: number, code: number, value: Uint8Array): number {
  w.view.setUint16(p, code, true);
  w.view.setUint16(p + 2, value.length, true);
  w.buf.set(value, p + 4);
  const end = p + 4 + pad4(value.length);
  for (let i = p + 4 + value.length; i < end; i++) w.buf[i] = 0;
  return end;
}

function putPacketOptionsInto(w: BufferedWriter, p: number, dir: Direction | undefined, comments: readonly Uint8Array[]): number {
  const v = w.view;
  if (dir !== undefined) {
    v.setUint16(p, EPB_FLAGS, true);
    v.setUint16(p + 2, 4, true);
    v.setUint32(p + 4, dir === 'in' ? EPB_DIRECTION_INBOUND : EPB_DIRECTION_OUTBOUND, true);
    p += 8;
  }
  for (const c of comments) p = putOptionInto(w, p, OPT_COMMENT, c);
  v.setUint32(p, 0, true);
  return p + 4;
}
