// Experiment e1 of the real-kernel reference: client1 opens 9 curl connections to 10.0.0.1 (a
// shell loop, so they follow each other within milliseconds as in the reference) and the
// round-robin switch sends them to servers 1,2,3,1,2,3,1,2,3. Every host interface's capture must
// match the reference frame by frame; the switches' listings byte for byte (iptables) or in shape
// (conntrack).

import { beforeAll, describe, expect, it } from 'vitest';
import { requireTsharkOrSkip } from '../support/tshark.ts';
import { connectionProblems, connections, distinct, perConnectionRandoms, portProblems } from './behaviour.ts';
import {
  firstDifference, INTERFACES, lbsimPcap, normalize, readFrames, referencePcap, referenceText, runLab, stepEndEpoch, stepOutput,
  type Frame, type LabRun,
} from './support.ts';

const CURL_LOOP = 'for i in 1 2 3 4 5 6 7 8 9; do curl -s http://10.0.0.1/; done';
const SWITCHES = ['ws_round-robin', 'ws_random', 'ws_ip'] as const;
const LISTINGS = (sw: string): [string, string][] => [
  [`iptables -t nat -L -v -n -x`, `e1/iptables/${sw}-nat-L-v-n-x.txt`],
  [`iptables -t nat -L -v -n --line-numbers`, `e1/iptables/${sw}-nat-L-v-n-line-numbers.txt`],
];

let run: LabRun;
const steps = [`client1: ${CURL_LOOP}`];
for (const sw of SWITCHES) {
  for (const [cmd] of LISTINGS(sw)) steps.push(`${sw}: ${cmd}`);
  steps.push(`${sw}: conntrack -L`);
}

beforeAll(async () => {
  run = await runLab(steps);
});

function stepFor(host: string, command: string): string {
  const s = run.steps.find((x) => x.host === host && x.command === command);
  if (s === undefined) throw new Error(`no step ${host}: ${command}`);
  return s.output ?? '';
}

describe('e1: per-packet match on every host interface', () => {
  it('the loop printed the pages of servers 1,2,3,1,2,3,1,2,3', () => {
    const servers = [...stepOutput(run, CURL_LOOP).matchAll(/server (\d)!/g)].map((m) => m[1]);
    expect(servers).toEqual(['1', '2', '3', '1', '2', '3', '1', '2', '3']);
  });

  for (const iface of INTERFACES) {
    it(`${iface}: frame lengths, MACs, ARP, TTL, DF, IP ID steps, ports after NAT, flags, seq/ack, windows and option layout`, (ctx) => {
      requireTsharkOrSkip(ctx);
      const real = normalize(readFrames(referencePcap('e1', iface)));
      // The reference capture stopped when the loop ended; the listing steps after it take
      // seconds, long enough for the switch's 5 s neighbour probe of client1 (LINUX.md).
      const sim = normalize(readFrames(lbsimPcap(run, iface), `frame.time_epoch <= ${stepEndEpoch(run, CURL_LOOP) + 0.5}`));
      expect(real.length, 'reference capture read').toBeGreaterThan(0);
      expect(firstDifference(real, sim)).toBeNull();
    });
  }
});

describe('e1: random values behave as on the real kernel', () => {
  const sides = (): [string, Frame[]][] => [
    ['real', readFrames(referencePcap('e1', 'client1-eth0'), 'tcp')],
    ['lbsim', readFrames(lbsimPcap(run, 'client1-eth0'), 'tcp')],
  ];

  it('ephemeral ports: even, 32768-60999, rising in steps of 2-16', (ctx) => {
    requireTsharkOrSkip(ctx);
    for (const [side, frames] of sides()) {
      const conns = connections(frames);
      expect(conns.length, side).toBe(9);
      expect(portProblems(conns), side).toEqual([]);
    }
  });

  it('ISN, first TSval and IP ID start differ per connection; TSecr echoes, TSval rises, IP ID +1, SYN-ACK ID 0', (ctx) => {
    requireTsharkOrSkip(ctx);
    for (const [side, frames] of sides()) {
      const conns = connections(frames);
      const r = perConnectionRandoms(conns, '10.0.0.10');
      expect(distinct(r.isn) && distinct(r.tsval) && distinct(r.ipId), `${side}: ${JSON.stringify(r)}`).toBe(true);
      for (const c of conns) expect(connectionProblems(c, '10.0.0.10'), `${side} port ${c.clientPort}`).toEqual([]);
    }
  });

  it('NAT: inside, source 100.0.0.4, the chosen server, the client port kept; seq, TSval and IP ID untouched, TTL one less', (ctx) => {
    requireTsharkOrSkip(ctx);
    const pairs: [string, string, string][] = [
      ['real', referencePcap('e1', 'ws_round-robin-eth0'), referencePcap('e1', 'ws_round-robin-eth1')],
      ['lbsim', lbsimPcap(run, 'ws_round-robin-eth0'), lbsimPcap(run, 'ws_round-robin-eth1')],
    ];
    for (const [side, outsideFile, insideFile] of pairs) {
      const outside = readFrames(outsideFile, 'tcp.srcport != 80');
      const inside = readFrames(insideFile, 'tcp.srcport != 80');
      expect(inside.length, side).toBe(outside.length);
      const servers: string[] = [];
      outside.forEach((o, i) => {
        const n = inside[i];
        expect(n?.ip?.src, side).toBe('100.0.0.4');
        expect(n?.tcp?.srcPort, side).toBe(o.tcp?.srcPort);
        expect(n?.tcp?.seqRaw, side).toBe(o.tcp?.seqRaw);
        expect(n?.tcp?.tsval, side).toBe(o.tcp?.tsval);
        expect(n?.ip?.id, side).toBe(o.ip?.id);
        expect(n?.ip?.ttl, side).toBe((o.ip?.ttl ?? 0) - 1);
        if (o.tcp && (o.tcp.flags & 0x12) === 0x02) servers.push(n?.ip?.dst ?? '?');
      });
      expect(servers, side).toEqual(['100.0.0.1', '100.0.0.2', '100.0.0.3', '100.0.0.1', '100.0.0.2', '100.0.0.3', '100.0.0.1', '100.0.0.2', '100.0.0.3']);
    }
  });
});

describe('e1: the switches\' listings', () => {
  for (const sw of SWITCHES) {
    for (const [cmd, file] of LISTINGS(sw)) {
      it(`${sw}: ${cmd} is byte-identical to the reference`, () => {
        expect(stepFor(sw, cmd)).toBe(referenceText(file));
      });
    }

    it(`${sw}: conntrack -L has the reference's shape`, () => {
      const shape = (text: string): string[] =>
        text.split('\n').filter((l) => l !== '' && !l.startsWith('conntrack v'))
          .map((l) => l
            .replace(/^(tcp {6}6) (\d+) /, (_m, head: string, t: string) => `${head} ${Number(t) >= 100 && Number(t) <= 120 ? 'T' : `bad-timeout-${t}`} `)
            .replace(/sport=(\d+) dport=80 (.*) sport=80 dport=\1 /, 'sport=P dport=80 $2 sport=80 dport=P '))
          .sort();
      const real = referenceText(`e1/conntrack/${sw}.txt`);
      const sim = stepFor(sw, 'conntrack -L');
      expect(shape(sim)).toEqual(shape(real));
      const summary = sim.split('\n').find((l) => l.startsWith('conntrack v'));
      expect(summary).toBe(`conntrack v1.4.7 (conntrack-tools): ${shape(real).length} flow entries have been shown.`);
    });
  }
});
