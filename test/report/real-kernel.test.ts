// The extraction on real captures: the lab's experiment e1 made with Linux 6.18 and iptables
// (../shared/reference/real-kernel/e1, copied into fixtures/): client1 opens 9 connections to the
// round-robin VIP. What the report reads must be what Wireshark shows in the same files.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readCapture } from '../../src/pcap/index.ts';
import type { RunCapture, RunOutput, RunStepResult } from '../../src/report/index.ts';
import { buildReport, extractLabRunData, framesFromCapture } from '../../src/report/index.ts';
import { isWireError } from '../../src/wire/index.ts';
import { requireTsharkOrSkip, runTshark } from '../support/tshark.ts';

const DIR = join(fileURLToPath(new URL('.', import.meta.url)), 'fixtures', 'real-kernel-e1');
const mac = (ip: string): string => `02:00:${ip.split('.').map((x) => Number(x).toString(16).padStart(2, '0')).join(':')}`;

function load(file: string): { bytes: Uint8Array; firstSec: number } {
  const bytes = new Uint8Array(readFileSync(join(DIR, file)));
  const cap = readCapture(bytes);
  if (isWireError(cap)) throw new Error(`${file}: ${cap.message}`);
  return { bytes, firstSec: cap.packets[0]!.tsSec };
}

function buildRun(): RunOutput {
  const files = [
    { file: 'client1-eth0.pcap', host: 'client1', iface: 'eth0' },
    { file: 'ws_round-robin-eth0.pcap', host: 'ws_round-robin', iface: 'eth0' },
    { file: 'ws_round-robin-eth1.pcap', host: 'ws_round-robin', iface: 'eth1' },
  ];
  const start = Math.min(...files.map((f) => load(f.file).firstSec));
  const captures: RunCapture[] = files.map((f) => {
    const cap = readCapture(load(f.file).bytes);
    if (isWireError(cap)) throw new Error(cap.message);
    return { file: f.file, kind: 'interface', host: f.host, iface: f.iface, domain: null, frames: framesFromCapture(cap, start) };
  });
  // One links load per connection: its window runs from its SYN to just before the next SYN.
  const client = captures[0]!.frames!;
  const synTimes = client.filter((f) => f.data.length > 47 && f.data[23] === 6 && (f.data[47]! & 0x12) === 0x02).map((f) => f.timeNs);
  const steps: RunStepResult[] = synTimes.map((t, i) => ({
    host: 'client1',
    command: 'links http://10.0.0.1/',
    startNs: t - 1000,
    endNs: (synTimes[i + 1] ?? t + 5e9) - 1000,
    stdout: '',
    stderr: '',
    exitCode: 0,
  }));
  const last = client[client.length - 1]!.timeNs;
  steps.push({ host: 'ws_round-robin', command: 'iptables -t nat -L -v -n -x', startNs: last + 1e9, endNs: last + 1e9, stdout: readFileSync(join(DIR, 'ws_round-robin-nat-L-v-n-x.txt'), 'latin1'), stderr: '', exitCode: 0 });
  const host = (name: string, ifaces: [string, string, string][]) => ({ name, interfaces: ifaces.map(([n, d, a]) => ({ name: n, domain: d, address: `${a}/24`, mac: mac(a) })) });
  return {
    scenarioName: 'real-kernel-e1',
    seed: 0,
    startEpochSec: start,
    endNs: last + 2e9,
    hosts: [
      host('client1', [['eth0', 'A', '10.0.0.10']]),
      host('ws_round-robin', [
        ['eth0', 'A', '10.0.0.1'],
        ['eth1', 'B', '100.0.0.4'],
      ]),
      host('server1', [['eth0', 'B', '100.0.0.1']]),
      host('server2', [['eth0', 'B', '100.0.0.2']]),
      host('server3', [['eth0', 'B', '100.0.0.3']]),
    ],
    steps,
    listings: [],
    captures,
  };
}

const data = extractLabRunData(buildRun());

describe('extraction on the real-kernel e1 captures', () => {
  it('sees 9 connections served 1,2,3,1,2,3,1,2,3 (results.txt)', () => {
    const steps = data.q1[0]!.steps;
    expect(steps.map((s) => s.server)).toEqual([1, 2, 3, 1, 2, 3, 1, 2, 3]);
    expect(steps.map((s) => s.conn.srcPort)).toEqual([44656, 44662, 44670, 44684, 44698, 44706, 44718, 44726, 44728]);
    expect(steps.map((s) => s.tcpStream)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(steps.every((s) => s.newConnection && s.action === 'load')).toBe(true);
  });
  it('reads the counters and matches them with the captures', () => {
    const sw = data.q3[0]!;
    const pre = sw.chains.find((c) => c.name === 'PREROUTING')!;
    expect(pre.rules.map((r) => [r.pkts.value, r.bytes.value])).toEqual([
      [3, 180],
      [3, 180],
      [3, 180],
    ]);
    expect(sw.observed).toMatchObject({
      connectionsToVip: 9,
      packetsToVip: 54,
      connectionsRouted: 0,
      connectionsMasqueraded: 9,
      connectionsToVipByServer: [
        { server: 1, count: 3 },
        { server: 2, count: 3 },
        { server: 3, count: 3 },
      ],
      firstPacketIpLengths: [{ length: 60, count: 9 }],
    });
    const md = buildReport(data, 'en').markdown;
    expect(md).toContain('bytes = 540 = 9 × 60');
    expect(md).toContain('Rule 2 (nth every 2 → 100.0.0.2): it sees only the 6 connections the rules before it did not take, and counts only its own matches: 3 (50.0%).');
  });
  it('builds the ladder of the first connection with the kernel’s rewrites', () => {
    const l = data.ladder!;
    expect(l.packets.filter((p) => p.side === 'outside')).toHaveLength(10);
    expect(l.packets.filter((p) => p.side === 'inside')).toHaveLength(10);
    expect(l.packets[1]!.nat).toEqual([
      { kind: 'dnat', byRule: true, from: '10.0.0.1:80', to: '100.0.0.1:80' },
      { kind: 'masquerade', byRule: true, from: '10.0.0.10:44656', to: '100.0.0.4:44656' },
    ]);
  });
  it('numbers streams and frames as tshark does', (ctx) => {
    requireTsharkOrSkip(ctx);
    const rows = runTshark(['-n', '-r', join(DIR, 'client1-eth0.pcap'), '-Y', 'tcp.flags.syn == 1 && tcp.flags.ack == 0', '-T', 'fields', '-e', 'tcp.stream', '-e', 'tcp.srcport'])
      .stdout.trim()
      .split('\n')
      .map((l) => l.split('\t').map(Number));
    expect(data.q1[0]!.steps.map((s) => [s.tcpStream, s.conn.srcPort])).toEqual(rows);
    const l = data.ladder!;
    for (const side of ['outside', 'inside'] as const) {
      const file = side === 'outside' ? l.outsideCapture : l.insideCapture;
      const stream = side === 'outside' ? l.outsideStream : l.insideStream;
      const frames = runTshark(['-n', '-r', join(DIR, file), '-Y', `tcp.stream eq ${stream}`, '-T', 'fields', '-e', 'frame.number', '-e', 'tcp.flags.str']).stdout.trim().split('\n');
      expect(l.packets.filter((p) => p.side === side).map((p) => p.frameNumber)).toEqual(frames.map((f) => Number(f.split('\t')[0])));
    }
  });
});
