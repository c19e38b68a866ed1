// The lab's own command lines through Netfilter.exec, traffic through the hooks, and the listings
// compared with the real kernel's (fixtures/, copied from reference/real-kernel/e1): the engine
// moves exactly the counters the kernel moved. Also the two back ends' differences that only show
// with traffic: legacy policy counters, legacy nth reset on a table change.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TCP_ACK, TCP_FIN, TCP_SYN } from '../../../src/wire/index.ts';
import type { Netfilter } from '../../../src/netfilter/index.ts';
import { SEC, connection, forward, makeSwitch, syn, tcpPacket } from './helpers.ts';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

function run(nf: Netfilter, line: string): string {
  const r = nf.exec(line.split(' '));
  expect(r.exitCode, `${line}\n${r.stderr}`).toBe(0);
  return r.stdout;
}

/** LAB.md's boot lines of ws_round-robin, for either command. */
function roundRobinBoot(nf: Netfilter, iptables = 'iptables'): void {
  run(nf, `${iptables} --table nat --append PREROUTING --destination 10.0.0.1 --match statistic --mode nth --every 3 --jump DNAT --to-destination 100.0.0.1`);
  run(nf, `${iptables} --table nat --append PREROUTING --destination 10.0.0.1 --match statistic --mode nth --every 2 --jump DNAT --to-destination 100.0.0.2`);
  run(nf, `${iptables} --table nat --append PREROUTING --destination 10.0.0.1 --jump DNAT --to-destination 100.0.0.3`);
  run(nf, `${iptables} --table nat --append POSTROUTING --source 10.0.0.0/24 --destination 100.0.0.0/24 --jump MASQUERADE`);
}

/** e1: client1's 9 curl connections (its real ports), each closed by the client. */
const E1_PORTS = [44656, 44662, 44670, 44684, 44698, 44706, 44718, 44726, 44728];

describe('reference experiment e1 on ws_round-robin', () => {
  it('lists the nat table exactly as the real kernel did after the 9 connections', () => {
    const { nf, clock } = makeSwitch('ws_round-robin', '10.0.0.1', '100.0.0.4');
    roundRobinBoot(nf);
    const servers = E1_PORTS.map((p) => {
      clock.advance(SEC / 20);
      return connection(nf, '10.0.0.10', p, '10.0.0.1').server;
    });
    expect(servers).toEqual(E1_PORTS.map((_, i) => `100.0.0.${(i % 3) + 1}`));
    expect(run(nf, 'iptables -t nat -L -v -n -x')).toBe(fixture('ws_round-robin-nat-L-v-n-x.txt'));
    expect(run(nf, 'iptables -t nat -L -v -n --line-numbers')).toBe(fixture('ws_round-robin-nat-L-v-n-line-numbers.txt'));
  });

  it('lists the same conntrack entries (TIME_WAIT, 112 s left), in a hash order of its own', () => {
    const { nf, clock } = makeSwitch('ws_round-robin', '10.0.0.1', '100.0.0.4');
    roundRobinBoot(nf);
    for (const p of E1_PORTS) connection(nf, '10.0.0.10', p, '10.0.0.1');
    clock.advance(7.5 * SEC);
    const r = nf.exec(['conntrack', '-L']);
    const sorted = (s: string) => s.split('\n').filter(Boolean).sort();
    expect(sorted(r.stdout)).toEqual(sorted(fixture('ws_round-robin-conntrack-L.txt')));
    expect(r.stderr).toBe('conntrack v1.4.7 (conntrack-tools): 9 flow entries have been shown.\n');
  });
});

describe('reference listing of an idle switch', () => {
  it('ws_ip with the lab rules and no traffic', () => {
    const { nf } = makeSwitch('ws_ip', '10.0.0.3', '100.0.0.6');
    run(nf, 'iptables --table nat --append PREROUTING --destination 10.0.0.3 --source 10.0.0.10 --jump DNAT --to-destination 100.0.0.1');
    run(nf, 'iptables --table nat --append PREROUTING --destination 10.0.0.3 --source 10.0.0.11 --jump DNAT --to-destination 100.0.0.2');
    run(nf, 'iptables --table nat --append POSTROUTING --source 10.0.0.0/24 --destination 100.0.0.0/24 --jump MASQUERADE');
    expect(run(nf, 'iptables -t nat -L -v -n -x')).toBe(fixture('ws_ip-nat-L-v-n-x.txt'));
  });
});

describe('back ends with traffic', () => {
  /** Q2's learning phase: the switch as a plain router to each server (masqueraded, no DNAT), then 9 VIP connections. */
  function q2(iptables: string): Netfilter {
    const { nf } = makeSwitch('ws_round-robin', '10.0.0.1', '100.0.0.4');
    roundRobinBoot(nf, iptables);
    for (let n = 1; n <= 3; n++) {
      const t = forward(nf, syn('10.0.0.10', 40000 + n * 2, `100.0.0.${n}`), 'eth0', 'eth1');
      expect([...t.pkt.subarray(12, 20)].join('.')).toBe(`100.0.0.4.100.0.0.${n}`);
    }
    for (let i = 0; i < 9; i++) connection(nf, '10.0.0.11', 50000 + 2 * i, '10.0.0.1');
    return nf;
  }

  it('iptables-legacy counts first packets that fall off a chain in its policy; iptables-nft shows 0', () => {
    const legacy = run(q2('iptables-legacy'), 'iptables-legacy -t nat -L PREROUTING -v -n');
    expect(legacy.split('\n')[0]).toBe('Chain PREROUTING (policy ACCEPT 3 packets, 180 bytes)');
    const nft = run(q2('iptables'), 'iptables -t nat -L PREROUTING -v -n');
    expect(nft.split('\n')[0]).toBe('Chain PREROUTING (policy ACCEPT 0 packets, 0 bytes)');
    for (const text of [legacy, nft]) {
      expect(text.split('\n').slice(2, 5).map((l) => l.slice(0, 11))).toEqual(['    3   180', '    3   180', '    3   180']);
    }
  });

  it('iptables-legacy resets the nth counters on any change of the table; iptables-nft does not', () => {
    for (const [cmd, expected] of [
      ['iptables-legacy', '100.0.0.1'],
      ['iptables', '100.0.0.2'],
    ] as const) {
      const { nf } = makeSwitch('ws_round-robin', '10.0.0.1', '100.0.0.4');
      roundRobinBoot(nf, cmd);
      expect(connection(nf, '10.0.0.10', 40000, '10.0.0.1').server).toBe('100.0.0.1');
      run(nf, `${cmd} -t nat -A POSTROUTING -o eth1 -j RETURN`);
      expect(connection(nf, '10.0.0.10', 40002, '10.0.0.1').server, cmd).toBe(expected);
    }
  });

  it('a filter rule with -m conntrack sees NEW, ESTABLISHED and INVALID packets', () => {
    const { nf } = makeSwitch('fw', '10.0.1.1', '10.0.2.1');
    run(nf, 'iptables -A FORWARD -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT');
    run(nf, 'iptables -A FORWARD -m conntrack --ctstate NEW -i eth0 -o eth1 -j ACCEPT');
    run(nf, 'iptables -A FORWARD -m conntrack --ctstate INVALID -j DROP');
    run(nf, 'iptables -P FORWARD DROP');
    const s = forward(nf, syn('10.0.1.2', 40000, '10.0.2.2'), 'eth0', 'eth1');
    expect(s.verdict.kind).toBe('ACCEPT');
    const sa = forward(nf, tcpPacket({ src: '10.0.2.2', dst: '10.0.1.2', sport: 80, dport: 40000, flags: TCP_SYN | TCP_ACK, seq: 1, ack: 1001 }), 'eth1', 'eth0');
    expect(sa.verdict.kind).toBe('ACCEPT');
    // A new connection from the inside is not allowed.
    expect(forward(nf, syn('10.0.2.2', 40000, '10.0.1.2'), 'eth1', 'eth0').verdict.kind).toBe('DROP');
    // A FIN without ACK is not a valid flag combination: INVALID.
    expect(forward(nf, tcpPacket({ src: '10.0.2.2', dst: '10.0.1.2', sport: 81, dport: 1, flags: TCP_FIN }), 'eth1', 'eth0').verdict.kind).toBe('DROP');
    const listing = run(nf, 'iptables -L FORWARD -v -n -x');
    expect(listing.split('\n').slice(2, 5).map((l) => l.trim().split(/\s+/).slice(0, 2).join(' '))).toEqual(['1 40', '1 60', '1 40']);
  });
});
