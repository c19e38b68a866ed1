// Readers for classic pcap and pcapng. Any byte string gives either a parsed file or a WireError
// of kind 'bad-file' naming what is wrong and where; never an exception.

import { WireError } from '../wire/index.ts';
import { PCAP_MAGIC_MICROS, PCAP_MAGIC_NANOS } from './pcap.ts';
import {
  EPB_FLAGS,
  IF_DESCRIPTION,
  IF_NAME,
  IF_TSRESOL,
  OPT_COMMENT,
  PCAPNG_BYTE_ORDER_MAGIC,
  PCAPNG_EPB,
  PCAPNG_IDB,
  PCAPNG_SHB,
  PCAPNG_SPB,
  SHB_USERAPPL,
  type Direction,
} from './pcapng.ts';

export interface CapturePacket {
  /** Interface id (always 0 in classic pcap). */
  interfaceId: number;
  tsSec: number;
  /** Fraction of the second in nanoseconds. */
  tsFracNs: number;
  origLen: number;
  /** The captured bytes: a view into the file buffer, not a copy. */
  data: Uint8Array;
  direction?: Direction;
  comments: string[];
}

export interface PcapFile {
  format: 'pcap';
  nanos: boolean;
  bigEndian: boolean;
  snaplen: number;
  linktype: number;
  packets: CapturePacket[];
}

export interface PcapngInterface {
  linktype: number;
  snaplen: number;
  name?: string;
  description?: string;
  /** Units per second of this interface's timestamps (1e6 when if_tsresol is absent). */
  unitsPerSec: bigint;
}

export interface PcapngFile {
  format: 'pcapng';
  comments: string[];
  application?: string;
  interfaces: PcapngInterface[];
  packets: CapturePacket[];
}

const utf8 = new TextDecoder('utf-8');

function bad(offset: number, message: string): WireError {
  return new WireError('bad-file', offset, message);
}

function hex32(n: number): string {
  return '0x' + n.toString(16).padStart(8, '0');
}

function viewOf(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

export function readPcap(bytes: Uint8Array): PcapFile | WireError {
  if (bytes.length < 24) {
    return bad(0, `not a pcap file: ${bytes.length} bytes, a pcap global header needs 24`);
  }
  const v = viewOf(bytes);
  const le = v.getUint32(0, true);
  const be = v.getUint32(0, false);
  let little: boolean;
  let nanos: boolean;
  if (le === PCAP_MAGIC_MICROS || le === PCAP_MAGIC_NANOS) {
    little = true;
    nanos = le === PCAP_MAGIC_NANOS;
  } else if (be === PCAP_MAGIC_MICROS || be === PCAP_MAGIC_NANOS) {
    little = false;
    nanos = be === PCAP_MAGIC_NANOS;
  } else if (le === PCAPNG_SHB) {
    return bad(0, 'this is a pcapng file, not a classic pcap file (use readPcapng or readCapture)');
  } else {
    return bad(0, `not a pcap file: magic ${hex32(be)}, expected a1b2c3d4 or a1b23c4d in either byte order`);
  }
  const major = v.getUint16(4, little);
  if (major !== 2) return bad(4, `unsupported pcap version ${major}.${v.getUint16(6, little)}, expected 2.4`);
  const snaplen = v.getUint32(16, little);
  const linktype = v.getUint32(20, little) & 0x0fffffff;
  const packets: CapturePacket[] = [];
  let o = 24;
  while (o < bytes.length) {
    const n = packets.length + 1;
    if (o + 16 > bytes.length) {
      return bad(o, `truncated pcap: record ${n} at offset ${o} has ${bytes.length - o} of its 16 header bytes`);
    }
    const tsSec = v.getUint32(o, little);
    const frac = v.getUint32(o + 4, little);
    const incl = v.getUint32(o + 8, little);
    const orig = v.getUint32(o + 12, little);
    if (frac >= (nanos ? 1e9 : 1e6)) {
      return bad(o + 4, `record ${n}: sub-second field ${frac} is out of range for ${nanos ? 'ns' : 'µs'} timestamps`);
    }
    if (incl > Math.max(snaplen, 262144)) {
      return bad(o + 8, `record ${n}: captured length ${incl} exceeds the snaplen ${snaplen} (corrupt file?)`);
    }
    if (o + 16 + incl > bytes.length) {
      return bad(o, `truncated pcap: record ${n} at offset ${o} says ${incl} bytes, ${bytes.length - o - 16} remain`);
    }
    packets.push({
      interfaceId: 0,
      tsSec,
      tsFracNs: nanos ? frac : frac * 1000,
      origLen: orig,
      data: bytes.subarray(o + 16, o + 16 + incl),
      comments: [],
    });
    o += 16 + incl;
  }
  return { format: 'pcap', nanos, bigEndian: !little, snaplen, linktype, packets };
}

interface RawOption {
  code: number;
  value: Uint8Array;
}

/** Reads options in [start, end); stops at opt_endofopt. */
function readOptions(bytes: Uint8Array, v: DataView, start: number, end: number, little: boolean): RawOption[] | WireError {
  const out: RawOption[] = [];
  let p = start;
  while (p + 4 <= end) {
    const code = v.getUint16(p, little);
    const len = v.getUint16(p + 2, little);
    if (code === 0) return out;
    if (p + 4 + len > end) return bad(p, `option ${code} of length ${len} at offset ${p} overruns its block`);
    out.push({ code, value: bytes.subarray(p + 4, p + 4 + len) });
    p += 4 + ((len + 3) & ~3);
  }
  return out;
}

function tsresolUnits(r: number): bigint {
  // Bit 7 clear: a negative power of 10; set: a negative power of 2.
  return r & 0x80 ? 1n << BigInt(r & 0x7f) : 10n ** BigInt(r);
}

export function readPcapng(bytes: Uint8Array): PcapngFile | WireError {
  if (bytes.length < 28) return bad(0, `not a pcapng file: ${bytes.length} bytes, a section header block needs 28`);
  const v = viewOf(bytes);
  if (v.getUint32(0, true) !== PCAPNG_SHB) {
    const m = v.getUint32(0, true);
    if (m === PCAP_MAGIC_MICROS || m === PCAP_MAGIC_NANOS || v.getUint32(0, false) === PCAP_MAGIC_MICROS || v.getUint32(0, false) === PCAP_MAGIC_NANOS) {
      return bad(0, 'this is a classic pcap file, not pcapng (use readPcap or readCapture)');
    }
    return bad(0, `not a pcapng file: first block type ${hex32(m)}, expected a section header block 0a0d0d0a`);
  }
  const file: PcapngFile = { format: 'pcapng', comments: [], interfaces: [], packets: [] };
  let little = true;
  let o = 0;
  while (o < bytes.length) {
    if (o + 12 > bytes.length) return bad(o, `truncated pcapng: block at offset ${o} has ${bytes.length - o} bytes, at least 12 needed`);
    const type = v.getUint32(o, true); // the SHB type is a palindrome; others are read after it
    if (type === PCAPNG_SHB) {
      const bom = v.getUint32(o + 8, true);
      if (bom === PCAPNG_BYTE_ORDER_MAGIC) little = true;
      else if (bom === 0x4d3c2b1a) little = false;
      else return bad(o + 8, `pcapng section at offset ${o}: byte-order magic ${hex32(bom)} is neither 1a2b3c4d nor 4d3c2b1a`);
      const major = v.getUint16(o + 12, little);
      if (major !== 1) return bad(o + 12, `unsupported pcapng version ${major}, expected 1`);
      // Interfaces are numbered per section.
      if (o > 0) file.interfaces = [];
    }
    const t = v.getUint32(o, little);
    const len = v.getUint32(o + 4, little);
    if (len < 12 || len % 4 !== 0) return bad(o + 4, `pcapng block at offset ${o}: length ${len} is not a multiple of 4 >= 12`);
    if (o + len > bytes.length) {
      return bad(o, `truncated pcapng: block type ${hex32(t)} at offset ${o} says ${len} bytes, ${bytes.length - o} remain`);
    }
    if (v.getUint32(o + len - 4, little) !== len) {
      return bad(o + len - 4, `pcapng block at offset ${o}: trailing length ${v.getUint32(o + len - 4, little)} != leading ${len}`);
    }
    const end = o + len - 4;
    if (t === PCAPNG_SHB) {
      const opts = readOptions(bytes, v, o + 24, end, little);
      if (opts instanceof WireError) return opts;
      for (const op of opts) {
        if (op.code === OPT_COMMENT) file.comments.push(utf8.decode(op.value));
        else if (op.code === SHB_USERAPPL) file.application = utf8.decode(op.value);
      }
    } else if (t === PCAPNG_IDB) {
      if (len < 20) return bad(o, `pcapng interface block at offset ${o} is ${len} bytes, needs 20`);
      const itf: PcapngInterface = {
        linktype: v.getUint16(o + 8, little),
        snaplen: v.getUint32(o + 12, little),
        unitsPerSec: 1_000_000n,
      };
      const opts = readOptions(bytes, v, o + 16, end, little);
      if (opts instanceof WireError) return opts;
      for (const op of opts) {
        if (op.code === IF_NAME) itf.name = utf8.decode(op.value);
        else if (op.code === IF_DESCRIPTION) itf.description = utf8.decode(op.value);
        else if (op.code === IF_TSRESOL && op.value.length >= 1) itf.unitsPerSec = tsresolUnits(op.value[0]!);
      }
      file.interfaces.push(itf);
    } else if (t === PCAPNG_EPB) {
      if (len < 32) return bad(o, `pcapng packet block at offset ${o} is ${len} bytes, needs 32`);
      const ifId = v.getUint32(o + 8, little);
      const itf = file.interfaces[ifId];
      if (itf === undefined) {
        return bad(o + 8, `pcapng packet block at offset ${o} names interface ${ifId}, but only ${file.interfaces.length} are defined before it`);
      }
      const ts = (BigInt(v.getUint32(o + 12, little)) << 32n) | BigInt(v.getUint32(o + 16, little));
      const capLen = v.getUint32(o + 20, little);
      const origLen = v.getUint32(o + 24, little);
      const dataEnd = o + 28 + capLen;
      if (dataEnd > end) return bad(o + 20, `pcapng packet block at offset ${o}: captured length ${capLen} overruns the block`);
      const pkt: CapturePacket = {
        interfaceId: ifId,
        tsSec: Number(ts / itf.unitsPerSec),
        tsFracNs: Number(((ts % itf.unitsPerSec) * 1_000_000_000n) / itf.unitsPerSec),
        origLen,
        data: bytes.subarray(o + 28, dataEnd),
        comments: [],
      };
      const opts = readOptions(bytes, v, o + 28 + ((capLen + 3) & ~3), end, little);
      if (opts instanceof WireError) return opts;
      for (const op of opts) {
        if (op.code === OPT_COMMENT) pkt.comments.push(utf8.decode(op.value));
        else if (op.code === EPB_FLAGS && op.value.length === 4) {
          const d = viewOf(op.value).getUint32(0, little) & 3;
          if (d === 1) pkt.direction = 'in';
          else if (d === 2) pkt.direction = 'out';
        }
      }
      file.packets.push(pkt);
    } else if (t === PCAPNG_SPB) {
      const itf = file.interfaces[0];
      if (itf === undefined) return bad(o, `pcapng simple packet block at offset ${o} before any interface`);
      const origLen = v.getUint32(o + 8, little);
      const capLen = Math.min(origLen, itf.snaplen === 0 ? origLen : itf.snaplen, len - 16);
      file.packets.push({ interfaceId: 0, tsSec: 0, tsFracNs: 0, origLen, data: bytes.subarray(o + 12, o + 12 + capLen), comments: [] });
    }
    // Other block types (name resolution, statistics, custom...) carry nothing lbsim needs.
    o += len;
  }
  return file;
}

/** Reads either format, chosen by the magic number. */
export function readCapture(bytes: Uint8Array): PcapFile | PcapngFile | WireError {
  if (bytes.length >= 4 && viewOf(bytes).getUint32(0, true) === PCAPNG_SHB) return readPcapng(bytes);
  return readPcap(bytes);
}
