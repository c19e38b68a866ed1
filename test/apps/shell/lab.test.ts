// The lab of ../shared/lab/LAB.md end to end through the console: Links on a VIP (Q1), the
// client script (Q2), the switches' counters (Q3), on the real stack, netfilter and HTTP apps.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Netfilter } from '../../../src/netfilter/index.ts';
import { MemorySink } from '../../../src/pcap/index.ts';
import { Capture, Network, attachTcp, type CaptureFile, type Host } from '../../../src/stack/index.ts';
import { ipv4FromString } from '../../../src/wire/index.ts';
import { HttpServer, appEnvOf, networkClients } from '../../../src/apps/index.ts';
import { ShellContext, formatTranscriptStep, parseServerCounts, runCommand, type CommandResult } from '../../../src/apps/shell/index.ts';
import { requireTsharkOrSkip, tsharkCheck } from '../../support/tshark.ts';

const RULES: Record<string, string[]> = {
  'ws_round-robin': [
    'iptables --table nat --append PREROUTING --destination 10.0.0.1 --match statistic --mode nth --every 3 --jump DNAT --to-destination 100.0.0.1',
    'iptables --table nat --append PREROUTING --destination 10.0.0.1 --match statistic --mode nth --every 2 --jump DNAT --to-destination 100.0.0.2',
    'iptables --table nat --append PREROUTING --destination 10.0.0.1 --jump DNAT --to-destination 100.0.0.3',
    'iptables --table nat --append POSTROUTING --source 10.0.0.0/24 --destination 100.0.0.0/24 --jump MASQUERADE',
  ],
  ws_random: [
    'iptables --table nat --append PREROUTING --destination 10.0.0.2 --match statistic --mode random --probability 0.33 --jump DNAT --to-destination 100.0.0.1',
    'iptables --table nat --append PREROUTING --destination 10.0.0.2 --match statistic --mode random --probability 0.5 --jump DNAT --to-destination 100.0.0.2',
    'iptables --table nat --append PREROUTING --destination 10.0.0.2 --jump DNAT --to-destination 100.0.0.3',
    'iptables --table nat --append POSTROUTING --source 10.0.0.0/24 --destination 100.0.0.0/24 --jump MASQUERADE',
  ],
  ws_ip: [
    'iptables --table nat --append PREROUTING --destination 10.0.0.3 --source 10.0.0.10 --jump DNAT --to-destination 100.0.0.1',
    'iptables --table nat --append PREROUTING --destination 10.0.0.3 --source 10.0.0.11 --jump DNAT --to-destination 100.0.0.2',
    'iptables --table nat --append POSTROUTING --source 10.0.0.0/24 --destination 100.0.0.0/24 --jump MASQUERADE',
  ],
};

function buildLab(seed = 1) {
  const net = new Network({ seed });
  const filters = new Map<Host, Netfilter>();
  const host = (name: string, ifaces: Array<[string, string, string]>, forward = false): Host => {
    const h = net.addHost(name, { ipForward: forward });
    for (const [iface, domain, addr] of ifaces) {
      net.connect(h, iface, domain);
      h.addAddress(iface, ipv4FromString(addr), 24);
    }
    const nf = new Netfilter({ ...h.filterEnv(), startEpochSec: net.startEpochSec }, h.rng('netfilter'));
    h.filter = nf;
    filters.set(h, nf);
    attachTcp(h);
    return h;
  };
  host('client1', [['eth0', 'A', '10.0.0.10']]);
  host('client2', [['eth0', 'A', '10.0.0.11']]);
  const switches: Array<[string, string, string]> = [
    ['ws_round-robin', '10.0.0.1', '100.0.0.4'],
    ['ws_random', '10.0.0.2', '100.0.0.5'],
    ['ws_ip', '10.0.0.3', '100.0.0.6'],
  ];
  for (const [name, a, b] of switches) {
    const h = host(name, [['eth0', 'A', a], ['eth1', 'B', b]], true);
    for (const line of RULES[name] ?? []) {
      const r = filters.get(h)?.exec(line.split(' '));
      if (r?.exitCode !== 0) throw new Error(`${name}: ${line}: ${r?.stderr ?? ''}`);
    }
  }
  for (const n of [1, 2, 3]) {
    const h = host(`server${n}`, [['eth0', 'B', `100.0.0.${n}`]]);
    const body = new TextEncoder().encode(`<html><body><h1>This reply comes from server ${n}!</h1></body></html>\n`);
    new HttpServer(appEnvOf(h), { files: { '/index.html': { body } } });
  }
  const ctx = new ShellContext(net, { netfilter: (h) => filters.get(h) ?? null, clients: networkClients() });
  const transcript: string[] = [];
  const run = (hostName: string, line: string): CommandResult => {
    let result: CommandResult | undefined;
    runCommand(ctx, hostName, line, (r) => {
      result = r;
    });
    net.scheduler.runWhile(() => result === undefined, net.scheduler.now + 3600e9);
    if (result === undefined) throw new Error(`${hostName}: ${line}: did not finish`);
    transcript.push(formatTranscriptStep(result));
    // The next console step starts 1 s after this one ended.
    net.scheduler.runFor(1e9);
    return result;
  };
  return { net, run, transcript };
}

const SERVER = (n: number) => `${' '.repeat(24)}This reply comes from server ${n}!\n`;

describe('the lab through the console', () => {
  it('Q1: links keeps its connection (same server) until it is closed', () => {
    const { run } = buildLab();
    expect(run('client1', 'links http://10.0.0.1/').output).toBe(SERVER(1));
    expect(run('client1', 'links reload').output).toBe(SERVER(1));
    expect(run('client1', 'links reload').output).toBe(SERVER(1));
    expect(run('client1', 'links close').exitCode).toBe(0);
    expect(run('client1', 'links http://10.0.0.1/').output).toBe(SERVER(2));
  });

  it('Q2: the script splits 34/33/33 on the round-robin VIP from a fresh boot', () => {
    const { run } = buildLab();
    const r = run('client1', './count_server_replies.sh 10.0.0.1');
    expect(r.output).toBe('     34 replies received from server 1\n     33 replies received from server 2\n     33 replies received from server 3\n');
    expect(r.exitCode).toBe(0);
    expect(run('client1', 'route -n').output).not.toContain('0.0.0.0         10.0.0.1');
  });

  it('Q2: the source-IP VIP sends each client to its own server', () => {
    const { run } = buildLab();
    expect(run('client2', './count_server_replies.sh 10.0.0.3').output).toBe('    100 replies received from server 2\n');
    expect(run('client1', './count_server_replies.sh 10.0.0.3').output).toBe('    100 replies received from server 1\n');
    expect(run('client1', './count_server_replies.sh').output).toBe('Please specify the VIP of a web server as argument\n');
  });

  it('Q2: the random VIP gives a random split of 100', () => {
    const { run } = buildLab(7);
    const counts = parseServerCounts(run('client2', './count_server_replies.sh 10.0.0.2').output);
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(100);
    expect(Object.keys(counts).length).toBeGreaterThanOrEqual(2);
  });

  it('Q3: the nat counters count connections, 60 bytes each', () => {
    const { run } = buildLab();
    run('client1', './count_server_replies.sh 10.0.0.3');
    run('client2', './count_server_replies.sh 10.0.0.3');
    const listing = run('ws_ip', 'iptables -t nat -vnL -x').output;
    const rows = listing.split('\n').filter((l) => l.includes('DNAT'));
    expect(rows.map((l) => l.trim().split(/\s+/).slice(0, 2))).toEqual([
      ['100', '6000'],
      ['100', '6000'],
    ]);
  });

  it('tshark: the script leaves no TCP analysis flag in any interface capture (route del waits for the last FIN to be ACKed)', (ctx) => {
    requireTsharkOrSkip(ctx);
    const { net, run } = buildLab();
    const sinks = new Map<string, { file: CaptureFile; sink: MemorySink }>();
    const capture = new Capture(net, {
      sinks: (file) => {
        const sink = new MemorySink();
        sinks.set(file.name, { file, sink });
        return sink;
      },
      trace: false,
    });
    expect(run('client1', './count_server_replies.sh 10.0.0.1').exitCode).toBe(0);
    // Long enough for any retransmission of an unanswered FIN (RTO 200 ms and up) to show.
    net.scheduler.runFor(10e9);
    capture.close();
    const dir = mkdtempSync(join(tmpdir(), 'lbsim-script-'));
    try {
      const flagged: string[] = [];
      let checked = 0;
      for (const [name, { file, sink }] of sinks) {
        if (file.kind !== 'interface') continue;
        const path = join(dir, name);
        writeFileSync(path, sink.bytes());
        const r = tsharkCheck(path);
        expect(r.malformed, name).toEqual([]);
        expect(r.badChecksums, name).toEqual([]);
        for (const a of r.analysisFlags) flagged.push(`${name} frame ${a.frame}: ${a.messages.join('; ')}`);
        checked++;
      }
      // client1, client2, 3 switches x 2, 3 servers.
      expect(checked).toBe(11);
      expect(flagged).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps wget -O - and the reference fetch on the console as the real tools print them', () => {
    const { run } = buildLab();
    const r = run('client1', 'wget http://10.0.0.3/ -O - 2>/dev/null | md5sum');
    expect(r.output).toMatch(/^[0-9a-f]{32}  -\n$/);
    const refused = run('client1', 'wget http://100.0.0.1/ -O -');
    expect(refused.exitCode).toBe(4);
  });
});
