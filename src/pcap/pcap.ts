// Classic libpcap format (https://www.tcpdump.org/manpages/pcap-savefile.5.html), written
// little-endian whatever the host, so golden files hold on any machine.

import { BufferedWriter, type ByteSink } from './sink.ts';

export const PCAP_MAGIC_MICROS = 0xa1b2c3d4;
export const PCAP_MAGIC_NANOS = 0xa1b23c4d;
export const LINKTYPE_ETHERNET = 1;
export const PCAP_SNAPLEN = 262144;
export const PCAP_GLOBAL_HEADER_LEN = 24;
export const PCAP_RECORD_HEADER_LEN = 16;

export interface PcapWriterOptions {
  /** Nanosecond timestamps (magic a1b23c4d) instead of microseconds. Default false. */
  nanos?: boolean;
  snaplen?: number;
  linktype?: number;
  /** Bytes buffered before handing a chunk to the sink. Default 64 KiB. */
  bufferSize?: number;
}

export class PcapWriter {
  private readonly out: BufferedWriter;
  private readonly nanos: boolean;
  private readonly snaplen: number;
  private closed = false;
  /** Packets written so far. */
  count = 0;

  constructor(sink: ByteSink, opts: PcapWriterOptions = {}) {
    this.nanos = opts.nanos ?? false;
    this.snaplen = opts.snaplen ?? PCAP_SNAPLEN;
    this.out = new BufferedWriter(sink, opts.bufferSize ?? 64 * 1024);
    const o = this.out;
    o.reserve(PCAP_GLOBAL_HEADER_LEN);
    const v = o.view;
    const p = o.pos;
    v.setUint32(p, this.nanos ? PCAP_MAGIC_NANOS : PCAP_MAGIC_MICROS, true);
    v.setUint16(p + 4, 2, true); // version 2.4
    v.setUint16(p + 6, 4, true);
    v.setInt32(p + 8, 0, true); // thiszone: timestamps are UTC
    v.setUint32(p + 12, 0, true); // sigfigs
    v.setUint32(p + 16, this.snaplen, true);
    v.setUint32(p + 20, opts.linktype ?? LINKTYPE_ETHERNET, true);
    o.pos += PCAP_GLOBAL_HEADER_LEN;
  }

  /**
   * Appends one packet. tsFracNs is 0..999,999,999 (truncated to µs in the microsecond format).
   * Bytes beyond the snaplen are cut; the record keeps the original length.
   */
  writePacket(tsSec: number, tsFracNs: number, bytes: Uint8Array, origLen: number = bytes.length): void {
    if (this.closed) throw new Error('PcapWriter: writePacket after close');
    const incl = bytes.length > this.snaplen ? this.snaplen : bytes.length;
    const o = this.out;
    const total = PCAP_RECORD_HEADER_LEN + incl;
    const fits = o.reserve(total);
    if (!fits) o.reserve(PCAP_RECORD_HEADER_LEN);
    const v = o.view;
    const p = o.pos;
    v.setUint32(p, tsSec, true);
    v.setUint32(p + 4, this.nanos ? tsFracNs : Math.floor(tsFracNs / 1000), true);
    v.setUint32(p + 8, incl, true);
    v.setUint32(p + 12, origLen, true);
    o.pos += PCAP_RECORD_HEADER_LEN;
    const data = incl === bytes.length ? bytes : bytes.subarray(0, incl);
    if (fits) {
      o.buf.set(data, o.pos);
      o.pos += incl;
    } else {
      o.append(data);
    }
    this.count++;
  }

  /** Hands buffered bytes to the sink now. */
  flush(): void {
    this.out.flush();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.out.close();
  }
}
