// ping as iputils does it (raw ICMP socket): one echo request per interval, 56 data bytes by
// default (a 16-byte struct timeval, then bytes 0x10, 0x11, ...), replies matched by identifier.
// Printing is the console's business; this reports events and a summary.
import { NS_PER_SEC } from '../sim/index.ts';
import type { Ipv4Addr } from '../wire/index.ts';
import type { Host } from './host.ts';
import type { IcmpErrorInfo, Ipv4Meta, SendResult } from './types.ts';
import type { Timer } from '../sim/index.ts';

export interface PingOptions {
  dst: Ipv4Addr;
  /** Requests to send (-c); default 4. */
  count?: number;
  /** Gap between requests (-i); default 1 s. */
  intervalNs?: number;
  /** Data bytes (-s); default 56. */
  size?: number;
  /** IP TTL (-t); default 64. */
  ttl?: number;
  /** ICMP identifier; default drawn from the host's `ping` stream (iputils uses the pid). */
  ident?: number;
  /** With no reply at all, how long to wait after the last request (iputils MAXWAIT 10 s). */
  lingerNs?: number;
}

export interface PingReply {
  seq: number;
  from: Ipv4Addr;
  ttl: number;
  /** ICMP bytes (header + data), what ping prints as "64 bytes". */
  bytes: number;
  rttNs: number;
  duplicate: boolean;
}

export interface PingError {
  seq: number;
  from: Ipv4Addr;
  icmpType: number;
  code: number;
}

export interface PingSummary {
  dst: Ipv4Addr;
  transmitted: number;
  received: number;
  errors: number;
  duplicates: number;
  rttsNs: number[];
  /** From the first request to the end (iputils' "time"). */
  elapsedNs: number;
}

export interface PingEvents {
  onReply?(r: PingReply): void;
  onError?(e: PingError): void;
  /** The IP layer refused to send (e.g. ENETUNREACH: "connect: Network is unreachable"). */
  onSendError?(seq: number, err: SendResult): void;
  onDone?(s: PingSummary): void;
}

export class Pinger {
  readonly ident: number;
  private readonly count: number;
  private readonly intervalNs: number;
  private readonly size: number;
  private readonly ttl: number;
  private readonly lingerNs: number;
  private readonly sentAt = new Map<number, number>();
  private readonly answered = new Set<number>();
  private transmitted = 0;
  private received = 0;
  private errors = 0;
  private duplicates = 0;
  private rtts: number[] = [];
  private startNs = 0;
  private maxRttNs = 0;
  private timer: Timer | null = null;
  private finished = false;

  constructor(
    private readonly host: Host,
    private readonly opts: PingOptions,
    private readonly events: PingEvents = {},
  ) {
    this.count = opts.count ?? 4;
    this.intervalNs = opts.intervalNs ?? NS_PER_SEC;
    this.size = opts.size ?? 56;
    this.ttl = opts.ttl ?? 64;
    this.lingerNs = opts.lingerNs ?? 10 * NS_PER_SEC;
    this.ident = opts.ident ?? host.nextPingIdent();
    if (!Number.isInteger(this.count) || this.count < 1) throw new RangeError(`ping count must be >= 1, got ${this.count}`);
    if (!Number.isInteger(this.size) || this.size < 0 || this.size > 65507) throw new RangeError(`ping size must be 0-65507, got ${this.size}`);
  }

  get done(): boolean {
    return this.finished;
  }

  start(): void {
    this.startNs = this.host.now;
    this.host.registerEcho(this.ident, {
      onReply: (meta, seq, data) => this.reply(meta, seq, data),
      onError: (err, seq) => this.error(err, seq),
    });
    this.sendNext();
  }

  /** Ends now (like ^C): summary with what arrived so far. */
  stop(): void {
    this.finish();
  }

  private payload(): Uint8Array {
    const d = new Uint8Array(this.size);
    if (this.size >= 16) {
      // struct timeval, little-endian as on x86-64: the virtual wall clock.
      const t = this.host.now;
      const sec = this.host.startEpochSec + Math.floor(t / NS_PER_SEC);
      const usec = Math.floor((t % NS_PER_SEC) / 1000);
      const v = new DataView(d.buffer);
      v.setUint32(0, sec >>> 0, true);
      v.setUint32(4, Math.floor(sec / 0x100000000), true);
      v.setUint32(8, usec, true);
      v.setUint32(12, 0, true);
      for (let i = 16; i < this.size; i++) d[i] = i & 0xff;
    } else {
      for (let i = 0; i < this.size; i++) d[i] = i & 0xff;
    }
    return d;
  }

  private sendNext(): void {
    if (this.finished) return;
    const seq = this.transmitted + 1;
    this.transmitted++;
    this.sentAt.set(seq, this.host.now);
    const r = this.host.sendEcho(this.opts.dst, this.ident, seq & 0xffff, this.payload(), { ttl: this.ttl });
    if (r !== 'ok') {
      this.events.onSendError?.(seq, r);
      this.errors++;
    }
    if (this.transmitted < this.count) {
      this.timer = this.host.scheduler.after(this.intervalNs, () => this.sendNext());
    } else {
      this.checkDone();
      if (!this.finished) {
        // iputils: after the last request wait 2 x the longest RTT seen, or the linger time.
        const wait = this.received > 0 ? Math.max(2 * this.maxRttNs, 1_000_000) : this.lingerNs;
        this.timer = this.host.scheduler.after(wait, () => this.finish());
      }
    }
  }

  private reply(meta: Ipv4Meta, seq: number, data: Uint8Array): void {
    if (this.finished) return;
    const sent = this.sentAt.get(seq);
    if (sent === undefined) return;
    const duplicate = this.answered.has(seq);
    const rtt = this.host.now - sent;
    if (duplicate) this.duplicates++;
    else {
      this.answered.add(seq);
      this.received++;
      this.rtts.push(rtt);
      if (rtt > this.maxRttNs) this.maxRttNs = rtt;
    }
    this.events.onReply?.({ seq, from: meta.src, ttl: meta.ttl, bytes: data.length + 8, rttNs: rtt, duplicate });
    this.checkDone();
  }

  private error(err: IcmpErrorInfo, seq: number): void {
    if (this.finished) return;
    this.errors++;
    this.events.onError?.({ seq, from: err.from, icmpType: err.icmpType, code: err.code });
    this.checkDone();
  }

  private checkDone(): void {
    if (this.transmitted >= this.count && this.received + this.errors >= this.count) this.finish();
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.host.scheduler.cancel(this.timer);
    this.host.unregisterEcho(this.ident);
    this.events.onDone?.({
      dst: this.opts.dst,
      transmitted: this.transmitted,
      received: this.received,
      errors: this.errors,
      duplicates: this.duplicates,
      rttsNs: this.rtts,
      elapsedNs: this.host.now - this.startNs,
    });
  }
}
