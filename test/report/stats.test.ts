import { describe, expect, it } from 'vitest';
import type { DnatRule, Q2Run, Vip } from '../../src/report/index.ts';
import { effectiveProbability, expectationFor, nthOutcome, wilsonInterval, Z95 } from '../../src/report/index.ts';

describe('wilsonInterval', () => {
  // Hand computation for 37/100, z = 1.959964 (z² = 3.841459):
  //   centre = (0.37 + 3.841459/200) / (1 + 3.841459/100) = 0.389207 / 1.038415 = 0.374809
  //   half   = 1.959964 / 1.038415 * sqrt(0.37*0.63/100 + 3.841459/40000)
  //          = 1.887457 * sqrt(0.002331 + 0.0000960365) = 1.887457 * 0.0492650 = 0.0929857
  //   => [0.281823, 0.467795]
  it('matches the hand-computed interval for 37 of 100', () => {
    const { lo, hi } = wilsonInterval(37, 100);
    expect(lo).toBeCloseTo(0.281823, 5);
    expect(hi).toBeCloseTo(0.467795, 5);
  });
  // 5/10: centre 0.5 exactly; half = 1.959964/1.384146 * sqrt(0.025 + 0.0096036) = 1.416009*0.186021 = 0.263407
  it('is symmetric around 1/2 for 5 of 10 (the textbook 0.2366-0.7634)', () => {
    const { lo, hi } = wilsonInterval(5, 10);
    expect(lo).toBeCloseTo(0.236593, 5);
    expect(hi).toBeCloseTo(0.763407, 5);
  });
  // 0/10: lo = 0, hi = (z²/20 + z/2*sqrt(z²)/10... ) = z²/(n+z²) = 3.841459/13.841459 = 0.277532
  it('reaches 0 at zero successes and stays inside [0, 1]', () => {
    const { lo, hi } = wilsonInterval(0, 10);
    expect(lo).toBe(0);
    expect(hi).toBeCloseTo(0.277532, 5);
    const top = wilsonInterval(10, 10);
    expect(top.hi).toBe(1);
    expect(top.lo).toBeCloseTo(1 - 0.277532, 5);
  });
  it('uses z = 1.96 for 95%', () => {
    expect(Z95).toBeCloseTo(1.959964, 6);
  });
  it('refuses impossible inputs', () => {
    expect(() => wilsonInterval(11, 10)).toThrow(/0 <= successes <= n/);
    expect(() => wilsonInterval(0, 0)).toThrow(RangeError);
  });
});

describe('effectiveProbability', () => {
  it('rounds to the kernel threshold (0.33 lists as 0.33000000007)', () => {
    expect(effectiveProbability(0.33).toFixed(11)).toBe('0.33000000007');
    expect(effectiveProbability(0.5)).toBe(0.5);
  });
});

const server = (n: number): number => n;
const rr: DnatRule[] = [
  { num: 1, match: { kind: 'nth', every: 3, packet: 0 }, toAddress: '100.0.0.1', server: server(1) },
  { num: 2, match: { kind: 'nth', every: 2, packet: 0 }, toAddress: '100.0.0.2', server: server(2) },
  { num: 3, match: { kind: 'always' }, toAddress: '100.0.0.3', server: server(3) },
];

describe('nthOutcome', () => {
  it('gives 1,2,3,1,2,3... as measured on Linux (9 connections: 3/3/3)', () => {
    const { counts, noServer } = nthOutcome(rr, 0, 9);
    expect([counts.get(1), counts.get(2), counts.get(3), noServer]).toEqual([3, 3, 3, 0]);
  });
  it('continues from the counters left by earlier connections', () => {
    // 2 before: connections 3..102 start with server 3.
    const { counts } = nthOutcome(rr, 2, 100);
    expect([counts.get(1), counts.get(2), counts.get(3)]).toEqual([33, 33, 34]);
    const one = nthOutcome(rr, 1, 1);
    expect([...one.counts.entries()]).toEqual([[2, 1]]);
  });
  it('honours --packet', () => {
    const rules: DnatRule[] = [{ num: 1, match: { kind: 'nth', every: 3, packet: 2 }, toAddress: '100.0.0.1', server: 1 }];
    expect(nthOutcome(rules, 0, 3)).toEqual({ counts: new Map([[1, 1]]), noServer: 2 });
  });
});

function run(counts: number[], before = 0): Q2Run {
  return {
    vip: '10.0.0.9',
    client: 'c',
    command: 'x',
    stdout: '',
    requests: 100,
    counts: counts.map((count, i) => ({ server: i + 1, count })),
    connectionsBefore: before,
    captureFile: 'c.pcap',
    firstStream: 0,
    lastStream: 99,
  };
}
const vip = (rules: DnatRule[]): Vip => ({ address: '10.0.0.9', switchHost: 'ws', outsideIface: 'eth0', insideIface: 'eth1', insideAddress: '100.0.0.9', policy: 'other', rules });

describe('expectationFor', () => {
  it('random: 33 / 33.5 / 33.5 with a Wilson check per server', () => {
    const rules: DnatRule[] = [
      { num: 1, match: { kind: 'random', probability: 0.33 }, toAddress: '100.0.0.1', server: 1 },
      { num: 2, match: { kind: 'random', probability: 0.5 }, toAddress: '100.0.0.2', server: 2 },
      { num: 3, match: { kind: 'always' }, toAddress: '100.0.0.3', server: 3 },
    ];
    const e = expectationFor(vip(rules), run([37, 32, 31]), '10.0.0.10');
    expect(e.kind).toBe('random');
    if (e.kind !== 'random') return;
    expect(e.perServer.map((c) => c.probability)).toEqual([
      expect.closeTo(0.330000000075, 11),
      expect.closeTo(0.3349999999625, 11),
      expect.closeTo(0.3349999999625, 11),
    ]);
    expect(e.perServer[0]!.interval.lo).toBeCloseTo(0.281823, 5);
    expect(e.allInside).toBe(true);
    // 20 of 100 for a 33% server: its interval [0.1333, 0.2888] misses 0.33.
    const off = expectationFor(vip(rules), run([20, 40, 40]), '10.0.0.10');
    expect(off.kind === 'random' && off.perServer.map((c) => c.inside)).toEqual([false, true, true]);
  });
  it('round robin: exact counts from the counters state', () => {
    const e = expectationFor(vip(rr), run([33, 33, 34], 2), '10.0.0.10');
    expect(e).toEqual({ kind: 'exact', counts: [{ server: 1, count: 33 }, { server: 2, count: 33 }, { server: 3, count: 34 }], noServer: 0, matches: true });
    const wrong = expectationFor(vip(rr), run([34, 33, 33], 2), '10.0.0.10');
    expect(wrong.kind === 'exact' && wrong.matches).toBe(false);
  });
  it('source IP: everything to the matching rule, nothing for an unknown client', () => {
    const rules: DnatRule[] = [
      { num: 1, match: { kind: 'source', source: '10.0.0.10' }, toAddress: '100.0.0.1', server: 1 },
      { num: 2, match: { kind: 'source', source: '10.0.0.11' }, toAddress: '100.0.0.2', server: 2 },
    ];
    const e = expectationFor(vip(rules), run([0, 100, 0]), '10.0.0.11');
    expect(e.kind === 'exact' && e.counts.map((c) => c.count)).toEqual([0, 100, 0]);
    expect(e.kind === 'exact' && e.matches).toBe(true);
    const none = expectationFor(vip(rules), run([0, 0, 0]), '10.0.0.12');
    expect(none.kind === 'exact' && none.noServer).toBe(100);
  });
  it('mixed nth and random: no closed form', () => {
    const rules: DnatRule[] = [rr[0]!, { num: 2, match: { kind: 'random', probability: 0.5 }, toAddress: '100.0.0.2', server: 2 }];
    expect(expectationFor(vip(rules), run([50, 50]), '10.0.0.10')).toEqual({ kind: 'none' });
  });
});
