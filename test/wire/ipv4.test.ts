import { describe, expect, it } from 'vitest';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import {
  buildEthIpv4Tcp,
  buildEthIpv4Udp,
  TcpPacket,
  UdpPacket,
  emitIpv4,
  fromHex,
  IP_PROTO_TCP,
  IPV4_FLAG_DF,
  Ipv4Packet,
  ipv4BufferLen,
  isWireError,
  parseIpv4,
  verifyIpv4Checksum,
  type Ipv4Repr,
} from '../../src/wire/index.ts';
import { a5, CLIENT_IP, SYN_ACK_FRAME, SYN_FRAME, VIP_IP } from './fixtures.ts';

const SYN_IP = SYN_FRAME.subarray(14);
const SYN_IP_HEADER = SYN_IP.subarray(0, 20);
const REPR: Ipv4Repr = {
  tos: 0,
  ident: 0x10a3,
  flags: IPV4_FLAG_DF,
  fragOffset: 0,
  ttl: 64,
  protocol: IP_PROTO_TCP,
  src: CLIENT_IP,
  dst: VIP_IP,
  payloadLen: 40,
};

function kindOf(x: unknown): string | undefined {
  return isWireError(x) ? x.kind : undefined;
}

describe('IPv4', () => {
  it('deconstructs fixed bytes through the view', () => {
    const p = new Ipv4Packet(SYN_IP);
    expect(p.version).toBe(4);
    expect(p.headerLen).toBe(20);
    expect(p.totalLength).toBe(60);
    expect(p.ident).toBe(0x10a3);
    expect(p.flags).toBe(IPV4_FLAG_DF);
    expect(p.ttl).toBe(64);
    expect(p.protocol).toBe(6);
    expect(p.checksum).toBe(0x160f);
    expect(p.src).toBe(CLIENT_IP);
    expect(p.dst).toBe(VIP_IP);
    expect(p.verifyChecksum()).toBe(true);
  });
  it('constructs into a 0xa5-filled buffer', () => {
    const b = a5(20);
    expect(emitIpv4(REPR, b, 0)).toBe(20);
    expect(b).toEqual(SYN_IP_HEADER);
  });
  it('parses', () => {
    expect(parseIpv4(SYN_IP)).toEqual(REPR);
    expect(ipv4BufferLen(REPR)).toBe(60);
  });
  it('emits the SYN-ACK header (ID 0, TTL 63) byte-exactly', () => {
    const ip = SYN_ACK_FRAME.subarray(14);
    const r = parseIpv4(ip);
    if (isWireError(r)) throw new Error(r.message);
    const b = a5(20);
    emitIpv4(r, b);
    expect(b).toEqual(ip.subarray(0, 20));
  });
  it('preserves options through parse -> emit (record route + EOL)', () => {
    // IHL 7: RR option (type 7, len 7, ptr 4, one empty slot) then EOL.
    const hdr = fromHex('4700001c00004000400100000a0000010a000002' + '07070400000000' + '00');
    new Ipv4Packet(hdr).fillChecksum();
    const r = parseIpv4(hdr);
    if (isWireError(r)) throw new Error(r.message);
    expect(r.options).toEqual(hdr.subarray(20, 28));
    const b = a5(28);
    expect(emitIpv4(r, b)).toBe(28);
    expect(b).toEqual(hdr);
    expect(verifyIpv4Checksum(b)).toBe(true);
  });
  it('accepts Ethernet padding after the packet', () => {
    const padded = new Uint8Array(SYN_IP.length + 6);
    padded.set(SYN_IP);
    const r = parseIpv4(padded);
    expect(isWireError(r)).toBe(false);
  });
  it('malformed: truncated', () => {
    expect(kindOf(parseIpv4(SYN_IP, 0, 19))).toBe('truncated');
  });
  it('malformed: bad version', () => {
    const b = SYN_IP.slice();
    b[0] = 0x65;
    expect(kindOf(parseIpv4(b))).toBe('bad-version');
  });
  it('malformed: IHL < 5', () => {
    const b = SYN_IP.slice();
    b[0] = 0x44;
    const r = parseIpv4(b);
    expect(kindOf(r)).toBe('bad-ihl');
    expect(isWireError(r) && r.offset).toBe(0);
  });
  it('malformed: IHL past the buffer', () => {
    const b = SYN_IP.slice(0, 24);
    b[0] = 0x47;
    expect(kindOf(parseIpv4(b))).toBe('truncated');
  });
  it('malformed: total length past the buffer', () => {
    const r = parseIpv4(SYN_IP, 0, 59);
    expect(kindOf(r)).toBe('bad-total-length');
    expect(isWireError(r) && r.offset).toBe(2);
  });
  it('malformed: total length below the header length', () => {
    const b = SYN_IP.slice();
    b[3] = 19;
    expect(kindOf(parseIpv4(b))).toBe('bad-total-length');
  });
  it('malformed: option length overrunning', () => {
    const hdr = fromHex('4600001800004000400100000a0000010a000002' + '0709' + '0000');
    const r = parseIpv4(hdr);
    expect(kindOf(r)).toBe('bad-option-length');
    expect(isWireError(r) && r.offset).toBe(20);
  });
  it('forwarding and NAT setters keep both checksums exact', () => {
    const b = SYN_IP.slice();
    const p = new Ipv4Packet(b);
    p.decrementTtl();
    p.setSrcWithChecksumUpdate(0x0a000102);
    p.setDstWithChecksumUpdate(0x0a000103);
    p.setSrcPortWithChecksumUpdate(4242);
    expect(p.ttl).toBe(63);
    expect(p.verifyChecksum()).toBe(true);
    const full = b.slice();
    new Ipv4Packet(full).fillChecksum();
    expect(b).toEqual(full);
  });
});

describe('NAT setters (RFC 1624) == full recompute, seeded property test', () => {
  it('10,000 random TCP/UDP packets: rewrite addresses, ports and TTL', () => {
    const rng = xoroshiro128plus(1319625000);
    const r = (max: number): number => uniformInt(rng, 0, max);
    for (let n = 0; n < 10_000; n++) {
      const ip = { src: r(0xffffffff), dst: r(0xffffffff), ident: r(0xffff), ttl: 1 + r(254), tos: r(255) };
      const payload = new Uint8Array(r(40)).map(() => r(255));
      const udp = n % 3 === 0;
      const frame = udp
        ? buildEthIpv4Udp(1, 2, ip, { srcPort: r(0xffff), dstPort: r(0xffff), payload })
        : buildEthIpv4Tcp(1, 2, ip, {
            srcPort: r(0xffff),
            dstPort: r(0xffff),
            seq: r(0xffffffff),
            ack: r(0xffffffff),
            flags: r(0xff),
            window: r(0xffff),
            urgentPtr: 0,
            options: n % 2 ? [{ kind: 'timestamps', tsVal: r(0xffffffff), tsEcr: r(0xffffffff) }] : [],
            payload,
          });
      const pkt = frame.subarray(14);
      const p = new Ipv4Packet(pkt);
      const newAddr = n % 5 === 0 ? 0 : n % 7 === 0 ? 0xffffffff : r(0xffffffff);
      if (n % 2) p.setSrcWithChecksumUpdate(newAddr);
      else p.setDstWithChecksumUpdate(newAddr);
      if (n % 4 === 0) p.setSrcPortWithChecksumUpdate(r(0xffff));
      if (n % 4 === 1) p.setDstPortWithChecksumUpdate(r(0xffff));
      if (n % 3 === 1 && p.ttl > 0) p.decrementTtl();
      const incr = pkt.slice();
      p.fillChecksum();
      const segLen = p.payloadLen;
      if (udp) new UdpPacket(pkt, 20).fillChecksum(p.src, p.dst);
      else new TcpPacket(pkt, 20, segLen).fillChecksum(p.src, p.dst);
      if (incr.some((b, i) => b !== pkt[i])) {
        throw new Error(`case ${n}: incremental update differs from full recompute`);
      }
    }
  });
});
