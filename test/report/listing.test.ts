import { describe, expect, it } from 'vitest';
import { dnatRulesFor, parseNatListing, policyOf } from '../../src/report/index.ts';

// Byte-exact listings from the real-kernel reference (../shared/reference/real-kernel/e1/iptables/).
const WITH_NUMBERS = `Chain PREROUTING (policy ACCEPT 0 packets, 0 bytes)
num   pkts bytes target     prot opt in     out     source               destination         
1        3   180 DNAT       0    --  *      *       0.0.0.0/0            10.0.0.1             statistic mode nth every 3 to:100.0.0.1
2        3   180 DNAT       0    --  *      *       0.0.0.0/0            10.0.0.1             statistic mode nth every 2 to:100.0.0.2
3        3   180 DNAT       0    --  *      *       0.0.0.0/0            10.0.0.1             to:100.0.0.3

Chain INPUT (policy ACCEPT 0 packets, 0 bytes)
num   pkts bytes target     prot opt in     out     source               destination         

Chain OUTPUT (policy ACCEPT 0 packets, 0 bytes)
num   pkts bytes target     prot opt in     out     source               destination         

Chain POSTROUTING (policy ACCEPT 0 packets, 0 bytes)
num   pkts bytes target     prot opt in     out     source               destination         
1        9   540 MASQUERADE  0    --  *      *       10.0.0.0/24          100.0.0.0/24        
`;

const EXACT = `Chain PREROUTING (policy ACCEPT 12 packets, 720 bytes)
    pkts      bytes target     prot opt in     out     source               destination         
       0        0 DNAT       0    --  *      *       10.0.0.10            10.0.0.3             to:100.0.0.1
  123456  7407360 DNAT       0    --  *      *       10.0.0.11            10.0.0.3             to:100.0.0.2

Chain POSTROUTING (policy ACCEPT 1235K packets, 10T bytes)
    pkts      bytes target     prot opt in     out     source               destination         
     100K      101K            0    --  *      *       0.0.0.0/0            0.0.0.0/0           
`;

describe('parseNatListing', () => {
  it('reads --line-numbers listings', () => {
    const chains = parseNatListing(WITH_NUMBERS);
    expect(chains.map((c) => c.name)).toEqual(['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING']);
    const pre = chains[0]!;
    expect(pre.rules.map((r) => [r.num, r.pkts.value, r.bytes.value, r.target, r.destination])).toEqual([
      [1, 3, 180, 'DNAT', '10.0.0.1'],
      [2, 3, 180, 'DNAT', '10.0.0.1'],
      [3, 3, 180, 'DNAT', '10.0.0.1'],
    ]);
    expect(pre.rules[0]!.matchText).toBe('statistic mode nth every 3 to:100.0.0.1');
    expect(chains[3]!.rules[0]).toMatchObject({ target: 'MASQUERADE', source: '10.0.0.0/24', destination: '100.0.0.0/24', matchText: '' });
  });
  it('reads -x listings, abbreviated counters and an empty target', () => {
    const chains = parseNatListing(EXACT);
    expect(chains[0]!.policyPkts).toEqual({ value: 12, text: '12', exact: true });
    expect(chains[0]!.rules[1]!.pkts.value).toBe(123456);
    expect(chains[1]!.policyPkts).toEqual({ value: 1235000, text: '1235K', exact: false });
    expect(chains[1]!.policyBytes.value).toBe(10e12);
    expect(chains[1]!.rules[0]).toMatchObject({ target: '', prot: '0', source: '0.0.0.0/0' });
  });
  it('names the line of a listing it cannot read', () => {
    expect(() => parseNatListing('garbage')).toThrow(/line 1: 'garbage' is outside a chain/);
    expect(() => parseNatListing('Chain X (policy ACCEPT 0 packets, 0 bytes)\n   1x 2 DNAT')).toThrow(/counter '1x'/);
  });
});

describe('dnatRulesFor and policyOf', () => {
  const servers = [1, 2, 3].map((i) => ({ index: i, host: `server${i}`, address: `100.0.0.${i}` }));
  it('turns the round-robin chain into nth rules', () => {
    const rules = dnatRulesFor(parseNatListing(WITH_NUMBERS), '10.0.0.1', servers);
    expect(rules.map((r) => [r.num, r.match, r.server])).toEqual([
      [1, { kind: 'nth', every: 3, packet: 0 }, 1],
      [2, { kind: 'nth', every: 2, packet: 0 }, 2],
      [3, { kind: 'always' }, 3],
    ]);
    expect(policyOf(rules)).toBe('round-robin');
  });
  it('turns the source-IP chain into source rules', () => {
    const rules = dnatRulesFor(parseNatListing(EXACT), '10.0.0.3', servers);
    expect(rules.map((r) => r.match)).toEqual([
      { kind: 'source', source: '10.0.0.10' },
      { kind: 'source', source: '10.0.0.11' },
    ]);
    expect(policyOf(rules)).toBe('source-ip');
  });
});
