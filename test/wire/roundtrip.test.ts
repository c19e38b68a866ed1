import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readPcap } from '../../src/pcap/index.ts';
import {
  buildEthFrame,
  buildEthIpv4,
  emitFrame,
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
