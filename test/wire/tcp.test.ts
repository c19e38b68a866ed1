import { describe, expect, it } from 'vitest';
import {
  emitTcp,
  fromHex,
  isWireError,
  Ipv4Packet,
  parseTcp,
  TCP_ACK,
  TCP_CWR,
  TCP_ECE,
  TCP_FIN,
  TCP_PSH,
  TCP_RST,
  TCP_SYN,
  TCP_URG,
  tcpBufferLen,
  tcpFlagsToString,
  TcpPacket,
  verifyTcpChecksum,
  type TcpRepr,
} from '../../src/wire/index.ts';
import { a5, ACK_FRAME, CLIENT_IP, GET_FRAME, SYN_FRAME, VIP_IP } from './fixtures.ts';

const SYN_SEG = SYN_FRAME.subarray(34);
const SYN_REPR: TcpRepr = {
  srcPort: 44656,
  dstPort: 80,
  seq: 105850268,
  ack: 0,
  flags: TCP_SYN,
  window: 64240,
  urgentPtr: 0,
  options: [
    { kind: 'mss', value: 1460 },
    { kind: 'sackPermitted' },
    { kind: 'timestamps', tsVal: 3442824986, tsEcr: 0 },
    { kind: 'nop' },
    { kind: 'wscale', shift: 7 },
  ],
};

function kindOf(x: unknown): string | undefined {
  return isWireError(x) ? x.kind : undefined;
}

describe('TCP', () => {
  it('deconstructs fixed bytes through the view', () => {
    const t = new TcpPacket(SYN_SEG);
    expect(t.srcPort).toBe(44656);
    expect(t.dstPort).toBe(80);
    expect(t.seq).toBe(105850268);
    expect(t.ack).toBe(0);
    expect(t.headerLen).toBe(40);
    expect(t.flags).toBe(TCP_SYN);
    expect(t.window).toBe(64240);
    expect(t.checksum).toBe(0x3a09);
    expect(t.payloadLen).toBe(0);
    expect(t.verifyChecksum(CLIENT_IP, VIP_IP)).toBe(true);
    expect(t.verifyChecksum(CLIENT_IP, VIP_IP + 1)).toBe(false);
  });
  it('constructs the Linux SYN into a 0xa5-filled buffer', () => {
    const b = a5(40);
    expect(emitTcp(SYN_REPR, b, 0, CLIENT_IP, VIP_IP)).toBe(40);
    expect(b).toEqual(SYN_SEG);
  });
  it('parses the SYN', () => {
    expect(parseTcp(SYN_SEG)).toEqual(SYN_REPR);
  });
  it('parses and re-emits a segment with data', () => {
    const seg = GET_FRAME.subarray(34);
    const r = parseTcp(seg);
    if (isWireError(r)) throw new Error(r.message);
    expect(r.flags).toBe(TCP_PSH | TCP_ACK);
    expect(r.options).toEqual([{ kind: 'nop' }, { kind: 'nop' }, { kind: 'timestamps', tsVal: 0xcd35571a, tsEcr: 0x535f3ab7 }]);
    expect(new TextDecoder().decode(r.payload)).toBe('GET / HTTP/1.1\r\nHost: 10.0.0.1\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n');
    const b = a5(tcpBufferLen(r));
    emitTcp(r, b, 0, CLIENT_IP, VIP_IP);
    expect(b).toEqual(seg);
  });
  it('emits every byte of a pure ACK', () => {
    const seg = ACK_FRAME.subarray(34);
    const r = parseTcp(seg);
    if (isWireError(r)) throw new Error(r.message);
    const b = a5(32);
    emitTcp(r, b, 0, CLIENT_IP, VIP_IP);
    expect(b).toEqual(seg);
  });
  it('keeps every flag bit, reserved ones included', () => {
    const all = TCP_FIN | TCP_SYN | TCP_RST | TCP_PSH | TCP_ACK | TCP_URG | TCP_ECE | TCP_CWR | 0xf00;
    const b = new Uint8Array(20);
    emitTcp({ ...SYN_REPR, options: [], flags: all }, b, 0, 1, 2);
    expect(b[12]).toBe(0x5f);
    expect(b[13]).toBe(0xff);
    const r = parseTcp(b);
    expect(!isWireError(r) && r.flags).toBe(all);
    expect(tcpFlagsToString(TCP_SYN | TCP_ACK)).toBe('S.');
    expect(tcpFlagsToString(TCP_FIN | TCP_PSH | TCP_ACK)).toBe('FP.');
    expect(tcpFlagsToString(0)).toBe('none');
  });
  it('keeps SACK blocks, unknown kinds, odd-length known kinds and bytes after EOL', () => {
    // SACK(2 blocks) | kind 30 len 4 | MSS with length 3 (kept as unknown) | EOL + junk
    const optBytes = fromHex(
      '0512' + '00000001000000020000000300000004' + '1e04abcd' + '0203aa' + '00' + '0007' + '00000000',
    );
    const seg = new Uint8Array(20 + optBytes.length);
    seg[12] = ((20 + optBytes.length) / 4) << 4;
    seg.set(optBytes, 20);
    const r = parseTcp(seg);
    if (isWireError(r)) throw new Error(r.message);
    expect(r.options).toEqual([
      { kind: 'sack', blocks: [{ left: 1, right: 2 }, { left: 3, right: 4 }] },
      { kind: 'unknown', type: 30, data: fromHex('abcd') },
      { kind: 'unknown', type: 2, data: fromHex('aa') },
      { kind: 'eol', trailing: fromHex('000700000000') },
    ]);
    const b = a5(seg.length);
    emitTcp(r, b, 0, 1, 2);
    new TcpPacket(seg).fillChecksum(1, 2);
    expect(b).toEqual(seg);
  });
  it('malformed: truncated', () => {
    expect(kindOf(parseTcp(SYN_SEG, 0, 19))).toBe('truncated');
  });
  it('malformed: data offset < 5', () => {
    const b = SYN_SEG.slice();
    b[12] = 0x40;
    const r = parseTcp(b);
    expect(kindOf(r)).toBe('bad-data-offset');
    expect(isWireError(r) && r.offset).toBe(12);
  });
  it('malformed: data offset past the segment', () => {
    expect(kindOf(parseTcp(SYN_SEG, 0, 36))).toBe('bad-data-offset');
  });
  it('malformed: option length overrunning', () => {
    const b = SYN_SEG.slice();
    b[38] = 5; // window scale at offset 37 claims 5 bytes, only 3 remain
    const r = parseTcp(b);
    expect(kindOf(r)).toBe('bad-option-length');
    expect(isWireError(r) && r.offset).toBe(37);
  });
  it('malformed: option length below 2', () => {
    const b = SYN_SEG.slice();
    b[21] = 1; // MSS with length 1
    expect(kindOf(parseTcp(b))).toBe('bad-option-length');
  });
  it('malformed: option kind without a length byte', () => {
    const b = SYN_SEG.slice();
    b[37] = 1; // NOP, NOP, then kind 8 in the last byte with no room for its length
    b[38] = 1;
    b[39] = 8;
    expect(kindOf(parseTcp(b))).toBe('bad-option-length');
  });
  it('NAT via the IPv4 view keeps the TCP checksum equal to a full recompute', () => {
    const ip = GET_FRAME.slice(14);
    const p = new Ipv4Packet(ip);
    p.setDstWithChecksumUpdate(0x0a000102);
    p.setSrcWithChecksumUpdate(0x0a000101);
    p.setDstPortWithChecksumUpdate(8080);
    const segLen = p.payloadLen;
    expect(verifyTcpChecksum(ip, 20, segLen, 0x0a000101, 0x0a000102)).toBe(true);
    const t = new TcpPacket(ip, 20, segLen);
    const before = t.checksum;
    t.fillChecksum(0x0a000101, 0x0a000102);
    expect(t.checksum).toBe(before);
  });
});
