import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { countPolicy, countRule, createIptablesState, evaluateRule } from '../../../src/netfilter/model.ts';
import type { Chain, IptablesState, PacketInfo, Ruleset } from '../../../src/netfilter/model.ts';
import { runLine } from './transcript.ts';

const here = new URL('./fixtures/reference/', import.meta.url);
const ref = (name: string): string => readFileSync(new URL(name, here), 'utf8');

/** The switches' boot lines, exactly as LAB.md gives them. */
const LAB_RULES: Record<string, string[]> = {
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

function boot(host: string): IptablesState {
  const state = createIptablesState(() => 0);
  for (const line of LAB_RULES[host] ?? []) {
    const r = runLine(state, line);
    expect(r.exitCode, r.stderr).toBe(0);
  }
  return state;
}

function syn(src: number, dst: number, sport: number): PacketInfo {
  return {
    src, dst, protocol: 6, sport, dport: 80, tcpFlags: 0x02, icmpType: -1, icmpCode: -1, fragment: false,
    inIface: 'eth0', outIface: null, ipTotalLen: 60, ctstate: 'NEW', ctSnat: false, ctDnat: false,
  };
}

/** A first packet through one nat chain: first matching rule with a NAT target wins. */
function natChain(rs: Ruleset, chain: Chain, pkt: PacketInfo): number {
  const rng = { u32: (): number => { throw new Error('no random draw expected'); } };
  for (let i = 0; i < chain.rules.length; i++) {
    const rule = chain.rules[i]!;
    if (evaluateRule(rule, pkt, rng)) {
      countRule(rule, pkt.ipTotalLen);
      return i + 1;
    }
  }
  countPolicy(rs, chain, pkt.ipTotalLen);
  return 0;
}

/** Set each rule's counters to the reference's numbers (for listings whose traffic is not replayed here). */
function loadCounts(state: IptablesState, referenceText: string, lineNumbers: boolean): void {
  const nat = state.nft.tables.get('nat')!;
  let chain: Chain | undefined;
  let k = 0;
  for (const line of referenceText.split('\n')) {
    const head = /^Chain (\S+)/.exec(line);
    if (head) {
      chain = nat.chains.get(head[1]!);
      k = 0;
      continue;
    }
    const m = (lineNumbers ? /^\d+\s+(\d+)\s+(\d+) (DNAT|MASQUERADE)/ : /^\s*(\d+)\s+(\d+) (DNAT|MASQUERADE)/).exec(line);
    if (m && chain) {
      const rule = chain.rules[k++]!;
      rule.counters = { pkts: Number(m[1]), bytes: Number(m[2]) };
    }
  }
}

describe('listings equal the real kernel reference listings (reference/real-kernel/*/iptables/)', () => {
  it('ws_round-robin: 9 connections go to rules 1,2,3,1,2,3,1,2,3 and list as e1 did (3/3/3, 180 bytes)', () => {
    const state = boot('ws_round-robin');
    const nat = state.nft.tables.get('nat')!;
    const pre = nat.chains.get('PREROUTING')!;
    const post = nat.chains.get('POSTROUTING')!;
    const order: number[] = [];
    for (let c = 0; c < 9; c++) {
      order.push(natChain(state.nft, pre, syn(0x0a00000a + (c % 2), 0x0a000001, 40000 + c)));
      const server = 0x64000000 + order[order.length - 1]!;
      natChain(state.nft, post, { ...syn(0x0a00000a + (c % 2), server, 40000 + c), inIface: null, outIface: 'eth1' });
    }
    expect(order).toEqual([1, 2, 3, 1, 2, 3, 1, 2, 3]);
    expect(runLine(state, 'iptables -t nat -L -v -n --line-numbers').stdout).toBe(ref('e1-ws_round-robin-nat-L-v-n-line-numbers.txt'));
    expect(runLine(state, 'iptables -t nat -L -v -n -x').stdout).toBe(ref('e1-ws_round-robin-nat-L-v-n-x.txt'));
  });

  it('a packet that fails -d does not move the nth counters', () => {
    const state = boot('ws_round-robin');
    const nat = state.nft.tables.get('nat')!;
    const pre = nat.chains.get('PREROUTING')!;
    expect(natChain(state.nft, pre, syn(0x0a00000a, 0x0a000002, 1))).toBe(0);
    expect(natChain(state.nft, pre, syn(0x0a00000a, 0x0a000001, 2))).toBe(1);
  });

  for (const e of ['e1', 'e3']) {
    for (const host of ['ws_round-robin', 'ws_random', 'ws_ip']) {
      for (const [suffix, flags] of [
        ['nat-L-v-n-line-numbers', '-t nat -L -v -n --line-numbers'],
        ['nat-L-v-n-x', '-t nat -L -v -n -x'],
      ] as const) {
        const name = `${e}-${host}-${suffix}.txt`;
        it(`${name}: the lab's boot lines, listed with the reference's counts`, () => {
          const state = boot(host);
          loadCounts(state, ref(name), suffix.includes('line-numbers'));
          expect(runLine(state, `iptables ${flags}`).stdout).toBe(ref(name));
        });
      }
    }
  }
});
