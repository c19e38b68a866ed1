// The default lab run (`lbsim run`: links with reloads on each VIP, count_server_replies.sh, the
// listings) checked against LINUX.md's list of what a real kernel, Apache and the clients do, and
// an idle keep-alive connection closed by Apache after 5 s.

import { beforeAll, describe, expect, it } from 'vitest';
import { lbsim } from '../cli/support.ts';
import { requireTsharkOrSkip, tsharkFields } from '../support/tshark.ts';
import { connectionProblems, type Connection } from './behaviour.ts';
import { INTERFACES, readFrames, runLab, type Frame, type LabRun } from './support.ts';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CLIENTS: [string, string][] = [['client1-eth0', '10.0.0.10'], ['client2-eth0', '10.0.0.11']];
const SYN_OPTIONS = /^020405b404020[8]0a[0-9a-f]{8}0{8}01030307$/;
const SYN_ACK_OPTIONS = /^020405b404020[8]0a[0-9a-f]{8}(?!0{8})[0-9a-f]{8}01030307$/;

let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lbsim-fidelity-run-'));
  const r = await lbsim('run', '--out', dir);
  if (r.code !== 0) throw new Error(`lbsim run failed (${r.code}): ${r.stderr}`);
});

/** Connections keyed by the full 4-tuple (a port may come back later towards another VIP). */
function byTuple(frames: readonly Frame[], client: string): Connection[] {
  const map = new Map<string, Connection>();
  const out: Connection[] = [];
  for (const f of frames) {
    if (!f.tcp || !f.ip) continue;
    const fromClient = f.ip.src === client;
    const port = fromClient ? f.tcp.srcPort : f.tcp.dstPort;
    const key = `${port}/${fromClient ? f.ip.dst : f.ip.src}`;
    let c = map.get(key);
    if (c === undefined || ((f.tcp.flags & 0x12) === 0x02 && c.frames.some((x) => (x.tcp?.flags ?? 0) & 0x01))) {
      c = { clientPort: port, frames: [] };
      map.set(key, c);
      out.push(c);
    }
    c.frames.push(f);
  }
  return out;
}

const flags = (f: Frame | undefined): number => f?.tcp?.flags ?? -1;
const FIN_ACK = 0x11;
const ACK = 0x10;

function closeProblems(c: Connection, client: string): string[] {
  const fr = c.frames;
  const fins = fr.filter((f) => (flags(f) & 0x01) !== 0);
  if (fins.length !== 2) return [`${fins.length} FINs`];
  const last3 = fr.slice(-3);
  const out: string[] = [];
  if (flags(last3[0]) !== FIN_ACK || flags(last3[1]) !== FIN_ACK || flags(last3[2]) !== ACK) {
    out.push(`close is ${last3.map((f) => flags(f).toString(16)).join(',')}, not FIN,ACK FIN,ACK ACK`);
  }
  const firstFin = last3[0];
  if (firstFin?.ip?.src !== client) {
    // Apache closed an idle keep-alive connection: KeepAliveTimeout 5 s after its last response.
    const lastData = [...fr].reverse().find((f) => f.ip?.src !== client && (f.tcp?.len ?? 0) > 0);
    const idle = (firstFin?.time ?? 0) - (lastData?.time ?? 0);
    if (!(idle >= 5 && idle < 5.1)) out.push(`server closed after ${idle.toFixed(3)} s idle, not 5 s`);
  }
  return out;
}

describe('the default lab run against LINUX.md', () => {
  it('each client connection: SYN and SYN-ACK options and windows, one pure server ACK (first request), 3-packet close, TSecr/TSval/IP ID behaviour, TTL 64/63', (ctx) => {
    requireTsharkOrSkip(ctx);
    let n = 0;
    for (const [iface, client] of CLIENTS) {
      for (const c of byTuple(readFrames(join(dir, `${iface}.pcap`), 'tcp'), client)) {
        n++;
        const where = `${iface} port ${c.clientPort}`;
        const syn = c.frames[0];
        const synAck = c.frames[1];
        expect(flags(syn), where).toBe(0x02);
        expect(syn?.tcp?.options, where).toMatch(SYN_OPTIONS);
        expect(syn?.tcp?.window, where).toBe(64240);
        expect(flags(synAck), where).toBe(0x12);
        expect(synAck?.tcp?.options, where).toMatch(SYN_ACK_OPTIONS);
        expect(synAck?.tcp?.window, where).toBe(65160);
        const pureServerAcks = c.frames.filter((f) => f.ip?.src !== client && flags(f) === ACK);
        // The first GET's ACK, plus the last ACK of a close that Apache started.
        const serverClosed = c.frames.at(-3)?.ip?.src !== client;
        expect(pureServerAcks.length, where).toBe(serverClosed ? 2 : 1);
        expect(closeProblems(c, client), where).toEqual([]);
        expect(connectionProblems(c, client), where).toEqual([]);
        for (const f of c.frames) expect(f.ip?.ttl, where).toBe(f.ip?.src === client ? 64 : 63);
      }
    }
    expect(n).toBeGreaterThan(600);
  });

  it('Keep-Alive: max=100 on a connection\'s first response, one less on each following one', (ctx) => {
    requireTsharkOrSkip(ctx);
    for (const [iface] of CLIENTS) {
      const rows = tsharkFields(join(dir, `${iface}.pcap`), ['tcp.stream', 'http.response.line'], { filter: 'http.response' });
      const seen = new Map<string, number[]>();
      for (const r of rows) {
        const line = (r['http.response.line'] ?? []).find((l) => l.startsWith('Keep-Alive:'));
        if (line === undefined) continue;
        const max = Number(/max=(\d+)/.exec(line)?.[1]);
        const s = r['tcp.stream']?.[0] ?? '';
        seen.set(s, [...(seen.get(s) ?? []), max]);
      }
      expect(seen.size, iface).toBeGreaterThan(0);
      let reused = 0;
      for (const [s, maxes] of seen) {
        expect(maxes, `${iface} stream ${s}`).toEqual(maxes.map((_, i) => 100 - i));
        if (maxes.length > 1) reused++;
      }
      expect(reused, `${iface}: connections with reloads`).toBeGreaterThan(0);
    }
  });

  it('ARP: one broadcast request per host/neighbour pair; servers never ask for a switch, switches never for a client', (ctx) => {
    requireTsharkOrSkip(ctx);
    for (const iface of INTERFACES) {
      const asked = new Map<string, number>();
      for (const f of readFrames(join(dir, `${iface}.pcap`), 'arp.opcode == 1 and eth.dst == ff:ff:ff:ff:ff:ff')) {
        const key = `${f.arp?.senderIp} asks ${f.arp?.targetIp}`;
        asked.set(key, (asked.get(key) ?? 0) + 1);
      }
      for (const [pair, count] of asked) {
        expect(count, `${iface}: ${pair}`).toBe(1);
        expect(pair, iface).not.toMatch(/^100\.0\.0\.[123] asks 100\.0\.0\.[456]$/);
        expect(pair, iface).not.toMatch(/^10\.0\.0\.[123] asks 10\.0\.0\.1[01]$/);
      }
    }
  });
});

describe('idle keep-alive connection', () => {
  let run: LabRun;
  beforeAll(async () => {
    run = await runLab(['client1: links http://10.0.0.1/', 'sleep 6', 'client1: links reload', 'client1: links reload', 'client1: links close']);
  });

  it('Apache closes it 5 s after the response (FIN,ACK; Links FIN,ACK; ACK) and the reload after 6 s opens a new connection', (ctx) => {
    requireTsharkOrSkip(ctx);
    const conns = byTuple(readFrames(join(run.dir, 'client1-eth0.pcap'), 'tcp'), '10.0.0.10');
    expect(conns.length).toBe(2);
    const [idle, next] = conns;
    expect(idle?.frames.at(-3)?.ip?.src).toBe('10.0.0.1');
    expect(closeProblems(idle as Connection, '10.0.0.10')).toEqual([]);
    expect(flags(next?.frames[0])).toBe(0x02);
    expect(next?.frames.filter((f) => f.ip?.src === '10.0.0.10' && (f.tcp?.len ?? 0) > 0).length).toBe(2);
    expect(closeProblems(next as Connection, '10.0.0.10')).toEqual([]);
  });
});

describe('conntrack TIME_WAIT on a switch lasts 120 s', () => {
  let run: LabRun;
  beforeAll(async () => {
    run = await runLab([
      'client1: for i in 1 2 3 4 5 6 7 8 9; do curl -s http://10.0.0.1/; done',
      'sleep 117',
      'ws_round-robin: conntrack -L',
      'ws_round-robin: conntrack -L',
      'ws_round-robin: conntrack -L',
    ]);
  });

  it('the entries count down to 0 and are gone 120 s after each close', () => {
    const listings = run.steps.filter((s) => s.command === 'conntrack -L');
    const closedAt = run.steps[0]?.end ?? 0;
    for (const l of listings) {
      const timeouts = [...(l.output ?? '').matchAll(/^tcp {6}6 (\d+) TIME_WAIT /gm)].map((m) => Number(m[1]));
      const left = 120 - (l.start - closedAt);
      if (left > 0) {
        expect(timeouts.length, `at ${l.start} s`).toBe(9);
        // conntrack prints whole seconds left, rounded down; each entry's TIME_WAIT began at its
        // connection's last ACK, up to 25 ms before the loop ended.
        for (const t of timeouts) expect(t === Math.floor(left - 1e-6) || t === Math.floor(left + 0.025), `at ${l.start} s: ${t}`).toBe(true);
      } else {
        expect(timeouts, `at ${l.start} s`).toEqual([]);
        expect(l.output).toContain('0 flow entries have been shown.');
      }
    }
    expect(listings.map((l) => l.start - closedAt > 120)).toEqual([false, false, true]);
  });
});

describe('a refused connection', () => {
  let run: LabRun;
  beforeAll(async () => {
    run = await runLab(['ws_round-robin: curl -s http://100.0.0.1:81/']);
  });

  it('curl exits 7; the server answers the SYN with RST,ACK: IP ID 0, DF, TTL 64, window 0, no options', (ctx) => {
    requireTsharkOrSkip(ctx);
    expect(run.steps[0]?.exitCode).toBe(7);
    const frames = readFrames(join(run.dir, 'server1-eth0.pcap'), 'tcp');
    expect(frames.map((f) => flags(f))).toEqual([0x02, 0x14]);
    const rst = frames[1];
    expect(rst?.ip).toMatchObject({ src: '100.0.0.1', id: 0, df: true, ttl: 64, len: 40 });
    expect(rst?.tcp).toMatchObject({ window: 0, options: '', seqRaw: 0, ackRaw: ((frames[0]?.tcp?.seqRaw ?? 0) + 1) >>> 0 });
  });
});
