import { describe, expect, it } from 'vitest';
import { evaluateRule, newRule, resetNthCounters, newTable } from '../../../src/netfilter/model.ts';
import type { PacketInfo, StatisticMatch } from '../../../src/netfilter/model.ts';

function pkt(over: Partial<PacketInfo> = {}): PacketInfo {
  return {
    src: 0x0a00000a, dst: 0x0a000001, protocol: 6, sport: 40000, dport: 80, tcpFlags: 2,
    icmpType: -1, icmpCode: -1, fragment: false, inIface: 'eth0', outIface: null, ipTotalLen: 60,
    ctstate: 'NEW', ctSnat: false, ctDnat: false, ...over,
  };
}
function nth(every: number, packet: number): StatisticMatch {
  return { kind: 'statistic', mode: 'nth', invert: false, every: every - 1, packet,
    nthStart: every - 1 - packet, nthCount: every - 1 - packet, threshold: 0, packetDefaulted: false };
}
const noRng = { u32: () => { throw new Error('no draw expected'); } };

describe('evaluateRule', () => {
  it('nth every 3 packet 0 matches evaluations 1, 4, 7', () => {
    const r = newRule();
    r.matches.push(nth(3, 0));
    const got = Array.from({ length: 7 }, () => evaluateRule(r, pkt(), noRng));
    expect(got).toEqual([true, false, false, true, false, false, true]);
  });
  it('nth every 3 packet 1 matches evaluation 2 first', () => {
    const r = newRule();
    r.matches.push(nth(3, 1));
    expect(Array.from({ length: 5 }, () => evaluateRule(r, pkt(), noRng))).toEqual([false, true, false, false, true]);
  });
  it('a packet failing -d does not move the nth counter', () => {
    const r = newRule();
    r.dst = { addr: 0x0a000001, mask: 0xffffffff, invert: false };
    const m = nth(2, 0);
    r.matches.push(m);
    expect(evaluateRule(r, pkt({ dst: 0x0a000002 }), noRng)).toBe(false);
    expect(m.nthCount).toBe(1);
    expect(evaluateRule(r, pkt(), noRng)).toBe(true);
    expect(evaluateRule(r, pkt(), noRng)).toBe(false);
  });
  it('resetNthCounters puts counters back to the start value', () => {
    const t = newTable('nat', 'legacy');
    const r = newRule();
    const m = nth(3, 0);
    r.matches.push(m);
    t.chains.get('PREROUTING')!.rules.push(r);
    evaluateRule(r, pkt(), noRng);
    expect(m.nthCount).toBe(0);
    resetNthCounters(t);
    expect(m.nthCount).toBe(2);
  });
  it('random mode compares the low 31 bits with the threshold', () => {
    const r = newRule();
    r.matches.push({ kind: 'statistic', mode: 'random', invert: false, every: 0, packet: 0, nthStart: 0, nthCount: 0,
      threshold: 708669604, packetDefaulted: false });
    expect(evaluateRule(r, pkt(), { u32: () => 0x80000000 + 708669603 })).toBe(true);
    expect(evaluateRule(r, pkt(), { u32: () => 708669604 })).toBe(false);
  });
  it('interface wildcard and inversion', () => {
    const r = newRule();
    r.inIface = { name: 'eth+', invert: true };
    expect(evaluateRule(r, pkt({ inIface: 'eth1' }), noRng)).toBe(false);
    expect(evaluateRule(r, pkt({ inIface: 'lo' }), noRng)).toBe(true);
  });
});
