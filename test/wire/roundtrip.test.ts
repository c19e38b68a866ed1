import { describe, expect, it } from 'vitest';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readPcap } from '../../src/pcap/index.ts';
import {
  buildEthFrame,
  buildEthIpv4,
  emitFrame,
  ETHERTYPE_ARP,
  ETHERTYPE_IPV4,
  IP_PROTO_ICMP,
  IP_PROTO_TCP,
  IP_PROTO_UDP,
  tcpOptionLen,
  tcpOptionsLen,
  type FrameRepr,
  type Ipv4Repr,
  type TcpOption,
  type TcpRepr,
  isWireError,
  parseFrame,
  summarizeFrame,
  TCP_ACK,
  TCP_SYN,
  toHex,
} from '../../src/wire/index.ts';
import { ARP_REQUEST_FRAME, GET_FRAME, SYN_FRAME } from './fixtures.ts';

const FIX = fileURLToPath(new URL('./fixtures/real-kernel', import.meta.url));

function roundTrip(frame: Uint8Array, label: string): void {
  const r = parseFrame(frame);
  if (isWireError(r)) throw new Error(`${label}: ${r.toString()} — ${summarizeFrame(frame)}`);
  const back = emitFrame(r);
  if (toHex(back) !== toHex(frame)) {
    throw new Error(`${label}: re-emitted bytes differ\n  in  ${toHex(frame)}\n  out ${toHex(back)}\n  ${summarizeFrame(frame)}`);
  }
}

describe('parse -> emit of whole frames is byte-identical', () => {
  for (const name of ['e1-client1-eth0', 'e1-ws_round-robin-eth1', 'e3-client1-eth0']) {
    it(`every frame of the real-kernel ${name}.pcap`, () => {
      const cap = readPcap(new Uint8Array(readFileSync(join(FIX, `${name}.pcap`))));
      if (isWireError(cap)) throw new Error(cap.toString());
      expect(cap.packets.length).toBeGreaterThan(30);
      cap.packets.forEach((p, i) => roundTrip(p.data, `${name} frame ${i + 1}`));
    });
  }
  it('decodes the layers of a real GET', () => {
    const r = parseFrame(GET_FRAME);
    if (isWireError(r)) throw new Error(r.toString());
    expect(r.ip?.ident).toBe(0x10a5);
    expect(r.tcp?.flags).toBe(0x18);
    expect(r.tcp?.payload?.length).toBe(72);
    const s = parseFrame(SYN_FRAME);
    expect(!isWireError(s) && s.tcp !== undefined && (s.tcp.flags & (TCP_SYN | TCP_ACK))).toBe(TCP_SYN);
  });
  it('keeps Ethernet padding, other ethertypes, other protocols and fragments', () => {
    const padded = new Uint8Array(60);
    padded.set(ARP_REQUEST_FRAME);
    padded[59] = 0x77;
    roundTrip(padded, 'padded ARP');
    const paddedSyn = new Uint8Array(SYN_FRAME.length + 6).fill(0x5a);
    paddedSyn.set(SYN_FRAME);
    roundTrip(paddedSyn, 'padded SYN');
    roundTrip(buildEthFrame(1, 2, 0x86dd, new Uint8Array([1, 2, 3])), 'IPv6 ethertype');
    roundTrip(buildEthIpv4(1, 2, { src: 1, dst: 2, ident: 3, ttl: 4 }, 47, new Uint8Array([9, 8, 7])), 'GRE');
    roundTrip(buildEthIpv4(1, 2, { src: 1, dst: 2, ident: 3, ttl: 4, flags: 0, fragOffset: 3 }, 6, new Uint8Array(5)), 'fragment');
  });
  it('recomputes lengths and checksums after an edit', () => {
    const r = parseFrame(GET_FRAME);
    if (isWireError(r) || r.ip === undefined || r.tcp === undefined) throw new Error('not TCP');
    r.tcp.payload = new TextEncoder().encode('GET /x HTTP/1.1\r\n\r\n');
    r.ip.ident += 1;
    const out = emitFrame(r);
    expect(out.length).toBe(14 + 20 + 32 + 19);
    expect(summarizeFrame(out, { checksums: true })).toBe(
      'IP 10.0.0.10.44656 > 10.0.0.1.80: Flags [P.], seq 105850269:105850288, ack 3027561986, win 502, options [nop,nop,TS val 3442824986 ecr 1398749879], length 19: HTTP: GET /x HTTP/1.1',
    );
  });
  it('returns the malformed layer\'s error', () => {
    const f = SYN_FRAME.slice();
    f[14 + 20 + 12] = 0x30;
    const r = parseFrame(f);
    expect(isWireError(r) && [r.kind, r.offset]).toEqual(['bad-data-offset', 46]);
  });
});

describe('emit -> parse gives back the same Repr (seeded random headers)', () => {
  it('3,000 random Ethernet/IPv4/TCP|UDP|ICMP and ARP frames', () => {
    const rng = xoroshiro128plus(42);
    const r = (max: number): number => uniformInt(rng, 0, max);
    const bytes = (n: number): Uint8Array => new Uint8Array(n).map(() => r(255));
    const randomOptions = (): TcpOption[] => {
      const opts: TcpOption[] = [];
      const room = 40;
      for (;;) {
        const pick = r(8);
        const o: TcpOption =
          pick === 0 ? { kind: 'nop' }
          : pick === 1 ? { kind: 'mss', value: r(0xffff) }
          : pick === 2 ? { kind: 'wscale', shift: r(14) }
          : pick === 3 ? { kind: 'sackPermitted' }
          : pick === 4 ? { kind: 'timestamps', tsVal: r(0xffffffff), tsEcr: r(0xffffffff) }
          : pick === 5 ? { kind: 'sack', blocks: Array.from({ length: 1 + r(2) }, () => ({ left: r(0xffffffff), right: r(0xffffffff) })) }
          : pick === 6 ? { kind: 'unknown', type: 9 + r(200), data: bytes(r(6)) }
          : { kind: 'nop' };
        if (tcpOptionsLen([...opts, o]) > room || r(4) === 0) break;
        opts.push(o);
      }
      // Padding emitted by emitTcp comes back as EOL (kind 0) bytes; make the list end on a
      // 32-bit boundary with NOPs so the comparison is exact.
      while (tcpOptionsLen(opts) !== opts.reduce((n, o) => n + tcpOptionLen(o), 0)) opts.push({ kind: 'nop' });
      return opts;
    };
    for (let n = 0; n < 3000; n++) {
      const eth = { dst: r(0xffffff) * 0x1000000 + r(0xffffff), src: r(0xffffff) * 0x1000000 + r(0xffffff), ethertype: ETHERTYPE_IPV4 };
      let f: FrameRepr;
      if (n % 10 === 9) {
        eth.ethertype = ETHERTYPE_ARP;
        f = { eth, arp: { op: r(3), senderMac: r(0xffffffff), senderIp: r(0xffffffff), targetMac: r(0xffffffff), targetIp: r(0xffffffff) } };
      } else {
        const protocol = [IP_PROTO_TCP, IP_PROTO_UDP, IP_PROTO_ICMP][n % 3]!;
        const ip: Ipv4Repr = {
          tos: r(255),
          ident: r(0xffff),
          flags: r(7),
          fragOffset: 0,
          ttl: r(255),
          protocol,
          src: r(0xffffffff),
          dst: r(0xffffffff),
          payloadLen: 0,
        };
        if (n % 7 === 0) ip.options = new Uint8Array([1, 1, 1, 0]);
        f = { eth, ip };
        if (protocol === IP_PROTO_TCP) {
          const tcp: TcpRepr = {
            srcPort: r(0xffff),
            dstPort: r(0xffff),
            seq: r(0xffffffff),
            ack: r(0xffffffff),
            flags: r(0xfff),
            window: r(0xffff),
            urgentPtr: r(0xffff),
            options: randomOptions(),
          };
          const p = r(3) === 0 ? 0 : r(300);
          if (p > 0) tcp.payload = bytes(p);
          f.tcp = tcp;
        } else if (protocol === IP_PROTO_UDP) {
          f.udp = { srcPort: r(0xffff), dstPort: r(0xffff), payload: bytes(r(100)) };
        } else {
          const k = r(3);
          f.icmp =
            k === 0 ? { kind: 'echoRequest', ident: r(0xffff), seq: r(0xffff), data: bytes(r(64)) }
            : k === 1 ? { kind: 'destUnreachable', code: r(15), rest: r(0xffff), quoted: bytes(28) }
            : { kind: 'timeExceeded', code: r(1), rest: 0, quoted: bytes(28) };
        }
      }
      const wire = emitFrame(f);
      const back = parseFrame(wire);
      if (isWireError(back)) throw new Error(`case ${n}: ${back.toString()}`);
      if (back.ip !== undefined && f.ip !== undefined) f.ip.payloadLen = back.ip.payloadLen;
      expect(back, `case ${n}: ${summarizeFrame(wire)}`).toEqual(f);
      expect(emitFrame(back)).toEqual(wire);
    }
  });
});
