// ARP for Ethernet/IPv4 (RFC 826). 28 bytes; unknown opcodes are kept as numbers.
//
//  0       2       4   5   6       8             14      18            24      28
//  | htype | ptype |hln|pln|  op   | sender MAC  |snd IP | target MAC  |tgt IP |

import { readIpv4, readMac, writeIpv4, writeMac, type Ipv4Addr, type MacAddr } from './addr.ts';
import { readU16, writeU16 } from './bytes.ts';
import { ETHERTYPE_IPV4 } from './ethernet.ts';
import { WireError } from './errors.ts';

export const ArpField = {
  HTYPE: 0,
  PTYPE: 2,
  HLEN: 4,
  PLEN: 5,
  OPER: 6,
  SHA: 8,
  SPA: 14,
  THA: 18,
  TPA: 24,
} as const;

export const ARP_LEN = 28;
export const ARP_HTYPE_ETHERNET = 1;
export const ARP_REQUEST = 1;
export const ARP_REPLY = 2;

export class ArpPacket {
  constructor(
    readonly buf: Uint8Array,
    readonly off = 0,
  ) {}
  get htype(): number {
    return readU16(this.buf, this.off + ArpField.HTYPE);
  }
  get ptype(): number {
    return readU16(this.buf, this.off + ArpField.PTYPE);
  }
  get op(): number {
    return readU16(this.buf, this.off + ArpField.OPER);
  }
  set op(v: number) {
    writeU16(this.buf, this.off + ArpField.OPER, v);
  }
  get senderMac(): MacAddr {
    return readMac(this.buf, this.off + ArpField.SHA);
  }
  get senderIp(): Ipv4Addr {
    return readIpv4(this.buf, this.off + ArpField.SPA);
  }
  get targetMac(): MacAddr {
    return readMac(this.buf, this.off + ArpField.THA);
  }
  get targetIp(): Ipv4Addr {
    return readIpv4(this.buf, this.off + ArpField.TPA);
  }
}

export interface ArpRepr {
  op: number;
  senderMac: MacAddr;
  senderIp: Ipv4Addr;
  targetMac: MacAddr;
  targetIp: Ipv4Addr;
}

export function parseArp(buf: Uint8Array, off = 0, len = buf.length - off): ArpRepr | WireError {
  if (len < 8) return new WireError('truncated', off, `ARP header needs 8 bytes, have ${len}`);
  const htype = readU16(buf, off + ArpField.HTYPE);
  const ptype = readU16(buf, off + ArpField.PTYPE);
  const hlen = buf[off + ArpField.HLEN]!;
  const plen = buf[off + ArpField.PLEN]!;
  if (htype !== ARP_HTYPE_ETHERNET || ptype !== ETHERTYPE_IPV4 || hlen !== 6 || plen !== 4) {
    return new WireError(
      'unsupported',
      off,
      `ARP for hardware ${htype}/len ${hlen}, protocol 0x${ptype.toString(16).padStart(4, '0')}/len ${plen}; only Ethernet/IPv4 is modelled`,
    );
  }
  if (len < ARP_LEN) return new WireError('truncated', off, `Ethernet/IPv4 ARP needs ${ARP_LEN} bytes, have ${len}`);
  return {
    op: readU16(buf, off + ArpField.OPER),
    senderMac: readMac(buf, off + ArpField.SHA),
    senderIp: readIpv4(buf, off + ArpField.SPA),
    targetMac: readMac(buf, off + ArpField.THA),
    targetIp: readIpv4(buf, off + ArpField.TPA),
  };
}

export function emitArp(repr: ArpRepr, buf: Uint8Array, off = 0): number {
  writeU16(buf, off + ArpField.HTYPE, ARP_HTYPE_ETHERNET);
  writeU16(buf, off + ArpField.PTYPE, ETHERTYPE_IPV4);
  buf[off + ArpField.HLEN] = 6;
  buf[off + ArpField.PLEN] = 4;
  writeU16(buf, off + ArpField.OPER, repr.op);
  writeMac(buf, off + ArpField.SHA, repr.senderMac);
  writeIpv4(buf, off + ArpField.SPA, repr.senderIp);
  writeMac(buf, off + ArpField.THA, repr.targetMac);
  writeIpv4(buf, off + ArpField.TPA, repr.targetIp);
  return ARP_LEN;
}

export function arpBufferLen(_repr?: ArpRepr): number {
  return ARP_LEN;
}
