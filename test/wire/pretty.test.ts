import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MemorySink, PcapWriter, readPcap } from '../../src/pcap/index.ts';
import {
  buildArpRequest,
  buildEthFrame,
  buildEthIpv4,
  buildEthIpv4Icmp,
  buildEthIpv4Tcp,
  buildEthIpv4Udp,
  isWireError,
  summarizeFrame,
  summarizeIpv4,
  TCP_ACK,
  TCP_CWR,
  TCP_ECE,
  TCP_PSH,
  TCP_RST,
  TCP_SYN,
  TCP_URG,
  TcpSeqTracker,
  type TcpRepr,
} from '../../src/wire/index.ts';
import { SYN_FRAME } from './fixtures.ts';

const FIX = fileURLToPath(new URL('./fixtures/real-kernel', import.meta.url));
const CAPTURES = ['e1-client1-eth0', 'e3-client1-eth0', 'e1-ws_round-robin-eth1'];

function frames(name: string): Uint8Array[] {
  const r = readPcap(new Uint8Array(readFileSync(join(FIX, `${name}.pcap`))));
  if (isWireError(r)) throw new Error(r.toString());
  return r.packets.map((p) => p.data);
}

function golden(name: string, flags: string): string[] {
  return readFileSync(join(FIX, `${name}.tcpdump-${flags}.txt`), 'utf8').split('\n').filter((l) => l !== '');
}

describe('pretty printer vs tcpdump goldens of real-kernel captures', () => {
  for (const name of CAPTURES) {
    it(`${name}: matches tcpdump -nn -t (relative sequence numbers)`, () => {
      const seq = new TcpSeqTracker();
      expect(frames(name).map((f) => summarizeFrame(f, { seq }))).toEqual(golden(name, 'nn-t'));
    });
    it(`${name}: matches tcpdump -nn -t -S (absolute)`, () => {
      expect(frames(name).map((f) => summarizeFrame(f))).toEqual(golden(name, 'nn-t-S'));
    });
    it(`${name}: matches tcpdump -nn -t -e (link level)`, () => {
      const seq = new TcpSeqTracker();
      expect(frames(name).map((f) => summarizeFrame(f, { seq, link: true }))).toEqual(golden(name, 'nn-t-e'));
    });
  }
});

const A = 0x0a00000a;
const B = 0x0a000001;
const MA = 0x02000a00000a;
const MB = 0x02000a000001;
const IP = { src: A, dst: B, ident: 1, ttl: 64 };
const tcp = (o: Partial<TcpRepr>): TcpRepr => ({
  srcPort: 40000,
  dstPort: 5000,
  seq: 1000,
  ack: 2000,
  flags: TCP_ACK,
  window: 100,
  urgentPtr: 0,
  options: [],
  ...o,
});

/** Crafted frames whose tcpdump -nn -t -S lines lbsim reproduces exactly (checked live below). */
function craftedFrames(): Uint8Array[] {
  const out: Uint8Array[] = [];
  out.push(buildEthIpv4Tcp(MA, MB, IP, tcp({ flags: TCP_RST, ack: 0, dstPort: 80 })));
  out.push(buildEthIpv4Tcp(MA, MB, IP, tcp({ flags: TCP_URG | TCP_ACK | TCP_PSH, urgentPtr: 5, payload: new Uint8Array(10) })));
  out.push(buildEthIpv4Tcp(MA, MB, IP, tcp({ flags: TCP_SYN | TCP_ECE | TCP_CWR })));
  out.push(buildEthIpv4Tcp(MA, MB, IP, tcp({ options: [{ kind: 'nop' }, { kind: 'nop' }, { kind: 'sack', blocks: [{ left: 5, right: 9 }] }] })));
  out.push(buildEthIpv4Tcp(MA, MB, IP, tcp({ options: [{ kind: 'unknown', type: 99, data: new Uint8Array([0xab, 0xcd]) }, { kind: 'eol' }] })));
  out.push(buildEthIpv4Tcp(MA, MB, IP, tcp({ flags: 0 })));
  out.push(buildEthIpv4Tcp(MA, MB, IP, tcp({ srcPort: 80, payload: new TextEncoder().encode('<html>hello</html>\n') })));
  out.push(buildEthIpv4Tcp(MA, MB, IP, tcp({ dstPort: 8080, payload: new TextEncoder().encode('POST /x HTTP/1.0\r\n\r\n') })));
  out.push(buildEthIpv4Tcp(MA, MB, IP, tcp({ dstPort: 80, payload: new TextEncoder().encode('get /partial') })));
  out.push(buildEthIpv4Tcp(MA, MB, IP, tcp({ srcPort: 80, payload: new TextEncoder().encode('RTSP/1.0 404 Gone\nx') })));
  out.push(buildEthIpv4Tcp(MA, MB, IP, tcp({ srcPort: 80, payload: new TextEncoder().encode('FOO / HTTP/1.1\r\n') })));
  out.push(buildEthIpv4Udp(MA, MB, IP, { srcPort: 40000, dstPort: 5000, payload: new Uint8Array(7) }));
  out.push(buildEthIpv4Icmp(MA, MB, IP, { kind: 'echoRequest', ident: 0x1234, seq: 1, data: new Uint8Array(56) }));
  out.push(buildEthIpv4Icmp(MB, MA, { ...IP, src: B, dst: A }, { kind: 'echoReply', ident: 0x1234, seq: 1, data: new Uint8Array(56) }));
  const quotedTcp = out[0]!.subarray(14);
  const quotedUdp = out[11]!.subarray(14);
  for (let code = 0; code <= 16; code++) {
    out.push(
      buildEthIpv4Icmp(MB, MA, { ...IP, src: B, dst: A }, {
        kind: 'destUnreachable',
        code,
        rest: code === 4 ? 1400 : 0,
        quoted: code === 3 ? quotedUdp : quotedTcp,
      }),
    );
  }
  for (const code of [0, 1, 5]) {
    out.push(buildEthIpv4Icmp(MB, MA, { ...IP, src: B, dst: A }, { kind: 'timeExceeded', code, rest: 0, quoted: quotedTcp.subarray(0, 28) }));
  }
  out.push(buildEthIpv4Icmp(MB, MA, { ...IP, src: B, dst: A }, { kind: 'other', icmpType: 42, code: 0, rest: 0, data: new Uint8Array(4) }));
  out.push(buildEthIpv4Icmp(MB, MA, { ...IP, src: B, dst: A }, { kind: 'other', icmpType: 13, code: 0, rest: 0x00070009, data: new Uint8Array(12) }));
  out.push(buildEthIpv4(MA, MB, { ...IP, flags: 0, fragOffset: 100 }, 17, new Uint8Array(16)));
  out.push(buildEthIpv4Tcp(MA, MB, { ...IP, options: new Uint8Array([7, 7, 4, 0, 0, 0, 0, 0]) }, tcp({})));
  const padded = new Uint8Array(60);
  padded.set(buildArpRequest(MA, A, B));
  out.push(padded);
  return out;
}

const CRAFTED_GOLDEN = [
  'IP 10.0.0.10.40000 > 10.0.0.1.80: Flags [R], seq 1000, win 100, length 0',
  'IP 10.0.0.10.40000 > 10.0.0.1.5000: Flags [P.U], seq 1000:1010, ack 2000, win 100, urg 5, length 10',
  'IP 10.0.0.10.40000 > 10.0.0.1.5000: Flags [SEW], seq 1000, win 100, length 0',
  'IP 10.0.0.10.40000 > 10.0.0.1.5000: Flags [.], ack 2000, win 100, options [nop,nop,sack 1 {5:9}], length 0',
  'IP 10.0.0.10.40000 > 10.0.0.1.5000: Flags [.], ack 2000, win 100, options [unknown-99 0xabcd,eol], length 0',
  'IP 10.0.0.10.40000 > 10.0.0.1.5000: Flags [none], win 100, length 0',
  'IP 10.0.0.10.80 > 10.0.0.1.5000: Flags [.], seq 1000:1019, ack 2000, win 100, length 19: HTTP',
  'IP 10.0.0.10.40000 > 10.0.0.1.8080: Flags [.], seq 1000:1020, ack 2000, win 100, length 20: HTTP: POST /x HTTP/1.0',
  'IP 10.0.0.10.40000 > 10.0.0.1.80: Flags [.], seq 1000:1012, ack 2000, win 100, length 12: HTTP: get /partial [|http]',
  'IP 10.0.0.10.80 > 10.0.0.1.5000: Flags [.], seq 1000:1019, ack 2000, win 100, length 19: HTTP: RTSP/1.0 404 Gone',
  'IP 10.0.0.10.80 > 10.0.0.1.5000: Flags [.], seq 1000:1016, ack 2000, win 100, length 16: HTTP',
  'IP 10.0.0.10.40000 > 10.0.0.1.5000: UDP, length 7',
  'IP 10.0.0.10 > 10.0.0.1: ICMP echo request, id 4660, seq 1, length 64',
  'IP 10.0.0.1 > 10.0.0.10: ICMP echo reply, id 4660, seq 1, length 64',
  'IP 10.0.0.1 > 10.0.0.10: ICMP net 10.0.0.1 unreachable, length 48',
  'IP 10.0.0.1 > 10.0.0.10: ICMP host 10.0.0.1 unreachable, length 48',
  'IP 10.0.0.1 > 10.0.0.10: ICMP 10.0.0.1 protocol 6 unreachable, length 48',
  'IP 10.0.0.1 > 10.0.0.10: ICMP 10.0.0.1 udp port 5000 unreachable, length 43',
  'IP 10.0.0.1 > 10.0.0.10: ICMP 10.0.0.1 unreachable - need to frag (mtu 1400), length 48',
  'IP 10.0.0.1 > 10.0.0.10: ICMP 10.0.0.1 unreachable - source route failed, length 48',
  'IP 10.0.0.1 > 10.0.0.10: ICMP net 10.0.0.1 unreachable - unknown, length 48',
  'IP 10.0.0.1 > 10.0.0.10: ICMP host 10.0.0.1 unreachable - unknown, length 48',
  'IP 10.0.0.1 > 10.0.0.10: ICMP 10.0.0.1 unreachable - source host isolated, length 48',
  'IP 10.0.0.1 > 10.0.0.10: ICMP net 10.0.0.1 unreachable - admin prohibited, length 48',
  'IP 10.0.0.1 > 10.0.0.10: ICMP host 10.0.0.1 unreachable - admin prohibited, length 48',
  'IP 10.0.0.1 > 10.0.0.10: ICMP net 10.0.0.1 unreachable - tos prohibited, length 48',
  'IP 10.0.0.1 > 10.0.0.10: ICMP host 10.0.0.1 unreachable - tos prohibited, length 48',
  'IP 10.0.0.1 > 10.0.0.10: ICMP host 10.0.0.1 unreachable - admin prohibited filter, length 48',
  'IP 10.0.0.1 > 10.0.0.10: ICMP host 10.0.0.1 unreachable - host precedence violation, length 48',
  'IP 10.0.0.1 > 10.0.0.10: ICMP host 10.0.0.1 unreachable - precedence cutoff, length 48',
  'IP 10.0.0.1 > 10.0.0.10: ICMP 10.0.0.1 unreachable - #16, length 48',
  'IP 10.0.0.1 > 10.0.0.10: ICMP time exceeded in-transit, length 36',
  'IP 10.0.0.1 > 10.0.0.10: ICMP ip reassembly time exceeded, length 36',
  'IP 10.0.0.1 > 10.0.0.10: ICMP time exceeded-#5, length 36',
  'IP 10.0.0.1 > 10.0.0.10: ICMP type-#42, length 12',
  'IP 10.0.0.1 > 10.0.0.10: ICMP time stamp query id 7 seq 9, length 20',
  'IP 10.0.0.10 > 10.0.0.1: ip-proto-17',
  'IP 10.0.0.10.40000 > 10.0.0.1.5000: Flags [.], ack 2000, win 100, length 0',
  'ARP, Request who-has 10.0.0.1 tell 10.0.0.10, length 46',
];

function hasTcpdump(): boolean {
  return spawnSync('tcpdump', ['--version'], { encoding: 'utf8' }).status === 0;
}

describe('pretty printer on crafted frames', () => {
  it('prints the golden lines (absolute sequence numbers)', () => {
    expect(craftedFrames().map((f) => summarizeFrame(f))).toEqual(CRAFTED_GOLDEN);
  });
  it('agrees with the installed tcpdump -nn -t -S on the same frames', (ctx) => {
    if (!hasTcpdump()) {
      // tcpdump is a cross-check only: the goldens above were taken from tcpdump 4.99.3.
      console.warn('skipped: tcpdump not found on PATH; the committed goldens still ran');
      ctx.skip('tcpdump not found on PATH');
    }
    const dir = mkdtempSync(join(tmpdir(), 'lbsim-pretty-'));
    try {
      const sink = new MemorySink();
      const w = new PcapWriter(sink);
      for (const f of craftedFrames()) w.writePacket(1319625000, 0, f);
      w.close();
      const file = join(dir, 'crafted.pcap');
      writeFileSync(file, sink.bytes());
      const out = spawnSync('tcpdump', ['-nn', '-t', '-S', '-r', file], { encoding: 'utf8' });
      expect(out.stdout.split('\n').filter((l) => l !== '')).toEqual(CRAFTED_GOLDEN);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('prints bare IPv4 packets (no link header) the same way', () => {
    expect(summarizeIpv4(SYN_FRAME.subarray(14))).toBe(
      'IP 10.0.0.10.44656 > 10.0.0.1.80: Flags [S], seq 105850268, win 64240, options [mss 1460,sackOK,TS val 3442824986 ecr 0,nop,wscale 7], length 0',
    );
    expect(summarizeIpv4(SYN_FRAME.subarray(14, 30))).toBe('IP [malformed IPv4: truncated at 0: IPv4 header needs 20 bytes, have 16]');
  });
  it('prints non-IP ethertypes with their link header', () => {
    expect(summarizeFrame(buildEthFrame(MA, MB, 0x88b5, new Uint8Array(46)))).toBe(
      '02:00:0a:00:00:0a > 02:00:0a:00:00:01, ethertype Unknown (0x88b5), length 60',
    );
  });
});

describe('pretty printer on malformed frames', () => {
  it('prints a frame shorter than an Ethernet header', () => {
    expect(summarizeFrame(new Uint8Array(10))).toBe('[malformed Ethernet: truncated at 0: Ethernet header needs 14 bytes, have 10]');
  });
  it('prints IPv4 errors with addresses when it can', () => {
    const f = SYN_FRAME.slice();
    f[14] = 0x44;
    expect(summarizeFrame(f)).toBe('IP 10.0.0.10 > 10.0.0.1: [malformed IPv4: bad-ihl at 14: IHL 4 < 5]');
    const g = SYN_FRAME.slice(0, 40);
    expect(summarizeFrame(g)).toBe('IP 10.0.0.10 > 10.0.0.1: [malformed IPv4: bad-total-length at 16: total length 60 past the 26 bytes available]');
    const h = SYN_FRAME.slice();
    h[14] = 0x65;
    expect(summarizeFrame(h)).toBe('IP [malformed IPv4: bad-version at 14: IP version 6, expected 4]');
    expect(summarizeFrame(SYN_FRAME.slice(0, 20))).toBe('IP [malformed IPv4: truncated at 14: IPv4 header needs 20 bytes, have 6]');
  });
  it('prints TCP errors with the ports', () => {
    const f = SYN_FRAME.slice();
    f[14 + 20 + 12] = 0x40;
    expect(summarizeFrame(f)).toBe('IP 10.0.0.10.44656 > 10.0.0.1.80: [malformed TCP: bad-data-offset at 46: data offset 4 < 5]');
    const g = SYN_FRAME.slice();
    g[14 + 20 + 20 + 1] = 30;
    expect(summarizeFrame(g)).toBe(
      'IP 10.0.0.10.44656 > 10.0.0.1.80: [malformed TCP: bad-option-length at 54: TCP option 2 length 30 overruns the 20 bytes left]',
    );
  });
  it('prints ARP and UDP errors', () => {
    const a = buildArpRequest(MA, A, B).slice(0, 30);
    expect(summarizeFrame(a)).toBe('ARP, [malformed ARP: truncated at 14: Ethernet/IPv4 ARP needs 28 bytes, have 16]');
    const u = buildEthIpv4Udp(MA, MB, IP, { srcPort: 1, dstPort: 2, payload: new Uint8Array(4) });
    u[14 + 20 + 5] = 40;
    expect(summarizeFrame(u)).toBe('IP 10.0.0.10 > 10.0.0.1: [malformed UDP: bad-length at 38: UDP length 40 past the 12 bytes available]');
  });
  it('flags bad checksums on request', () => {
    const f = SYN_FRAME.slice();
    f[14 + 20 + 16] = f[14 + 20 + 16]! ^ 1;
    f[14 + 10] = f[14 + 10]! ^ 1;
    expect(summarizeFrame(f, { checksums: true })).toMatch(/length 0 \[bad tcp cksum\] \[bad ip cksum\]$/);
    expect(summarizeFrame(SYN_FRAME, { checksums: true })).not.toMatch(/bad/);
  });
  it('never throws on random bytes', () => {
    let x = 99;
    for (let n = 0; n < 2000; n++) {
      const f = SYN_FRAME.slice(0, 14 + ((x >>> 3) % 61));
      for (let k = 14; k < f.length; k += 1 + (x % 7)) {
        x = (x * 1103515245 + 12345) >>> 0;
        f[k] = x >>> 24;
      }
      f[14] = 0x40 | (f[14]! & 0x0f);
      expect(typeof summarizeFrame(f, { seq: new TcpSeqTracker(), checksums: true })).toBe('string');
    }
  });
});
