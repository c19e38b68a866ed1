import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readPcap, readPcapng } from '../../src/pcap/index.ts';
import { Pinger, UdpLayer, type HookName, type HookVerdict, type PacketFilter } from '../../src/stack/index.ts';
import { requireTsharkOrSkip, tsharkCheck, tsharkFields } from '../support/tshark.ts';
import { captureToMemory, ip, routed } from './support.ts';

const SEC = 1e9;

/** A little of everything: pings across the router, a TTL expiry, an ARP failure, a closed UDP port. */
function scenario(seed: number, opts: { filterNotes?: boolean } = {}): Map<string, Uint8Array> {
  const { net, client, router, server } = routed({ seed });
  if (opts.filterNotes === true) {
    const f: PacketFilter = {
      hook(h: HookName, _p: Uint8Array, _i: string | null, _o: string | null, notes: string[]): HookVerdict {
        if (h === 'FORWARD') notes.push(`router FORWARD accepted`);
        return { kind: 'ACCEPT' };
      },
    };
    router.filter = f;
  }
  const cap = captureToMemory(net);
  new Pinger(client, { dst: ip('100.0.0.1'), count: 3 }).start();
  net.scheduler.runUntil(5 * SEC);
  new Pinger(client, { dst: ip('100.0.0.1'), count: 1, ttl: 1 }).start();
  net.scheduler.runUntil(6 * SEC);
  new Pinger(client, { dst: ip('100.0.0.99'), count: 1 }).start();
  net.scheduler.runUntil(10 * SEC);
  const uc = new UdpLayer(client);
  new UdpLayer(server);
  uc.bind(33434, { onDatagram: () => {} });
  uc.send(33434, ip('100.0.0.1'), 33435, new TextEncoder().encode('hello'));
  net.scheduler.runUntil(11 * SEC);
  void router;
  return cap.finish();
}

function sameBytes(x: Uint8Array, y: Uint8Array): boolean {
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

function writeAll(files: Map<string, Uint8Array>): string {
  const dir = mkdtempSync(join(tmpdir(), 'lbsim-stack-'));
  for (const [name, bytes] of files) writeFileSync(join(dir, name), bytes);
  return dir;
}

describe('capture', () => {
  it('writes a pcap per interface and per domain, a merged pcapng and a trace', () => {
    const files = scenario(1);
    expect([...files.keys()].sort()).toEqual([
      'client1-eth0.pcap',
      'domain-A.pcap',
      'domain-B.pcap',
      'lab.pcapng',
      'router-eth0.pcap',
      'router-eth1.pcap',
      'server1-eth0.pcap',
      'trace.txt',
    ]);
    const c = readPcap(files.get('client1-eth0.pcap')!);
    if ('kind' in c) throw new Error(String(c));
    // Timestamps start at the scenario start, 2011-10-26T10:30:00Z.
    expect(c.packets[0]?.tsSec).toBe(1319625000);
    const ng = readPcapng(files.get('lab.pcapng')!);
    if ('kind' in ng) throw new Error(String(ng));
    expect(ng.interfaces.map((i) => i.name)).toEqual(['client1-eth0', 'router-eth0', 'router-eth1', 'server1-eth0']);
    // Every frame shows once per interface capture it crossed, once per side in the merged file.
    const perIface = ['client1-eth0', 'router-eth0', 'router-eth1', 'server1-eth0'].reduce((n, f) => {
      const p = readPcap(files.get(`${f}.pcap`)!);
      if ('kind' in p) throw new Error(String(p));
      return n + p.packets.length;
    }, 0);
    expect(ng.packets.length).toBe(perIface);
    const trace = new TextDecoder().decode(files.get('trace.txt')!).split('\n').filter((l) => l !== '');
    expect(trace.length).toBe(perIface);
    for (const l of trace) expect(l).toMatch(/^\d+\.\d{9} (client1|router|server1)-eth\d (in|out) \S/);
    expect(trace[0]).toMatch(/^0\.000000000 client1-eth0 out ARP/);
  });

  it('the same seed gives identical bytes; another seed does not', () => {
    const a = scenario(1);
    const b = scenario(1);
    for (const [name, bytes] of a) expect(sameBytes(bytes, b.get(name)!), name).toBe(true);
    const c = scenario(2);
    // The ping identifier and the IP IDs of echo replies come from the seed.
    expect(sameBytes(a.get('lab.pcapng')!, c.get('lab.pcapng')!)).toBe(false);
  });

  it('tshark: 0 malformed, 0 bad checksums in every capture; TTL 63 beyond the router', (ctx) => {
    requireTsharkOrSkip(ctx);
    const dir = writeAll(scenario(1));
    for (const f of ['client1-eth0.pcap', 'router-eth0.pcap', 'router-eth1.pcap', 'server1-eth0.pcap', 'domain-A.pcap', 'domain-B.pcap', 'lab.pcapng']) {
      const r = tsharkCheck(join(dir, f));
      expect(r.stderr, f).toBe('');
      expect(r.frames, f).toBeGreaterThan(0);
      expect(r.malformed, f).toEqual([]);
      expect(r.badChecksums, f).toEqual([]);
    }
    const reqs = tsharkFields(join(dir, 'server1-eth0.pcap'), ['ip.ttl', 'ip.src'], { filter: 'icmp.type == 8' });
    expect(reqs.map((r) => r['ip.ttl']?.[0])).toEqual(['63', '63', '63']);
    const replies = tsharkFields(join(dir, 'client1-eth0.pcap'), ['ip.ttl'], { filter: 'icmp.type == 0' });
    expect(replies.map((r) => r['ip.ttl']?.[0])).toEqual(['63', '63', '63']);
    // Wireshark matches each request with its reply.
    const matched = tsharkFields(join(dir, 'client1-eth0.pcap'), ['icmp.resp_in'], {
      filter: 'icmp.type == 8 && ip.dst == 100.0.0.1',
      extraArgs: ['-2'],
    });
    expect(matched.filter((r) => (r['icmp.resp_in'] ?? []).length === 1).length).toBe(3);
    const unreach = tsharkFields(join(dir, 'client1-eth0.pcap'), ['icmp.type', 'icmp.code', 'ip.src'], { filter: 'icmp.type == 3 || icmp.type == 11' });
    expect(unreach.map((r) => `${r['icmp.type']?.[0]}/${r['icmp.code']?.[0]} ${r['ip.src']?.[0]}`)).toEqual([
      '11/0 10.0.0.1',
      '3/1 10.0.0.1',
      '3/3 100.0.0.1',
    ]);
  });

  it('tshark reads the merged pcapng: interface names, directions and packet comments', (ctx) => {
    requireTsharkOrSkip(ctx);
    const dir = writeAll(scenario(1, { filterNotes: true }));
    const rows = tsharkFields(join(dir, 'lab.pcapng'), ['frame.interface_name', 'frame.packet_flags_direction', 'frame.comment', 'icmp.type'], {
      filter: 'icmp.type == 8 && icmp.seq == 1 && ip.dst == 100.0.0.1',
    });
    // The first echo request on its way: sent by the client, received and sent by the router,
    // received by the server (pcapng direction 2 = outbound, 1 = inbound).
    expect(rows.slice(0, 4).map((r) => `${r['frame.interface_name']?.[0]} ${Number(r['frame.packet_flags_direction']?.[0])}`)).toEqual([
      'client1-eth0 2',
      'router-eth0 1',
      'router-eth1 2',
      'server1-eth0 1',
    ]);
    expect(rows[1]?.['frame.comment']).toEqual(['router FORWARD accepted']);
    expect(rows[2]?.['frame.comment']).toEqual(['router FORWARD accepted']);
    expect(rows[0]?.['frame.comment'] ?? []).toEqual([]);
  });
});
