import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MemorySink, PcapWriter, readCapture } from '../../src/pcap/index.ts';
import { buildReport, countsFromStdout, extractLabRunData, framesFromCapture } from '../../src/report/index.ts';
import { isWireError } from '../../src/wire/index.ts';
import { requireTsharkOrSkip } from '../support/tshark.ts';
import { checkClaims } from './claims.ts';
import { syntheticRun } from './synthetic-run.ts';

const RANDOM = [1, 2, 2, 3, 1, 2];
const run = syntheticRun({ randomServers: RANDOM, firstPort: 40000, rrPolicy: 3 });
const data = extractLabRunData(run);

describe('extractLabRunData: topology', () => {
  it('finds roles, VIPs and their policies from the listings', () => {
    expect(data.topology.hosts.map((h) => [h.name, h.role])).toEqual([
      ['client1', 'client'],
      ['ws_round-robin', 'switch'],
      ['ws_random', 'switch'],
      ['server1', 'server'],
      ['server2', 'server'],
      ['server3', 'server'],
    ]);
    expect(data.topology.domains).toEqual([
      { name: 'A', subnet: '10.0.0.0/24' },
      { name: 'B', subnet: '100.0.0.0/24' },
    ]);
    expect(data.topology.vips.map((v) => [v.address, v.switchHost, v.policy, v.outsideIface, v.insideIface, v.insideAddress])).toEqual([
      ['10.0.0.1', 'ws_round-robin', 'round-robin', 'eth0', 'eth1', '100.0.0.4'],
      ['10.0.0.2', 'ws_random', 'random', 'eth0', 'eth1', '100.0.0.5'],
    ]);
    expect(data.topology.servers.map((s) => `${s.index}=${s.address}`)).toEqual(['1=100.0.0.1', '2=100.0.0.2', '3=100.0.0.3']);
  });
});

describe('extractLabRunData: Q1 from the links steps and the client capture', () => {
  it('gives each step its action, server, stream and 4-tuple', () => {
    expect(data.q1).toHaveLength(1);
    const steps = data.q1[0]!.steps;
    expect(steps.map((s) => [s.action, s.server, s.tcpStream, s.newConnection, s.conn.srcPort])).toEqual([
      ['load', 1, 0, true, 40000],
      ['reload', 1, 0, false, 40000],
      ['close', null, 0, false, 40000],
      ['load', 2, 1, true, 40002],
    ]);
    expect(steps.every((s) => s.captureFile === 'client1-eth0.pcap' && s.conn.dstAddr === '10.0.0.1' && s.conn.dstPort === 80)).toBe(true);
  });
});

describe('extractLabRunData: Q2 from the script step', () => {
  it('reads the counts, the requests sent and the stream range', () => {
    const q2 = data.q2[0]!;
    expect(q2.vip).toBe('10.0.0.2');
    expect(q2.counts).toEqual([
      { server: 1, count: 2 },
      { server: 2, count: 3 },
      { server: 3, count: 1 },
    ]);
    expect(q2.requests).toBe(RANDOM.length);
    // Streams 0-1: links; 2-4: the reference wgets (routed, not to the VIP); then the requests.
    expect([q2.firstStream, q2.lastStream]).toEqual([5, 5 + RANDOM.length - 1]);
    expect(q2.connectionsBefore).toBe(0);
  });
  it('parses uniq -c lines', () => {
    expect(countsFromStdout('     37 replies received from server 1\n      2 replies received from server 3\nnoise\n')).toEqual([
      { server: 1, count: 37 },
      { server: 3, count: 2 },
    ]);
  });
});

describe('extractLabRunData: Q3 observations from the switch captures', () => {
  it('counts connections, packets, routed and masqueraded connections, first-packet lengths', () => {
    const rr = data.q3.find((s) => s.host === 'ws_round-robin')!;
    expect(rr.observed).toMatchObject({
      outsideCapture: 'ws_round-robin-eth0.pcap',
      insideCapture: 'ws_round-robin-eth1.pcap',
      connectionsToVip: 2,
      connectionsRouted: 3,
      connectionsMasqueraded: 5,
      connectionsToVipByServer: [
        { server: 1, count: 1 },
        { server: 2, count: 1 },
      ],
      firstPacketIpLengths: [{ length: 60, count: 2 }],
      connectionsMasqueradedByServer: [
        { server: 1, count: 2 },
        { server: 2, count: 2 },
        { server: 3, count: 1 },
      ],
    });
    // Client->VIP segments: SYN, ACK, GET, ACK, GET, ACK, FIN, ACK on the first connection; SYN, ACK, GET, ACK on the second.
    expect(rr.observed.packetsToVip).toBe(8 + 4);
    const rd = data.q3.find((s) => s.host === 'ws_random')!;
    expect(rd.observed.connectionsToVip).toBe(RANDOM.length);
    expect(rd.observed.connectionsToVipByServer.map((c) => c.count)).toEqual([2, 3, 1]);
    expect(rd.chains.find((c) => c.name === 'PREROUTING')!.rules.map((r) => r.pkts.value)).toEqual([2, 3, 1]);
  });
  it('gives round robin the counters state before a later script run', () => {
    const later = syntheticRun({ randomServers: RANDOM, firstPort: 40000, rrPolicy: 3 });
    later.steps.push({ host: 'client1', command: './count_server_replies.sh 10.0.0.1', startNs: 9e9, endNs: 9.5e9, stdout: '', stderr: '', exitCode: 0, extras: null });
    expect(extractLabRunData(later).q2[1]!.connectionsBefore).toBe(2);
  });
});

describe('extractLabRunData: the ladder', () => {
  it('pairs the outside and inside copies and marks the rewrites', () => {
    const l = data.ladder!;
    expect([l.switchHost, l.clientAddr, l.clientPort, l.serverAddr, l.server, l.insideAddr, l.insidePort]).toEqual(['ws_round-robin', '10.0.0.10', 40000, '100.0.0.1', 1, '100.0.0.4', 40000]);
    expect(l.packets).toHaveLength(28);
    const [syn, synIn] = [l.packets[0]!, l.packets[1]!];
    expect([syn.side, syn.flags, syn.nat]).toEqual(['outside', 'SYN', []]);
    expect(synIn.side).toBe('inside');
    expect(synIn.nat).toEqual([
      { kind: 'dnat', byRule: true, from: '10.0.0.1:80', to: '100.0.0.1:80' },
      { kind: 'masquerade', byRule: true, from: '10.0.0.10:40000', to: '100.0.0.4:40000' },
    ]);
    const synAck = l.packets.find((p) => p.flags === 'SYN, ACK' && p.side === 'outside')!;
    expect(synAck.nat.map((n) => [n.kind, n.byRule])).toEqual([
      ['undnat', false],
      ['unmasquerade', false],
    ]);
    expect(l.packets.filter((p) => p.nat.some((n) => n.byRule))).toHaveLength(1);
  });
});

// The report's "see it yourself" claims, checked in Wireshark on the run's own files.
describe('every "see it yourself" claim holds in tshark', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lbsim-report-claims-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the captures, reads them back, and counts what each filter shows', (ctx) => {
    requireTsharkOrSkip(ctx);
    for (const cap of run.captures) {
      if (cap.frames === null) continue;
      const sink = new MemorySink();
      const w = new PcapWriter(sink, { nanos: true });
      for (const f of cap.frames) w.writePacket(run.startEpochSec + Math.floor(f.timeNs / 1e9), f.timeNs % 1e9, f.data);
      w.close();
      writeFileSync(join(dir, cap.file), sink.bytes());
      // Reading the file back gives the same frames on the same clock.
      const back = readCapture(sink.bytes());
      if (isWireError(back)) throw new Error(back.message);
      expect(framesFromCapture(back, run.startEpochSec).map((f) => f.timeNs)).toEqual(cap.frames.map((f) => f.timeNs));
    }
    const md = buildReport({ ...data, captures: { ...data.captures, merged: null } }, 'en').markdown;
    expect(checkClaims(md, data, dir)).toBeGreaterThan(10);
  });
});
