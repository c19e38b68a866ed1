// A host's network interface (eth0, eth1, ...): its MAC, addresses, link state, the collision
// domain it is plugged into, its neighbour cache, and the capture taps decorating it.
import { inSubnet, macFromIpv4, prefixMask, type Ipv4Addr, type MacAddr } from '../wire/index.ts';
import { hashSeedName } from '../sim/index.ts';
import type { CollisionDomain, DomainPort } from './domain.ts';
import type { NeighbourTable } from './neighbour.ts';
import type { InterfaceRef, InterfaceTap } from './types.ts';

export interface IfaceAddress {
  addr: Ipv4Addr;
  prefixLen: number;
}

/** The receive side of the host an interface belongs to. */
export interface FrameSink {
  receiveFrame(iface: Interface, frame: Uint8Array): void;
}

/**
 * The default MAC of an interface without an IPv4 address: 02:xx (xx never 00, so it cannot
 * collide with the 02:00:<IPv4> ones) followed by a hash of host and interface name.
 */
export function hashedMac(hostName: string, ifaceName: string): MacAddr {
  const [w0, w1] = hashSeedName(0, `${hostName}/${ifaceName}`);
  const second = 1 + (w0 % 255);
  return (0x0200 | second) * 0x100000000 + (w1 >>> 0);
}

/** Link counters as ifconfig and `ip -s link` print them (bytes are frame lengths, no FCS). */
export interface LinkCounters {
  rxPackets: number;
  rxBytes: number;
  /** Frames that arrived while the link was down, or that no protocol wanted. */
  rxDropped: number;
  txPackets: number;
  txBytes: number;
  /** Frames the host tried to send while the link was down or unplugged. */
  txDropped: number;
}

export function newLinkCounters(): LinkCounters {
  return { rxPackets: 0, rxBytes: 0, rxDropped: 0, txPackets: 0, txBytes: 0, txDropped: 0 };
}

export class Interface implements InterfaceRef, DomainPort {
  readonly addresses: IfaceAddress[] = [];
  readonly counters: LinkCounters = newLinkCounters();
  up = true;
  domain: CollisionDomain | null = null;
  /** Set by the host once the interface is created. */
  neighbours!: NeighbourTable;
  readonly taps: InterfaceTap[] = [];
  private macValue: MacAddr | undefined;
  private macFrozen = false;

  constructor(
    readonly hostName: string,
    readonly name: string,
    private readonly sink: FrameSink,
    mac?: MacAddr,
  ) {
    if (mac !== undefined) {
      this.macValue = mac;
      this.macFrozen = true;
    }
  }

  /**
   * The MAC. Unless set explicitly it is fixed on first use: 02:00 + the first IPv4 address
   * (10.0.0.10 -> 02:00:0a:00:00:0a) or, without an address, a hash of host and interface name.
   */
  get mac(): MacAddr {
    if (!this.macFrozen) {
      this.macValue = this.peekMac();
      this.macFrozen = true;
    }
    return this.macValue as MacAddr;
  }

  /** The MAC the interface has or would get now, without fixing it (for checks before boot). */
  peekMac(): MacAddr {
    if (this.macFrozen) return this.macValue as MacAddr;
    const first = this.addresses[0];
    return first !== undefined ? macFromIpv4(first.addr) : hashedMac(this.hostName, this.name);
  }

  set mac(m: MacAddr) {
    this.macValue = m;
    this.macFrozen = true;
  }

  get mtu(): number {
    return this.domain?.mtu ?? 1500;
  }

  /** The first address whose subnet holds `towards`, else the first address (inet_select_addr). */
  sourceFor(towards: Ipv4Addr): Ipv4Addr | undefined {
    for (const a of this.addresses) if (inSubnet(towards, a.addr, a.prefixLen)) return a.addr;
    return this.addresses[0]?.addr;
  }

  hasAddress(addr: Ipv4Addr): boolean {
    for (const a of this.addresses) if (a.addr === addr) return true;
    return false;
  }

  /** Directed broadcast address of one of this interface's subnets (e.g. 10.0.0.255 for /24). */
  isSubnetBroadcast(addr: Ipv4Addr): boolean {
    for (const a of this.addresses) {
      if (a.prefixLen >= 31) continue;
      const m = prefixMask(a.prefixLen);
      if (((a.addr | ~m) >>> 0) === addr) return true;
    }
    return false;
  }

  addTap(tap: InterfaceTap): void {
    this.taps.push(tap);
  }

  removeTap(tap: InterfaceTap): void {
    const i = this.taps.indexOf(tap);
    if (i >= 0) this.taps.splice(i, 1);
  }

  /** Puts a frame on the wire now; the 'out' taps see it first. */
  transmit(tNs: number, frame: Uint8Array, notes: readonly string[]): void {
    if (!this.up || this.domain === null) {
      this.counters.txDropped++;
      return;
    }
    this.counters.txPackets++;
    this.counters.txBytes += frame.length;
    for (const tap of this.taps) tap(tNs, this, 'out', frame, notes);
    this.domain.transmit(this, frame);
  }

  /** Called by the 'in' side once the host has processed the frame (so notes are known). */
  tapIn(tNs: number, frame: Uint8Array, notes: readonly string[]): void {
    for (const tap of this.taps) tap(tNs, this, 'in', frame, notes);
  }

  receiveFromWire(frame: Uint8Array): void {
    if (!this.up) return;
    this.counters.rxPackets++;
    this.counters.rxBytes += frame.length;
    this.sink.receiveFrame(this, frame);
  }
}
