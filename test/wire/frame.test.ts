import { describe, expect, it } from 'vitest';
import {
  allocBytes,
  copyBytes,
  encodeIcmp,
  encodeIpv4,
  encodeTcp,
  encodeUdp,
  buildArpReply,
  buildArpRequest,
  buildEthIpv4,
  buildEthIpv4Icmp,
  buildEthIpv4Tcp,
  buildEthIpv4Udp,
  ethIpv4TcpLen,
  fromHex,
  IP_PROTO_TCP,
  Ipv4Packet,
  IcmpPacket,
  TCP_ACK,
  TCP_PSH,
  TCP_SYN,
  UdpPacket,
  writeEthIpv4Tcp,
} from '../../src/wire/index.ts';
import { a5, ARP_REPLY_FRAME, ARP_REQUEST_FRAME, CLIENT_IP, CLIENT_MAC, GET_FRAME, SYN_FRAME, VIP_IP, VIP_MAC } from './fixtures.ts';

const SYN_OPTIONS = [
  { kind: 'mss', value: 1460 },
  { kind: 'sackPermitted' },
  { kind: 'timestamps', tsVal: 3442824986, tsEcr: 0 },
  { kind: 'nop' },
  { kind: 'wscale', shift: 7 },
] as const;

describe('frame builders', () => {
  it('build the real Linux SYN byte for byte', () => {
    const f = buildEthIpv4Tcp(CLIENT_MAC, VIP_MAC, { src: CLIENT_IP, dst: VIP_IP, ident: 0x10a3, ttl: 64 }, {
      srcPort: 44656,
      dstPort: 80,
      seq: 105850268,
      ack: 0,
      flags: TCP_SYN,
      window: 64240,
      urgentPtr: 0,
      options: [...SYN_OPTIONS],
    });
    expect(f).toEqual(SYN_FRAME);
  });
  it('write the real GET into a 0xa5-filled buffer at an offset', () => {
    const ip = { src: CLIENT_IP, dst: VIP_IP, ident: 0x10a5, ttl: 64 };
    const tcp = {
      srcPort: 44656,
      dstPort: 80,
      seq: 0x064f259d,
      ack: 0xb474ee02,
      flags: TCP_PSH | TCP_ACK,
      window: 502,
      urgentPtr: 0,
      options: [{ kind: 'nop' as const }, { kind: 'nop' as const }, { kind: 'timestamps' as const, tsVal: 0xcd35571a, tsEcr: 0x535f3ab7 }],
      payload: GET_FRAME.subarray(66),
    };
    const n = ethIpv4TcpLen(ip, tcp);
    const b = a5(n + 10);
    expect(writeEthIpv4Tcp(b, 5, CLIENT_MAC, VIP_MAC, ip, tcp)).toBe(n);
    expect(b.subarray(5, 5 + n)).toEqual(GET_FRAME);
    expect(b[4]).toBe(0xa5);
    expect(b[5 + n]).toBe(0xa5);
  });
  it('build the real ARP request and reply', () => {
    expect(buildArpRequest(CLIENT_MAC, CLIENT_IP, VIP_IP)).toEqual(ARP_REQUEST_FRAME);
    expect(buildArpReply(VIP_MAC, VIP_IP, CLIENT_MAC, CLIENT_IP)).toEqual(ARP_REPLY_FRAME);
  });
  it('build UDP and ICMP frames with all checksums valid', () => {
    const u = buildEthIpv4Udp(CLIENT_MAC, VIP_MAC, { src: CLIENT_IP, dst: VIP_IP, ident: 1, ttl: 64 }, {
      srcPort: 5000,
      dstPort: 53,
      payload: fromHex('0102030405'),
    });
    expect(u.length).toBe(14 + 20 + 8 + 5);
    expect(new Ipv4Packet(u, 14).verifyChecksum()).toBe(true);
    expect(new UdpPacket(u, 34).verifyChecksum(CLIENT_IP, VIP_IP)).toBe(true);
    const i = buildEthIpv4Icmp(VIP_MAC, CLIENT_MAC, { src: VIP_IP, dst: CLIENT_IP, ident: 0, ttl: 64, flags: 0 }, {
      kind: 'destUnreachable',
      code: 3,
      rest: 0,
      quoted: u.subarray(14),
    });
    expect(new Ipv4Packet(i, 14).flags).toBe(0);
    expect(new Ipv4Packet(i, 14).verifyChecksum()).toBe(true);
    expect(new IcmpPacket(i, 34, i.length - 34).verifyChecksum()).toBe(true);
  });
  it('encode bare segments and packets that match the frame builders', () => {
    const ip = { src: CLIENT_IP, dst: VIP_IP, ident: 0x10a3, ttl: 64 };
    const tcp = {
      srcPort: 44656,
      dstPort: 80,
      seq: 105850268,
      ack: 0,
      flags: TCP_SYN,
      window: 64240,
      urgentPtr: 0,
      options: [...SYN_OPTIONS],
    };
    const seg = encodeTcp(tcp, CLIENT_IP, VIP_IP);
    expect(seg).toEqual(SYN_FRAME.subarray(34));
    expect(encodeIpv4(ip, IP_PROTO_TCP, seg)).toEqual(SYN_FRAME.subarray(14));
    const u = encodeUdp({ srcPort: 1, dstPort: 2, payload: fromHex('aa') }, CLIENT_IP, VIP_IP);
    expect(new UdpPacket(u).verifyChecksum(CLIENT_IP, VIP_IP)).toBe(true);
    const i = encodeIcmp({ kind: 'echoRequest', ident: 1, seq: 2, data: new Uint8Array(56) });
    expect(i.length).toBe(64);
    expect(new IcmpPacket(i).verifyChecksum()).toBe(true);
  });
  it('allocate frames zero-filled and independent of each other', () => {
    const a = allocBytes(100);
    const b = allocBytes(100);
    expect(a.every((x) => x === 0)).toBe(true);
    a.fill(1);
    expect(b.every((x) => x === 0)).toBe(true);
    const big = allocBytes(5000);
    expect(big.length).toBe(5000);
    const c = copyBytes(SYN_FRAME, 14, 34);
    expect(c).toEqual(SYN_FRAME.subarray(14, 34));
  });
  it('wrap an already-built transport payload', () => {
    const seg = SYN_FRAME.subarray(34);
    const f = buildEthIpv4(CLIENT_MAC, VIP_MAC, { src: CLIENT_IP, dst: VIP_IP, ident: 0x10a3, ttl: 64 }, IP_PROTO_TCP, seg);
    expect(f).toEqual(SYN_FRAME);
  });
});
