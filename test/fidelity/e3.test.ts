// Experiment e3 of the real-kernel reference (persistence): curl with 5 URLs on one keep-alive
// connection, then links -dump, then wget -O -, each a second apart. Before it, as in the
// reference (its counters are cumulative since boot): e1's 9 connections, then 100 connections
// from client2 to each VIP. The lab starts on the reference's date so Apache's Last-Modified and
// ETag are the reference's (pages dated 2024-01-01).

import { beforeAll, describe, expect, it } from 'vitest';
import { requireTsharkOrSkip, tsharkFields } from '../support/tshark.ts';
import { connectionProblems, connections } from './behaviour.ts';
import {
  firstDifference, INTERFACES, lbsimPcap, normalize, readFrames, referenceBytes, referencePcap, referenceText, runLab,
  stepEndEpoch, stepOutput, stepStartEpoch, type LabRun,
} from './support.ts';

const U = 'http://10.0.0.1/';
const CURL5 = `curl -s ${U} ${U} ${U} ${U} ${U}`;
const LINKS = `links -dump ${U}`;
const WGET = `wget -O - ${U}`;
const wgets = (vip: string): string => `for i in $(seq 1 100); do wget -q -O - http://${vip}/ > /dev/null; done`;

let run: LabRun;
let window: string;

beforeAll(async () => {
  run = await runLab([
    'client1: for i in 1 2 3 4 5 6 7 8 9; do curl -s http://10.0.0.1/; done',
    'sleep 9',
    `client2: ${wgets('10.0.0.1')}`,
    `client2: ${wgets('10.0.0.2')}`,
    `client2: ${wgets('10.0.0.3')}`,
    'sleep 20',
    `client1: ${CURL5}`,
    `client1: ${LINKS}`,
    `client1: ${WGET}`,
    'sleep 6',
    'ws_round-robin: iptables -t nat -L -v -n -x',
    'ws_random: iptables -t nat -L -v -n -x',
    'ws_ip: iptables -t nat -L -v -n -x',
    'ws_round-robin: iptables -t nat -L -v -n --line-numbers',
    'ws_random: iptables -t nat -L -v -n --line-numbers',
    'ws_ip: iptables -t nat -L -v -n --line-numbers',
    'ws_round-robin: conntrack -L',
    'ws_random: conntrack -L',
    'ws_ip: conntrack -L',
  ], { start: '2026-11-28T12:37:25Z' });
  window = `frame.time_epoch >= ${stepStartEpoch(run, CURL5)} and frame.time_epoch <= ${stepEndEpoch(run, WGET) + 0.5}`;
});

describe('e3: per-packet match of the TCP frames on every host interface', () => {
  for (const iface of INTERFACES) {
    it(`${iface}: the three connections frame by frame`, (ctx) => {
      requireTsharkOrSkip(ctx);
      const real = normalize(readFrames(referencePcap('e3', iface), 'tcp'));
      const sim = normalize(readFrames(lbsimPcap(run, iface), `tcp and ${window}`));
      expect(firstDifference(real, sim)).toBeNull();
    });
  }

  it('client1-eth0: keep-alive requests 2..5 get no separate ACK; TSecr, TSval and IP IDs behave on both sides', (ctx) => {
    requireTsharkOrSkip(ctx);
    for (const [side, file, filter] of [
      ['real', referencePcap('e3', 'client1-eth0'), 'tcp'],
      ['lbsim', lbsimPcap(run, 'client1-eth0'), `tcp and ${window}`],
    ] as const) {
      const conns = connections(readFrames(file, filter));
      expect(conns.length, side).toBe(3);
      for (const c of conns) expect(connectionProblems(c, '10.0.0.10'), `${side} port ${c.clientPort}`).toEqual([]);
      const keepAlive = conns[0]?.frames ?? [];
      const pureServerAcks = keepAlive.filter((f) => f.ip?.src === '10.0.0.1' && f.tcp?.len === 0 && f.tcp.flags === 0x10);
      expect(pureServerAcks.length, `${side}: the server's pure ACKs (only the first GET's)`).toBe(1);
    }
  });

  it('ARP during e3: no broadcast request (caches are warm); any request is a unicast probe of a known neighbour, answered', (ctx) => {
    requireTsharkOrSkip(ctx);
    for (const iface of INTERFACES) {
      for (const [side, frames] of [
        ['real', readFrames(referencePcap('e3', iface), 'arp')],
        // Through the 6 s after wget: the reference caught server2's 5 s probe of its switch.
        ['lbsim', readFrames(lbsimPcap(run, iface), `arp and frame.time_epoch >= ${stepStartEpoch(run, CURL5)} and frame.time_epoch <= ${stepEndEpoch(run, WGET) + 6}`)],
      ] as const) {
        for (const f of frames) {
          expect(f.ethDst, `${side} ${iface}: ${JSON.stringify(f.arp)}`).not.toBe('ff:ff:ff:ff:ff:ff');
        }
        const requests = frames.filter((f) => f.arp?.op === 1).length;
        const replies = frames.filter((f) => f.arp?.op === 2).length;
        expect(replies, `${side} ${iface}`).toBe(requests);
      }
    }
  });
});

/** Each TCP stream's bytes per direction, from tshark's reassembly-free payload fields. */
function streams(file: string, filter: string): { c2s: Uint8Array; s2c: Uint8Array }[] {
  const rows = tsharkFields(file, ['tcp.stream', 'ip.src', 'tcp.payload'], { filter: `${filter} and tcp.len > 0` });
  const acc = new Map<string, number[]>();
  const order: string[] = [];
  for (const r of rows) {
    const stream = r['tcp.stream']?.[0] ?? '';
    if (!order.includes(stream)) order.push(stream);
    const key = `${stream}/${r['ip.src']?.[0] === '10.0.0.10' ? 'c2s' : 's2c'}`;
    const hex = (r['tcp.payload']?.[0] ?? '').replaceAll(':', '');
    const bytes = acc.get(key) ?? [];
    for (let i = 0; i < hex.length; i += 2) bytes.push(parseInt(hex.slice(i, i + 2), 16));
    acc.set(key, bytes);
  }
  return order.map((s) => ({ c2s: Uint8Array.from(acc.get(`${s}/c2s`) ?? []), s2c: Uint8Array.from(acc.get(`${s}/s2c`) ?? []) }));
}

const latin1 = (b: Uint8Array): string => new TextDecoder('latin1').decode(b);
const IMF_DATE = /^Date: (Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d GMT\r$/gm;

describe('e3: HTTP bytes', () => {
  for (const [n, what] of [[0, 'curl, 5 requests on one connection'], [1, 'links -dump'], [2, 'wget -O -']] as const) {
    it(`stream ${n} (${what}): requests byte-identical, responses identical but for Date`, (ctx) => {
      requireTsharkOrSkip(ctx);
      const sim = streams(lbsimPcap(run, 'client1-eth0'), window)[n];
      expect(sim).toBeDefined();
      const realC2s = referenceBytes(`e3/http-bytes/client1-eth0-stream${n}.c2s.bin`);
      const realS2c = referenceBytes(`e3/http-bytes/client1-eth0-stream${n}.s2c.bin`);
      expect(latin1(sim?.c2s ?? new Uint8Array())).toBe(latin1(realC2s));
      const s2c = latin1(sim?.s2c ?? new Uint8Array());
      const dates = s2c.match(IMF_DATE) ?? [];
      expect(dates.length, 'one well-formed Date per response').toBe((latin1(realS2c).match(IMF_DATE) ?? []).length);
      expect(s2c.replace(IMF_DATE, 'Date: *')).toBe(latin1(realS2c).replace(IMF_DATE, 'Date: *'));
    });
  }

  it('links -dump and wget print what the reference printed', () => {
    expect(stepOutput(run, LINKS)).toBe(referenceText('e3/links-dump.txt'));
    expect(stepOutput(run, WGET)).toContain(referenceText('e3/wget.out'));
  });
});

describe('e3: the switches\' counters after e1, 3 x 100 connections from client2, and e3', () => {
  const listing = (sw: string, cmd: string): string => run.steps.find((s) => s.host === sw && s.command === cmd)?.output ?? '';
  const LISTINGS: [string, string][] = [['iptables -t nat -L -v -n -x', 'x'], ['iptables -t nat -L -v -n --line-numbers', 'line-numbers']];

  for (const [cmd, suffix] of LISTINGS) {
    it(`ws_round-robin and ws_ip: ${cmd} byte-identical`, () => {
      for (const sw of ['ws_round-robin', 'ws_ip']) expect(listing(sw, cmd), sw).toBe(referenceText(`e3/iptables/${sw}-nat-L-v-n-${suffix}.txt`));
    });

    it(`ws_random: ${cmd} identical but for how the 100 connections fell on the random rules`, () => {
      // -x prints exact counters; without it small numbers print the same, so one pattern serves.
      const dnat = /^(\d+ +)? +(\d+) +(\d+) DNAT /gm;
      const mask = (t: string): string => t.replace(dnat, (_m, num: string | undefined) => `${num ?? ''}n 60*n DNAT `);
      const sum = (t: string): number => [...t.matchAll(dnat)].reduce((a, m) => {
        expect(Number(m[3])).toBe(60 * Number(m[2]));
        return a + Number(m[2]);
      }, 0);
      const real = referenceText(`e3/iptables/ws_random-nat-L-v-n-${suffix}.txt`);
      const out = listing('ws_random', cmd);
      expect(mask(out)).toBe(mask(real));
      expect(sum(out)).toBe(sum(real));
      expect(sum(out)).toBe(100);
    });
  }
});

describe('e3: the switches\' conntrack tables (every connection of the session still in TIME_WAIT)', () => {
  for (const sw of ['ws_round-robin', 'ws_random', 'ws_ip']) {
    it(`${sw}: the same entries as the reference, timeouts and ports aside${sw === 'ws_random' ? ' (and the randomly chosen servers)' : ''}`, () => {
      const shape = (text: string): string[] =>
        text.split('\n').filter((l) => l !== '' && !l.startsWith('conntrack v'))
          .map((l) => {
            let x = l
              .replace(/^(tcp {6}6) (\d+) /, (_m, head: string, t: string) => `${head} ${Number(t) <= 120 ? 'T' : `bad-timeout-${t}`} `)
              .replace(/sport=(\d+) dport=80 (.*) sport=80 dport=\1 /, 'sport=P dport=80 $2 sport=80 dport=P ');
            if (sw === 'ws_random') x = x.replace(/ src=100\.0\.0\.[123] /, ' src=SERVER ');
            return x;
          })
          .sort();
      const out = run.steps.find((s) => s.host === sw && s.command === 'conntrack -L')?.output ?? '';
      const real = shape(referenceText(`e3/conntrack/${sw}.txt`));
      expect(real.length).toBeGreaterThan(99);
      expect(shape(out)).toEqual(real);
    });
  }
});
