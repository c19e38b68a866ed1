// Two (or more) TcpStacks joined by a fake IP layer on one Scheduler: every segment is recorded
// (time, addresses, IP ID, parsed header) and delivered after a fixed one-way delay unless the
// optional `drop` filter eats it. Lets TCP be tested without the host stack.

import { Scheduler, rngFor } from '../../../src/sim/index.ts';
import { TcpStack, type TcpConfig, type TcpIpv4Packet } from '../../../src/stack/tcp/index.ts';
import {
  TCP_ACK,
  TCP_FIN,
  TCP_PSH,
  TCP_RST,
  TCP_SYN,
  ipv4FromString,
  isWireError,
  parseTcp,
  type TcpRepr,
} from '../../../src/wire/index.ts';

export interface Sent {
  t: number;
  from: string;
  src: number;
  dst: number;
  ipId: number;
  ttl: number;
  df: boolean;
  bytes: Uint8Array;
  tcp: TcpRepr;
  /** tcpdump-like flag letters: S, S., ., P., F., R, R. */
  flags: string;
  len: number;
  dropped: boolean;
}

export function flagText(f: number): string {
  let s = '';
  if (f & TCP_SYN) s += 'S';
  if (f & TCP_FIN) s += 'F';
  if (f & TCP_RST) s += 'R';
  if (f & TCP_PSH) s += 'P';
  if (f & TCP_ACK) s += '.';
  return s;
}

export class FakeNet {
  readonly sched = new Scheduler();
  readonly log: Sent[] = [];
  private readonly stacks = new Map<number, TcpStack>();
  delayNs = 50_000;
  drop: ((s: Sent) => boolean) | null = null;

  addHost(name: string, addr: string, seed = 1, cfg?: Partial<TcpConfig>): TcpStack {
    const a = ipv4FromString(addr);
    const net = this;
    const stack = new TcpStack(
      {
        hostName: name,
        scheduler: this.sched,
        sourceAddressFor: (dst) => (net.stacks.has(dst) || dst === ipv4FromString('10.0.0.99') ? a : undefined),
        sendIpv4: (p: TcpIpv4Packet) => net.carry(name, p),
      },
      rngFor(seed, `${name}/tcp`),
      cfg,
    );
    this.stacks.set(a, stack);
    return stack;
  }

  private carry(from: string, p: TcpIpv4Packet): void {
    const tcp = parseTcp(p.payload, 0, p.payload.length);
    if (isWireError(tcp)) throw new Error(`TCP emitted a malformed segment: ${tcp.message}`);
    const s: Sent = {
      t: this.sched.now,
      from,
      src: p.src,
      dst: p.dst,
      ipId: p.ipId,
      ttl: p.ttl,
      df: p.df,
      bytes: p.payload,
      tcp,
      flags: flagText(tcp.flags),
      len: tcp.payload?.length ?? 0,
      dropped: false,
    };
    this.log.push(s);
    if (this.drop !== null && this.drop(s)) {
      s.dropped = true;
      return;
    }
    const to = this.stacks.get(p.dst);
    if (to === undefined) return;
    const copy = p.payload.slice();
    this.sched.after(this.delayNs, () => to.input(p.src, p.dst, copy));
  }

  /** One line per segment: `from flags len win id`, for pattern comparisons. */
  pattern(): string[] {
    return this.log.map((s) => `${s.from} ${s.flags} ${s.len} win=${s.tcp.window}`);
  }
}

export const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
export const dec = (b: Uint8Array): string => new TextDecoder().decode(b);

/** Hex of the option bytes of a segment (bytes 20 .. data offset). */
export function optionHex(s: Sent): string {
  const hl = (s.bytes[12]! >>> 4) * 4;
  return Array.from(s.bytes.subarray(20, hl), (b) => b.toString(16).padStart(2, '0')).join(' ');
}
