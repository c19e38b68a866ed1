// The real Netfilter wired into hosts: the lab's round-robin web switch in front of three servers.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Netfilter } from '../../src/netfilter/index.ts';
import { Network, Pinger, type Host, type HookName, type HookVerdict, type PingReply } from '../../src/stack/index.ts';
import { ipv4ToString, readIpv4 } from '../../src/wire/index.ts';
import { requireTsharkOrSkip, tsharkCheck, tsharkFields } from '../support/tshark.ts';
import { captureToMemory, ip, twoHosts } from './support.ts';

const SEC = 1e9;

function lab() {
  const net = new Network();
  const client = net.addHost('client1');
  const ws = net.addHost('ws_round-robin', { ipForward: true });
  net.connect(client, 'eth0', 'A');
  net.connect(ws, 'eth0', 'A');
  net.connect(ws, 'eth1', 'B');
  client.addAddress('eth0', ip('10.0.0.10'), 24);
  ws.addAddress('eth0', ip('10.0.0.1'), 24);
  ws.addAddress('eth1', ip('100.0.0.4'), 24);
  const servers = [1, 2, 3].map((n) => {
    const s = net.addHost(`server${n}`);
    net.connect(s, 'eth0', 'B');
    s.addAddress('eth0', ip(`100.0.0.${n}`), 24);
    return s;
  });
  const rules = [
    'iptables --table nat --append PREROUTING --destination 10.0.0.1 --match statistic --mode nth --every 3 --packet 0 --jump DNAT --to-destination 100.0.0.1',
    'iptables --table nat --append PREROUTING --destination 10.0.0.1 --match statistic --mode nth --every 2 --packet 0 --jump DNAT --to-destination 100.0.0.2',
    'iptables --table nat --append PREROUTING --destination 10.0.0.1 --jump DNAT --to-destination 100.0.0.3',
    'iptables --table nat --append POSTROUTING --source 10.0.0.0/24 --destination 100.0.0.0/24 --jump MASQUERADE',
  ];
  for (const r of rules) {
    const res = ws.netfilter.exec(r.split(' '));
    expect(res.stderr).toBe('');
    expect(res.exitCode).toBe(0);
  }
  return { net, client, ws, servers };
}

describe('netfilter in the stack', () => {
  it('host.netfilter adopts a Netfilter installed as the filter instead of making a second one', () => {
    const net = new Network();
    const h = net.addHost('h');
    const nf = new Netfilter(h.filterEnv(), h.rng('netfilter'));
    h.filter = nf;
    expect(h.netfilter).toBe(nf);
    expect(h.netfilterIfUsed).toBe(nf);
    expect(net.addHost('g').netfilterIfUsed).toBe(null);
  });

  it('pings to the VIP are DNATed round robin and masqueraded; replies come back from the VIP', () => {
    const { net, client, servers } = lab();
    const cap = captureToMemory(net);
    const replies: PingReply[] = [];
    // Three pings with different identifiers: three ICMP "connections".
    for (let i = 0; i < 3; i++) {
      net.scheduler.runUntil(i * SEC);
      new Pinger(client, { dst: ip('10.0.0.1'), count: 1, ident: 100 + i }, { onReply: (r) => replies.push(r) }).start();
    }
    net.scheduler.runUntil(5 * SEC);
    expect(replies.map((r) => [r.from, r.ttl])).toEqual([
      [ip('10.0.0.1'), 63],
      [ip('10.0.0.1'), 63],
      [ip('10.0.0.1'), 63],
    ]);
    // One echo request reached each server, from the switch's inside address.
    expect(servers.map((s) => s.stats.ipInDelivers)).toEqual([1, 1, 1]);
    const trace = new TextDecoder().decode(cap.finish().get('trace.txt'));
    expect(trace).toContain('ws_round-robin-eth1 out');
  });

  describe('ICMP errors about a packet the switch was forwarding carry its conntrack entry (nf_ct_attach)', () => {
    /** The ICMP errors client1 receives: outer source, quoted source and destination. */
    function errorsAtClient(client: Host): string[] {
      const seen: string[] = [];
      client.filter = {
        hook(h: HookName, pkt: Uint8Array): HookVerdict {
          if (h === 'PREROUTING' && pkt[9] === 1 && (pkt[20] === 3 || pkt[20] === 11)) {
            seen.push(`type ${pkt[20]} from ${ipv4ToString(readIpv4(pkt, 12))} quoting ${ipv4ToString(readIpv4(pkt, 28 + 12))} -> ${ipv4ToString(readIpv4(pkt, 28 + 16))}`);
          }
          return { kind: 'ACCEPT' };
        },
      };
      return seen;
    }

    it('time exceeded for a DNATed packet quotes it as the client sent it (to the VIP)', () => {
      const { net, client, ws } = lab();
      const seen = errorsAtClient(client);
      // TTL 1: DNATed at PREROUTING, then too old to forward; the quote is half translated.
      new Pinger(client, { dst: ip('10.0.0.1'), count: 1, ttl: 1, ident: 9 }).start();
      net.scheduler.runUntil(2 * SEC);
      expect(seen).toEqual(['type 11 from 10.0.0.1 quoting 10.0.0.10 -> 10.0.0.1']);
      expect(ws.stats.icmpOutMsgs).toBe(1);
    });

    it("a REJECTed first packet's error is translated with its never-confirmed entry", () => {
      const { net, client, ws } = lab();
      expect(ws.netfilter.exec(['iptables', '-A', 'FORWARD', '-p', 'icmp', '-j', 'REJECT']).exitCode).toBe(0);
      const seen = errorsAtClient(client);
      new Pinger(client, { dst: ip('10.0.0.1'), count: 1, ident: 9 }).start();
      net.scheduler.runUntil(2 * SEC);
      expect(seen).toEqual(['type 3 from 10.0.0.1 quoting 10.0.0.10 -> 10.0.0.1']);
      // The refused packet's entry never joined the table; the error did not make one either.
      expect(ws.netfilter.conntrack.size).toBe(0);
    });
  });

  it('a looped-back packet keeps its conntrack entry: an OUTPUT DNAT to one of our own addresses connects', () => {
    const { net, a } = twoHosts();
    expect(a.addRoute({ dst: 0, prefixLen: 0, gateway: ip('10.0.0.1') })).toBe('ok');
    const rule = 'iptables -t nat -A OUTPUT -d 192.0.2.1 -p tcp --dport 80 -j DNAT --to-destination 10.0.0.10:8080';
    expect(a.netfilter.exec(rule.split(' ')).exitCode).toBe(0);
    const got: string[] = [];
    a.tcp.listen(8080, () => ({ onData: (_s, d) => got.push(new TextDecoder().decode(d)) }));
    let connected = false;
    // Looked up again at PREROUTING on lo, the DNATed SYN would make a second entry whose reply
    // tuple clashes with the first one's, and be dropped when it is confirmed.
    a.tcp.connect(ip('192.0.2.1'), 80, {
      onConnect: (sock) => {
        connected = true;
        sock.write(new TextEncoder().encode('hello'));
      },
    });
    net.scheduler.runUntil(SEC);
    expect(connected).toBe(true);
    expect(got.join('')).toBe('hello');
    expect(a.netfilter.conntrack.size).toBe(1);
    expect(a.stats.filterDrops).toBe(0);
  });

  it('tshark: 0 malformed, 0 bad checksums on both sides of the switch; comments in the pcapng', (ctx) => {
    requireTsharkOrSkip(ctx);
    const { net, client } = lab();
    const cap = captureToMemory(net);
    new Pinger(client, { dst: ip('10.0.0.1'), count: 2, ident: 7 }).start();
    net.scheduler.runUntil(5 * SEC);
    const files = cap.finish();
    const dir = mkdtempSync(join(tmpdir(), 'lbsim-nf-'));
    for (const [name, bytes] of files) writeFileSync(join(dir, name), bytes);
    for (const f of files.keys()) {
      if (f === 'trace.txt') continue;
      const r = tsharkCheck(join(dir, f));
      expect(r.malformed, f).toEqual([]);
      expect(r.badChecksums, f).toEqual([]);
    }
    const inside = tsharkFields(join(dir, 'server1-eth0.pcap'), ['ip.src', 'ip.dst', 'ip.ttl'], { filter: 'icmp.type == 8' });
    expect(inside.map((r) => `${r['ip.src']?.[0]} ${r['ip.dst']?.[0]} ${r['ip.ttl']?.[0]}`)).toEqual([
      '100.0.0.4 100.0.0.1 63',
      '100.0.0.4 100.0.0.1 63',
    ]);
    const comments = tsharkFields(join(dir, 'lab.pcapng'), ['frame.interface_name', 'frame.comment'], { filter: 'frame.comment' });
    expect(comments.length).toBeGreaterThan(0);
    expect(comments.every((r) => (r['frame.interface_name']?.[0] ?? '').startsWith('ws_round-robin-'))).toBe(true);
  });
});
