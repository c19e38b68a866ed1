import { describe, expect, it } from 'vitest';
import {
  emitEthernet,
  ETHERTYPE_ARP,
  ETHERTYPE_IPV4,
  EthernetFrame,
  ethernetBufferLen,
  isWireError,
  MAC_BROADCAST,
  parseEthernet,
  type EthernetRepr,
} from '../../src/wire/index.ts';
import { a5, ARP_REQUEST_FRAME, CLIENT_MAC, SYN_FRAME, VIP_MAC } from './fixtures.ts';

const HEADER = ARP_REQUEST_FRAME.subarray(0, 14);
const REPR: EthernetRepr = { dst: MAC_BROADCAST, src: CLIENT_MAC, ethertype: ETHERTYPE_ARP };

describe('Ethernet', () => {
  it('deconstructs fixed bytes through the view', () => {
    const f = new EthernetFrame(ARP_REQUEST_FRAME);
    expect(f.dst).toBe(MAC_BROADCAST);
    expect(f.src).toBe(CLIENT_MAC);
    expect(f.ethertype).toBe(ETHERTYPE_ARP);
    expect(f.payloadOffset).toBe(14);
  });
  it('constructs through the view into a 0xa5-filled buffer', () => {
    const b = a5(14);
    const f = new EthernetFrame(b);
    f.dst = VIP_MAC;
    f.src = CLIENT_MAC;
    f.ethertype = ETHERTYPE_IPV4;
    expect(b).toEqual(SYN_FRAME.subarray(0, 14));
  });
  it('parses', () => {
    expect(parseEthernet(ARP_REQUEST_FRAME)).toEqual(REPR);
  });
  it('emits every byte', () => {
    const b = a5(ethernetBufferLen(REPR));
    expect(emitEthernet(REPR, b, 0)).toBe(14);
    expect(b).toEqual(HEADER);
  });
  it('malformed: truncated', () => {
    const r = parseEthernet(ARP_REQUEST_FRAME, 0, 13);
    expect(isWireError(r) && r.kind).toBe('truncated');
    expect(isWireError(r) && r.offset).toBe(0);
  });
});
