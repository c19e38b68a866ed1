import { describe, expect, it } from 'vitest';
import {
  inSubnet,
  ipv4FromString,
  ipv4ToString,
  macFromIpv4,
  macFromString,
  macToString,
  parseCidr,
  prefixMask,
  readMac,
  tryIpv4FromString,
  tryParseCidr,
  writeMac,
} from '../../src/wire/index.ts';

describe('IPv4 addresses', () => {
  it('round-trips dotted quads as unsigned 32-bit numbers', () => {
    expect(ipv4FromString('10.0.0.1')).toBe(0x0a000001);
    expect(ipv4FromString('255.255.255.255')).toBe(0xffffffff);
    expect(ipv4ToString(0xc0a80101)).toBe('192.168.1.1');
    expect(ipv4ToString(ipv4FromString('200.1.2.3'))).toBe('200.1.2.3');
  });
  it('rejects malformed text with a message naming it', () => {
    for (const bad of ['10.0.0', '10.0.0.256', '10.0.0.01', 'a.b.c.d', '10.0.0.1 ', '']) {
      expect(tryIpv4FromString(bad)).toBeUndefined();
    }
    expect(() => ipv4FromString('10.0.0.256')).toThrow(/"10\.0\.0\.256"/);
  });
  it('handles prefixes', () => {
    expect(prefixMask(0)).toBe(0);
    expect(prefixMask(24)).toBe(0xffffff00);
    expect(prefixMask(32)).toBe(0xffffffff);
    expect(parseCidr('10.0.0.0/24')).toEqual({ addr: 0x0a000000, prefixLen: 24 });
    expect(parseCidr('10.0.0.7')).toEqual({ addr: 0x0a000007, prefixLen: 32 });
    expect(tryParseCidr('10.0.0.0/33')).toBeUndefined();
    expect(inSubnet(ipv4FromString('10.0.0.200'), 0x0a000000, 24)).toBe(true);
    expect(inSubnet(ipv4FromString('10.0.1.1'), 0x0a000000, 24)).toBe(false);
  });
});

describe('MAC addresses', () => {
  it('round-trips text and bytes, lower-case', () => {
    const m = macFromString('02:00:0A:00:00:0a');
    expect(m).toBe(0x02000a00000a);
    expect(macToString(m)).toBe('02:00:0a:00:00:0a');
    expect(macToString(0xffffffffffff)).toBe('ff:ff:ff:ff:ff:ff');
    const b = new Uint8Array(8);
    writeMac(b, 1, 0xfedcba987654);
    expect(Array.from(b)).toEqual([0, 0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0]);
    expect(readMac(b, 1)).toBe(0xfedcba987654);
  });
  it('follows the lab convention 02:00 + IPv4', () => {
    expect(macToString(macFromIpv4(ipv4FromString('10.0.0.10')))).toBe('02:00:0a:00:00:0a');
  });
  it('rejects malformed text', () => {
    expect(() => macFromString('02:00:0a:00:00')).toThrow(/not a MAC address/);
  });
});
