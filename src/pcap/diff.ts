// Capture comparison for golden tests (ns-3 style): names the first differing packet, its time
// and byte offset, with both packets decoded by the pretty printer, instead of "bytes differ".

import { isWireError, summarizeFrame } from '../wire/index.ts';
import { readCapture, type CapturePacket, type PcapFile, type PcapngFile } from './read.ts';

export interface CaptureDiff {
  /** 0-based index of the first differing packet, or -1 for a file-level difference. */
  index: number;
  message: string;
}

function time(p: CapturePacket): string {
  return `${p.tsSec}.${String(p.tsFracNs).padStart(9, '0')}`;
}

function describe(p: CapturePacket): string {
  let s = summarizeFrame(p.data);
  if (p.direction !== undefined) s += ` (${p.direction})`;
  if (p.comments.length > 0) s += ` [${p.comments.join(' | ')}]`;
  return s;
}

function headerDiff(a: PcapFile | PcapngFile, b: PcapFile | PcapngFile): string | undefined {
  if (a.format !== b.format) return `format: expected ${a.format}, actual ${b.format}`;
  if (a.format === 'pcap' && b.format === 'pcap') {
    for (const k of ['nanos', 'bigEndian', 'snaplen', 'linktype'] as const) {
      if (a[k] !== b[k]) return `file header ${k}: expected ${String(a[k])}, actual ${String(b[k])}`;
    }
  }
  if (a.format === 'pcapng' && b.format === 'pcapng') {
    if (JSON.stringify(a.comments) !== JSON.stringify(b.comments)) {
      return `section comments: expected ${JSON.stringify(a.comments)}, actual ${JSON.stringify(b.comments)}`;
    }
    if (a.application !== b.application) return `application: expected ${String(a.application)}, actual ${String(b.application)}`;
    const n = Math.max(a.interfaces.length, b.interfaces.length);
    for (let i = 0; i < n; i++) {
      const x = a.interfaces[i];
      const y = b.interfaces[i];
      const fx = x === undefined ? 'none' : `${x.name ?? '?'} (${x.description ?? ''}), linktype ${x.linktype}, snaplen ${x.snaplen}, ${x.unitsPerSec}/s`;
      const fy = y === undefined ? 'none' : `${y.name ?? '?'} (${y.description ?? ''}), linktype ${y.linktype}, snaplen ${y.snaplen}, ${y.unitsPerSec}/s`;
      if (fx !== fy) return `interface ${i}: expected ${fx}, actual ${fy}`;
    }
  }
  return undefined;
}

/**
 * Compares two capture files (pcap or pcapng). Undefined when they are byte-identical; otherwise
 * the first difference, described for a person.
 */
export function diffCaptures(expected: Uint8Array, actual: Uint8Array): CaptureDiff | undefined {
  if (expected.length === actual.length) {
    let same = true;
    for (let i = 0; i < expected.length; i++) {
      if (expected[i] !== actual[i]) {
        same = false;
        break;
      }
    }
    if (same) return undefined;
  }
  const a = readCapture(expected);
  const b = readCapture(actual);
  if (isWireError(a)) return { index: -1, message: `expected file unreadable: ${a.message}` };
  if (isWireError(b)) return { index: -1, message: `actual file unreadable: ${b.message}` };
  const h = headerDiff(a, b);
  if (h !== undefined) return { index: -1, message: h };
  const n = Math.min(a.packets.length, b.packets.length);
  for (let i = 0; i < n; i++) {
    const x = a.packets[i]!;
    const y = b.packets[i]!;
    const what: string[] = [];
    if (x.tsSec !== y.tsSec || x.tsFracNs !== y.tsFracNs) what.push(`time ${time(x)} vs ${time(y)}`);
    if (x.interfaceId !== y.interfaceId) what.push(`interface ${x.interfaceId} vs ${y.interfaceId}`);
    if (x.direction !== y.direction) what.push(`direction ${String(x.direction)} vs ${String(y.direction)}`);
    if (JSON.stringify(x.comments) !== JSON.stringify(y.comments)) what.push('comments');
    if (x.origLen !== y.origLen) what.push(`original length ${x.origLen} vs ${y.origLen}`);
    let at = -1;
    const m = Math.min(x.data.length, y.data.length);
    for (let k = 0; k < m; k++) {
      if (x.data[k] !== y.data[k]) {
        at = k;
        break;
      }
    }
    if (at < 0 && x.data.length !== y.data.length) at = m;
    if (at >= 0) what.push(`bytes from offset ${at} (lengths ${x.data.length}/${y.data.length})`);
    if (what.length > 0) {
      return {
        index: i,
        message: `packet ${i + 1} at ${time(x)} differs: ${what.join(', ')}\n  expected: ${describe(x)}\n  actual:   ${describe(y)}`,
      };
    }
  }
  if (a.packets.length !== b.packets.length) {
    const longer = a.packets.length > b.packets.length ? a : b;
    const extra = longer.packets[n]!;
    return {
      index: n,
      message:
        `expected ${a.packets.length} packets, actual has ${b.packets.length}; first ${longer === a ? 'missing' : 'extra'} ` +
        `packet ${n + 1} at ${time(extra)}: ${describe(extra)}`,
    };
  }
  return { index: -1, message: 'the files differ outside packet data (block layout or unread options)' };
}
