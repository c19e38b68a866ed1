import { describe, expect, it } from 'vitest';
import {
  ARP_REPLY,
  ARP_REQUEST,
  ArpPacket,
  arpBufferLen,
  emitArp,
  isWireError,
  parseArp,
  type ArpRepr,
} from '../../src/wire/index.ts';
import { a5, ARP_REPLY_FRAME, ARP_REQUEST_FRAME, CLIENT_IP, CLIENT_MAC, VIP_IP, VIP_MAC } from './fixtures.ts';

const REQ = ARP_REQUEST_FRAME.subarray(14);
const REPLY = ARP_REPLY_FRAME.subarray(14);
const REQ_REPR: ArpRepr = { op: ARP_REQUEST, senderMac: CLIENT_MAC, senderIp: CLIENT_IP, targetMac: 0, targetIp: VIP_IP };
const REPLY_REPR: ArpRepr = { op: ARP_REPLY, senderMac: VIP_MAC, senderIp: VIP_IP, targetMac: CLIENT_MAC, targetIp: CLIENT_IP };

describe('ARP', () => {
  it('deconstructs fixed bytes through the view', () => {
    const p = new ArpPacket(REQ);
    expect(p.htype).toBe(1);
    expect(p.ptype).toBe(0x0800);
    expect(p.op).toBe(ARP_REQUEST);
    expect(p.senderMac).toBe(CLIENT_MAC);
    expect(p.senderIp).toBe(CLIENT_IP);
    expect(p.targetMac).toBe(0);
    expect(p.targetIp).toBe(VIP_IP);
  });
  it('constructs into a 0xa5-filled buffer', () => {
    const b = a5(28);
    emitArp(REPLY_REPR, b, 0);
    expect(b).toEqual(REPLY);
  });
  it('parses request and reply', () => {
    expect(parseArp(REQ)).toEqual(REQ_REPR);
    expect(parseArp(REPLY)).toEqual(REPLY_REPR);
  });
  it('emits every byte', () => {
    const b = a5(arpBufferLen(REQ_REPR));
    expect(emitArp(REQ_REPR, b)).toBe(28);
    expect(b).toEqual(REQ);
  });
  it('keeps an unknown opcode', () => {
    const b = new Uint8Array(28);
    emitArp({ ...REQ_REPR, op: 9 }, b);
    expect(parseArp(b)).toEqual({ ...REQ_REPR, op: 9 });
  });
  it('malformed: truncated', () => {
    const r = parseArp(REQ, 0, 27);
    expect(isWireError(r) && r.kind).toBe('truncated');
    const r2 = parseArp(REQ, 0, 5);
    expect(isWireError(r2) && r2.kind).toBe('truncated');
  });
  it('malformed: not Ethernet/IPv4', () => {
    const b = REQ.slice();
    b[4] = 8;
    const r = parseArp(b);
    expect(isWireError(r) && r.kind).toBe('unsupported');
  });
});
