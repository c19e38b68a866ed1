import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MemorySink, PcapngWriter, PcapWriter } from '../../src/pcap/index.ts';
import { buildArpRequest, buildEthIpv4Tcp, ipv4FromString, TCP_ACK, TCP_SYN, type TcpRepr } from '../../src/wire/index.ts';
import { lbsim, tempDir } from './support.ts';

const C = ipv4FromString('10.0.0.10');
const V = ipv4FromString('10.0.0.3');
const MAC_C = 0x02000a00000a;
const MAC_V = 0x02000a000003;

function syn(seq: number, ack = false): Uint8Array {
  const tcp: TcpRepr = {
    srcPort: 33790, dstPort: 80, seq, ack: ack ? 1 : 0, flags: TCP_SYN | (ack ? TCP_ACK : 0), window: 64240, urgentPtr: 0,
    options: [{ kind: 'mss', value: 1460 }, { kind: 'sackPermitted' }, { kind: 'timestamps', tsVal: 1, tsEcr: 0 }, { kind: 'nop' }, { kind: 'wscale', shift: 7 }],
  };
  return buildEthIpv4Tcp(MAC_C, MAC_V, { src: C, dst: V, ident: 0x3e2b, ttl: 64 }, tcp);
}

function pcap(frames: Uint8Array[]): Uint8Array {
  const sink = new MemorySink();
  const w = new PcapWriter(sink);
  frames.forEach((f, i) => w.writePacket(1319625000 + i, 50_000, f));
  w.close();
  return sink.bytes();
}

function write(dir: string, name: string, bytes: Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

describe('lbsim inspect', () => {
  const dir = tempDir();
  const arp = buildArpRequest(MAC_C, C, V);
  const good = write(dir, 'good.pcap', pcap([arp, syn(1000), syn(2000)]));
  const broken = syn(3000);
  broken[14 + 20 + 16] = broken[14 + 20 + 16]! ^ 0xff; // TCP checksum
  const bad = write(dir, 'bad.pcap', pcap([arp, syn(1000), broken]));

  it('prints one line per packet with its time', async () => {
    const r = await lbsim('inspect', good);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^ {5}1 1319625000\.000050 .*10\.0\.0\.3/);
    expect(lines[1]).toMatch(/^ {5}2 1319625001\.000050 .*10\.0\.0\.10\.33790 > 10\.0\.0\.3\.80/);
  });

  it('--verify: exit 0 when every checksum is good', async () => {
    const r = await lbsim('inspect', '--verify', good);
    expect(r).toMatchObject({ code: 0, stdout: `${good}: 3 packets, every checksum good\n` });
  });

  it('--verify: lists the bad packet and exits 1', async () => {
    const r = await lbsim('inspect', '--verify', bad);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^ {5}3 1319625002\.000050 .*\n {9}bad TCP checksum 0x[0-9a-f]{4}\n/);
    expect(r.stdout).toContain(`${bad}: 1 of 3 packets malformed or with bad checksums`);
  });

  it('pcapng: interface, direction and packet comments', async () => {
    const sink = new MemorySink();
    const w = new PcapngWriter(sink);
    const id = w.addInterface('ws_ip-eth0', 'ws_ip eth0');
    w.writePacket(id, 1319625000, 123_456_789, syn(5), { direction: 'in', comment: 'DNAT 10.0.0.3 -> 100.0.0.1' });
    w.close();
    const r = await lbsim('inspect', write(dir, 'x.pcapng', sink.bytes()));
    expect(r.stdout).toMatch(/^ {5}1 1319625000\.123456789 ws_ip-eth0 in .*\n {9}# DNAT 10\.0\.0\.3 -> 100\.0\.0\.1\n$/);
  });

  it('not a capture: exit 2 with the reason', async () => {
    const r = await lbsim('inspect', write(dir, 'junk.pcap', new TextEncoder().encode('hello, this is not a capture file')));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^lbsim: .*junk\.pcap: .*expected a pcap or pcapng file\n$/);
  });

  it('a missing file: exit 2', async () => {
    const r = await lbsim('inspect', join(dir, 'nope.pcap'));
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`lbsim: ${join(dir, 'nope.pcap')}: no such file or directory\n`);
  });
});

describe('lbsim diff', () => {
  const dir = tempDir();
  const a = write(dir, 'a.pcap', pcap([syn(1), syn(2), syn(3)]));
  const same = write(dir, 'same.pcap', pcap([syn(1), syn(2), syn(3)]));
  const other = write(dir, 'other.pcap', pcap([syn(1), syn(7), syn(3)]));
  const shorter = write(dir, 'short.pcap', pcap([syn(1), syn(2)]));

  it('identical captures: exit 0', async () => {
    const r = await lbsim('diff', a, same);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/identical: 3 packets\n$/);
  });

  it('names the first differing packet, its time, both summaries and the fields', async () => {
    const r = await lbsim('diff', a, other);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('first difference at packet 2 (time A 1319625001.000050, B 1319625001.000050):');
    expect(r.stdout).toMatch(/\n {2}A: .*10\.0\.0\.10\.33790 > 10\.0\.0\.3\.80.*\n {2}B: .*\n/);
    expect(r.stdout).toContain('    tcp.seq_raw: A 2  B 7\n');
    expect(r.stdout).toMatch(/ {4}tcp\.checksum: A 0x[0-9a-f]{4} {2}B 0x[0-9a-f]{4}\n/);
    expect(r.stdout).not.toContain('ip.src');
  });

  it('one capture longer than the other', async () => {
    const r = await lbsim('diff', a, shorter);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('the first 2 packets are identical; A has more, from packet 3:');
  });
});
