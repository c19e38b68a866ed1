// Behaviour of the values a real kernel draws at random, checked the same way on both sides:
// the reference must pass these checks too, which keeps them honest.

import type { Frame } from './support.ts';

export interface Connection {
  clientPort: number;
  frames: Frame[];
}

/** TCP connections in order of their SYN, keyed by the ephemeral (client) port. */
export function connections(frames: readonly Frame[]): Connection[] {
  const byPort = new Map<number, Connection>();
  const out: Connection[] = [];
  for (const f of frames) {
    const t = f.tcp;
    if (!t) continue;
    const clientPort = t.dstPort === 80 ? t.srcPort : t.dstPort;
    let c = byPort.get(clientPort);
    if (c === undefined) {
      c = { clientPort, frames: [] };
      byPort.set(clientPort, c);
      out.push(c);
    }
    c.frames.push(f);
  }
  return out;
}

/** Problems with the ephemeral ports (Linux 6.x: even, 32768–60999, rising in steps of 2–16). */
export function portProblems(conns: readonly Connection[]): string[] {
  const out: string[] = [];
  conns.forEach((c, i) => {
    if (c.clientPort % 2 !== 0 || c.clientPort < 32768 || c.clientPort > 60999) out.push(`port ${c.clientPort} outside the even 32768-60999`);
    if (i > 0) {
      const step = c.clientPort - (conns[i - 1]?.clientPort ?? 0);
      if (step < 2 || step > 16) out.push(`port step ${step} (${conns[i - 1]?.clientPort} -> ${c.clientPort})`);
    }
  });
  return out;
}

/**
 * Problems with ISNs, timestamps and IP IDs in one connection as seen at one interface:
 * - each side's TSval never goes back and moves like a 1 ms clock (less than 10 s here);
 * - each TSecr echoes the latest TSval received from the peer (RFC 7323 §4.3), 0 on the SYN;
 * - the SYN-ACK carries IP ID 0; every other segment of a sender is its previous one + 1.
 */
export function connectionProblems(c: Connection, clientAddr: string): string[] {
  const out: string[] = [];
  const lastTsval = new Map<string, number>();
  const lastId = new Map<string, number>();
  for (const f of c.frames) {
    const t = f.tcp;
    const ip = f.ip;
    if (!t || !ip) continue;
    const me = ip.src === clientAddr ? 'client' : 'server';
    const peer = me === 'client' ? 'server' : 'client';
    const syn = (t.flags & 0x02) !== 0;
    const ack = (t.flags & 0x10) !== 0;
    if (t.tsval === null || t.tsecr === null) { out.push(`${me} segment without timestamps`); continue; }
    const prev = lastTsval.get(me);
    if (prev !== undefined && (t.tsval < prev || t.tsval - prev > 10_000)) out.push(`${me} TSval ${prev} -> ${t.tsval}`);
    lastTsval.set(me, t.tsval);
    const echo = syn && !ack ? 0 : lastTsval.get(peer);
    if (t.tsecr !== echo) out.push(`${me} TSecr ${t.tsecr}, latest peer TSval ${echo}`);
    if (syn && ack) {
      if (ip.id !== 0) out.push(`SYN-ACK IP ID ${ip.id}, not 0`);
    } else {
      const p = lastId.get(me);
      if (p !== undefined && ip.id !== ((p + 1) & 0xffff)) out.push(`${me} IP ID ${p} -> ${ip.id}`);
      lastId.set(me, ip.id);
    }
  }
  return out;
}

/** Values that must differ between connections (random per connection on a real kernel). */
export function perConnectionRandoms(conns: readonly Connection[], clientAddr: string): { isn: number[]; tsval: number[]; ipId: number[] } {
  const isn: number[] = [];
  const tsval: number[] = [];
  const ipId: number[] = [];
  for (const c of conns) {
    const syn = c.frames.find((f) => f.tcp !== null && (f.tcp.flags & 0x12) === 0x02 && f.ip?.src === clientAddr);
    if (syn?.tcp && syn.ip) {
      isn.push(syn.tcp.seqRaw);
      tsval.push(syn.tcp.tsval ?? -1);
      ipId.push(syn.ip.id);
    }
  }
  return { isn, tsval, ipId };
}

export function distinct(xs: readonly number[]): boolean {
  return new Set(xs).size === xs.length;
}
