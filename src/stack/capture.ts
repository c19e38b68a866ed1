// Capture as a decorator: taps on interfaces and collision domains, writing
//   - one microsecond pcap per host interface (`client1-eth0.pcap`): what tcpdump on it would show,
//     frames sent and received, unpadded;
//   - one pcap per collision domain (`domain-A.pcap`): every frame entering the segment;
//   - one merged nanosecond pcapng (`lab.pcapng`) with an interface block per host interface
//     (`client1-eth0`), direction flags, and netfilter's notes as packet comments;
//   - a text trace (`trace.txt`), one line per interface frame:
//     `<seconds.nanoseconds> <host-iface> <in|out> <summary>`.
// Every writer gets its ByteSink from a factory, so the CLI backs them with files and tests with
// memory. Timestamps are virtual time from the scenario's start time, never the wall clock.
import { PcapWriter, PcapngWriter, type ByteSink, type PacketMeta } from '../pcap/index.ts';
import { summarizeFrame } from '../wire/index.ts';
import { formatVirtualTime, NS_PER_SEC } from '../sim/index.ts';
import type { CollisionDomain } from './domain.ts';
import type { Host } from './host.ts';
import type { Interface } from './iface.ts';
import type { Network } from './network.ts';
import type { Direction, DomainTap, InterfaceRef, InterfaceTap } from './types.ts';

export type CaptureFileKind = 'interface' | 'domain' | 'merged' | 'trace';

export interface CaptureFile {
  kind: CaptureFileKind;
  /** Suggested file name: `<host>-<iface>.pcap`, `domain-<name>.pcap`, `lab.pcapng`, `trace.txt`. */
  name: string;
  host?: string;
  iface?: string;
  domain?: string;
}

export type SinkFactory = (file: CaptureFile) => ByteSink;

export interface CaptureOptions {
  sinks: SinkFactory;
  /** Per-interface pcaps; default true. */
  interfaces?: boolean;
  /** Per-domain pcaps; default true. */
  domains?: boolean;
  /** The merged pcapng; default true. */
  merged?: boolean;
  /** The text trace; default true. */
  trace?: boolean;
  /** Nanosecond per-interface and per-domain pcaps instead of tcpdump's microseconds. */
  nanos?: boolean;
  /** The merged file's section comment. */
  comment?: string;
  /** Frame summary for the trace; default the wire layer's tcpdump-style printer. */
  summarize?: (frame: Uint8Array) => string;
}

export interface CaptureStats {
  /** Frame records written to interface captures (each frame counts once per side). */
  interfaceFrames: number;
  domainFrames: number;
}

const META_IN: PacketMeta = { direction: 'in' };
const META_OUT: PacketMeta = { direction: 'out' };
const utf8 = new TextEncoder();

/**
 * Bounded text buffer in front of a sink (the trace), so memory stays flat. Each line is encoded
 * straight into a fixed byte buffer (TextEncoder.encodeInto): no growing string to flatten and
 * encode again at each flush.
 */
class TextOut {
  private readonly buf = new Uint8Array(65536);
  private pos = 0;
  constructor(private readonly sink: ByteSink) {}
  write(s: string): void {
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    const max = 3 * s.length;
    if (this.pos + max > this.buf.length) {
      this.flush();
      if (max > this.buf.length) {
        this.sink.write(utf8.encode(s));
        return;
      }
    }
    this.pos += utf8.encodeInto(s, this.buf.subarray(this.pos, this.pos + max)).written;
  }
  flush(): void {
    if (this.pos === 0) return;
    this.sink.write(this.buf.subarray(0, this.pos));
    this.pos = 0;
  }
  close(): void {
    this.flush();
    this.sink.close();
  }
}

export class Capture {
  readonly stats: CaptureStats = { interfaceFrames: 0, domainFrames: 0 };
  private readonly opts: Required<Omit<CaptureOptions, 'comment'>> & { comment: string };
  private readonly pcaps: PcapWriter[] = [];
  private readonly merged: PcapngWriter | null;
  private readonly trace: TextOut | null;
  private readonly detachers: Array<() => void> = [];
  private closed = false;

  constructor(
    private readonly network: Network,
    opts: CaptureOptions,
  ) {
    this.opts = {
      sinks: opts.sinks,
      interfaces: opts.interfaces ?? true,
      domains: opts.domains ?? true,
      merged: opts.merged ?? true,
      trace: opts.trace ?? true,
      nanos: opts.nanos ?? false,
      comment: opts.comment ?? 'lbsim',
      summarize: opts.summarize ?? summarizeFrame,
    };
    this.merged = this.opts.merged
      ? new PcapngWriter(this.opts.sinks({ kind: 'merged', name: 'lab.pcapng' }), { comment: this.opts.comment })
      : null;
    this.trace = this.opts.trace ? new TextOut(this.opts.sinks({ kind: 'trace', name: 'trace.txt' })) : null;
    for (const h of network.hosts) for (const i of h.interfaces) this.attachInterface(h, i);
    for (const d of network.domains) this.attachDomain(d);
    network.observe({
      interfaceAdded: (h, i) => {
        if (!this.closed) this.attachInterface(h, i);
      },
      domainAdded: (d) => {
        if (!this.closed) this.attachDomain(d);
      },
    });
  }

  private attachInterface(host: Host, iface: Interface): void {
    const label = `${host.name}-${iface.name}`;
    const pcap = this.opts.interfaces
      ? new PcapWriter(this.opts.sinks({ kind: 'interface', name: `${label}.pcap`, host: host.name, iface: iface.name }), {
          nanos: this.opts.nanos,
        })
      : null;
    if (pcap !== null) this.pcaps.push(pcap);
    const merged = this.merged;
    const ifId = merged !== null ? merged.addInterface(label, `${iface.name} of ${host.name}`) : -1;
    const trace = this.trace;
    const labelIn = ` ${label} in `;
    const labelOut = ` ${label} out `;
    const summarize = this.opts.summarize;
    const epoch = this.network.startEpochSec;
    const stats = this.stats;
    const tap: InterfaceTap = (t: number, _ref: InterfaceRef, dir: Direction, frame: Uint8Array, notes: readonly string[]) => {
      const sec = epoch + Math.floor(t / NS_PER_SEC);
      const frac = t % NS_PER_SEC;
      stats.interfaceFrames++;
      if (pcap !== null) pcap.writePacket(sec, frac, frame);
      if (merged !== null) {
        const meta: PacketMeta = notes.length === 0 ? (dir === 'in' ? META_IN : META_OUT) : { direction: dir, comment: notes };
        merged.writePacket(ifId, sec, frac, frame, meta);
      }
      if (trace !== null) trace.write(formatVirtualTime(t) + (dir === 'in' ? labelIn : labelOut) + summarize(frame) + '\n');
    };
    iface.addTap(tap);
    this.detachers.push(() => iface.removeTap(tap));
  }

  private attachDomain(d: CollisionDomain): void {
    if (!this.opts.domains) return;
    const pcap = new PcapWriter(this.opts.sinks({ kind: 'domain', name: `domain-${d.name}.pcap`, domain: d.name }), {
      nanos: this.opts.nanos,
    });
    this.pcaps.push(pcap);
    const epoch = this.network.startEpochSec;
    const stats = this.stats;
    const tap: DomainTap = (t, _name, frame) => {
      stats.domainFrames++;
      pcap.writePacket(epoch + Math.floor(t / NS_PER_SEC), t % NS_PER_SEC, frame);
    };
    d.addTap(tap);
    this.detachers.push(() => d.removeTap(tap));
  }

  /** Detaches every tap and closes every writer (flushing them to their sinks). Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const f of this.detachers) f();
    for (const p of this.pcaps) p.close();
    this.merged?.close();
    this.trace?.close();
  }
}
