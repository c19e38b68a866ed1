import { describe, expect, it } from 'vitest';
import {
  emitIcmp,
  fromHex,
  ICMP_PORT_UNREACHABLE,
  IcmpPacket,
  icmpBufferLen,
  icmpQuote,
  isWireError,
  parseIcmp,
  parseIpv4,
  type IcmpRepr,
} from '../../src/wire/index.ts';
import { a5, SYN_FRAME } from './fixtures.ts';

// ping -c1 style echo request: ident 0x1234, seq 1, 8 data bytes. Checksum by hand:
// 0800 + 1234 + 0001 + 0102+0304+0506+0708 = 0x2a49 -> ~ = 0xd5b6.
const ECHO = fromHex('0800d5b612340001' + '0102030405060708');
const ECHO_REPR: IcmpRepr = { kind: 'echoRequest', ident: 0x1234, seq: 1, data: fromHex('0102030405060708') };

describe('ICMP', () => {
  it('deconstructs fixed bytes through the view', () => {
    const p = new IcmpPacket(ECHO);
    expect(p.icmpType).toBe(8);
    expect(p.code).toBe(0);
    expect(p.checksum).toBe(0xd5b6);
    expect(p.verifyChecksum()).toBe(true);
  });
  it('constructs into a 0xa5-filled buffer', () => {
    const b = a5(16);
    expect(emitIcmp(ECHO_REPR, b, 0)).toBe(16);
    expect(b).toEqual(ECHO);
  });
  it('parses echo request and reply', () => {
    expect(parseIcmp(ECHO)).toEqual(ECHO_REPR);
    const reply = a5(icmpBufferLen({ ...ECHO_REPR, kind: 'echoReply' }));
    emitIcmp({ ...ECHO_REPR, kind: 'echoReply' }, reply);
    expect(parseIcmp(reply)).toEqual({ ...ECHO_REPR, kind: 'echoReply' });
    expect(new IcmpPacket(reply).verifyChecksum()).toBe(true);
  });
  it('emits destination unreachable quoting the offending packet, and parses it back', () => {
    const offending = SYN_FRAME.subarray(14);
    const repr: IcmpRepr = { kind: 'destUnreachable', code: ICMP_PORT_UNREACHABLE, rest: 0, quoted: icmpQuote(offending) };
    const b = a5(icmpBufferLen(repr));
    expect(emitIcmp(repr, b)).toBe(8 + 60);
    expect(Array.from(b.subarray(0, 2))).toEqual([3, 3]);
    expect(Array.from(b.subarray(4, 8))).toEqual([0, 0, 0, 0]);
    expect(new IcmpPacket(b).verifyChecksum()).toBe(true);
    const back = parseIcmp(b);
    expect(back).toEqual(repr);
    if (isWireError(back) || back.kind !== 'destUnreachable') throw new Error('not unreachable');
    const inner = parseIpv4(back.quoted);
    expect(!isWireError(inner) && inner.ident).toBe(0x10a3);
  });
  it('round-trips time exceeded and an unknown type', () => {
    const te: IcmpRepr = { kind: 'timeExceeded', code: 0, rest: 0, quoted: SYN_FRAME.subarray(14, 42) };
    const b = new Uint8Array(icmpBufferLen(te));
    emitIcmp(te, b);
    expect(b[0]).toBe(11);
    expect(parseIcmp(b)).toEqual(te);
    const other: IcmpRepr = { kind: 'other', icmpType: 13, code: 0, rest: 0xdeadbeef, data: fromHex('00112233') };
    const c = new Uint8Array(icmpBufferLen(other));
    emitIcmp(other, c);
    expect(parseIcmp(c)).toEqual(other);
  });
  it('malformed: truncated', () => {
    const r = parseIcmp(ECHO, 0, 7);
    expect(isWireError(r) && r.kind).toBe('truncated');
  });
});
