// Ethernet II (IEEE 802.3 with an EtherType >= 0x0600). No FCS: captures on Linux never show it.
//
//  0                   6                   12      14
//  +-------------------+-------------------+-------+---------
//  | destination MAC   | source MAC        | type  | payload
//  +-------------------+-------------------+-------+---------

import { readMac, writeMac, type MacAddr } from './addr.ts';
import { readU16, writeU16 } from './bytes.ts';
import { WireError } from './errors.ts';

export const EthernetField = {
  DST: 0,
  SRC: 6,
  ETHERTYPE: 12,
  PAYLOAD: 14,
} as const;

export const ETHERNET_HEADER_LEN = 14;
export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_ARP = 0x0806;
export const ETHERTYPE_VLAN = 0x8100;
export const ETHERTYPE_IPV6 = 0x86dd;

/** Zero-copy view over an Ethernet frame; checks nothing (use parseEthernet for that). */
export class EthernetFrame {
  constructor(
    readonly buf: Uint8Array,
    readonly off = 0,
  ) {}
  get dst(): MacAddr {
    return readMac(this.buf, this.off + EthernetField.DST);
  }
  set dst(m: MacAddr) {
    writeMac(this.buf, this.off + EthernetField.DST, m);
  }
  get src(): MacAddr {
    return readMac(this.buf, this.off + EthernetField.SRC);
  }
  set src(m: MacAddr) {
    writeMac(this.buf, this.off + EthernetField.SRC, m);
  }
  get ethertype(): number {
    return readU16(this.buf, this.off + EthernetField.ETHERTYPE);
  }
  set ethertype(t: number) {
    writeU16(this.buf, this.off + EthernetField.ETHERTYPE, t);
  }
  get payloadOffset(): number {
    return this.off + EthernetField.PAYLOAD;
  }
}

export interface EthernetRepr {
  dst: MacAddr;
  src: MacAddr;
  ethertype: number;
}

export function parseEthernet(buf: Uint8Array, off = 0, len = buf.length - off): EthernetRepr | WireError {
  if (len < ETHERNET_HEADER_LEN) {
    return new WireError('truncated', off, `Ethernet header needs ${ETHERNET_HEADER_LEN} bytes, have ${len}`);
  }
  return {
    dst: readMac(buf, off + EthernetField.DST),
    src: readMac(buf, off + EthernetField.SRC),
    ethertype: readU16(buf, off + EthernetField.ETHERTYPE),
  };
}

/** Writes the 14-byte header; returns the number of bytes written. */
export function emitEthernet(repr: EthernetRepr, buf: Uint8Array, off = 0): number {
  writeMac(buf, off + EthernetField.DST, repr.dst);
  writeMac(buf, off + EthernetField.SRC, repr.src);
  writeU16(buf, off + EthernetField.ETHERTYPE, repr.ethertype);
  return ETHERNET_HEADER_LEN;
}

export function ethernetBufferLen(_repr?: EthernetRepr): number {
  return ETHERNET_HEADER_LEN;
}
