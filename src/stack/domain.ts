// A collision domain (Netkit's word for an Ethernet segment), modelled as a learning switch, as
// the reference lab's Linux bridges behave: a frame to a learned unicast MAC goes to that port
// only; broadcasts, multicasts and unknown unicasts flood to every other port.
import { isMulticastMac, readMac, EthernetField, ETHERNET_HEADER_LEN, type MacAddr } from '../wire/index.ts';
import type { Rng, Scheduler } from '../sim/index.ts';
import type { DomainTap } from './types.ts';

/** What a domain delivers to: an interface's receive side. */
export interface DomainPort {
  readonly hostName: string;
  readonly name: string;
  /** Called when a frame arrives from the segment. */
  receiveFromWire(frame: Uint8Array): void;
}

export interface DomainOptions {
  /** One-way delay across the segment; default 30 µs (a few tens of µs, like veth + bridge). */
  linkDelayNs?: number;
  /** Largest IP packet the segment carries (frames up to mtu + 14 bytes); default 1500. */
  mtu?: number;
  /** Probability that a frame is lost on the segment; default 0. Drawn from a seeded stream. */
  lossRate?: number;
  /** Forwarding-database ageing (Linux bridge default 300 s). */
  ageingNs?: number;
}

export const DEFAULT_LINK_DELAY_NS = 30_000;

interface FdbEntry {
  port: DomainPort;
  seenNs: number;
}

export interface DomainStats {
  /** Frames that entered the segment. */
  frames: number;
  /** Frames lost by the seeded loss model. */
  lost: number;
  /** Frames refused because they exceed the MTU. */
  oversize: number;
  /** Frame copies delivered to ports. */
  delivered: number;
}

export class CollisionDomain {
  readonly linkDelayNs: number;
  readonly mtu: number;
  readonly lossRate: number;
  readonly ageingNs: number;
  readonly stats: DomainStats = { frames: 0, lost: 0, oversize: 0, delivered: 0 };
  private readonly ports: DomainPort[] = [];
  private readonly fdb = new Map<MacAddr, FdbEntry>();
  private readonly taps: DomainTap[] = [];

  constructor(
    readonly name: string,
    private readonly scheduler: Scheduler,
    private readonly lossRng: Rng,
    opts: DomainOptions = {},
  ) {
    this.linkDelayNs = opts.linkDelayNs ?? DEFAULT_LINK_DELAY_NS;
    this.mtu = opts.mtu ?? 1500;
    this.lossRate = opts.lossRate ?? 0;
    this.ageingNs = opts.ageingNs ?? 300e9;
    if (!Number.isSafeInteger(this.linkDelayNs) || this.linkDelayNs < 0) {
      throw new RangeError(`domain ${name}: link delay must be a non-negative integer of ns, got ${this.linkDelayNs}`);
    }
    if (!(this.lossRate >= 0 && this.lossRate <= 1)) {
      throw new RangeError(`domain ${name}: loss rate must be between 0 and 1, got ${this.lossRate}`);
    }
    if (!Number.isInteger(this.mtu) || this.mtu < 68) {
      throw new RangeError(`domain ${name}: MTU must be an integer >= 68, got ${this.mtu}`);
    }
  }

  attach(port: DomainPort): void {
    if (!this.ports.includes(port)) this.ports.push(port);
  }

  detach(port: DomainPort): void {
    const i = this.ports.indexOf(port);
    if (i >= 0) this.ports.splice(i, 1);
    for (const [mac, e] of this.fdb) if (e.port === port) this.fdb.delete(mac);
  }

  get attached(): readonly DomainPort[] {
    return this.ports;
  }

  addTap(tap: DomainTap): void {
    this.taps.push(tap);
  }

  removeTap(tap: DomainTap): void {
    const i = this.taps.indexOf(tap);
    if (i >= 0) this.taps.splice(i, 1);
  }

  /** The port a unicast MAC was last seen on, if the entry has not aged out. */
  lookup(mac: MacAddr): DomainPort | undefined {
    const e = this.fdb.get(mac);
    if (e === undefined || this.scheduler.now - e.seenNs > this.ageingNs) return undefined;
    return e.port;
  }

  /**
   * A frame sent by `from` enters the segment now. The domain's capture sees it as it enters
   * (also when the loss model then drops it); receivers get it `linkDelayNs` later.
   */
  transmit(from: DomainPort, frame: Uint8Array): void {
    const now = this.scheduler.now;
    if (frame.length < ETHERNET_HEADER_LEN) throw new RangeError(`domain ${this.name}: runt frame of ${frame.length} bytes`);
    if (frame.length > this.mtu + ETHERNET_HEADER_LEN) {
      this.stats.oversize++;
      return;
    }
    this.stats.frames++;
    for (const tap of this.taps) tap(now, this.name, frame);

    const src = readMac(frame, EthernetField.SRC);
    if (!isMulticastMac(src)) {
      const e = this.fdb.get(src);
      if (e === undefined) this.fdb.set(src, { port: from, seenNs: now });
      else {
        e.port = from;
        e.seenNs = now;
      }
    }
    // One draw per frame, whether flooded or not, so the loss pattern does not depend on how
    // many ports a frame reaches.
    if (this.lossRate > 0 && this.lossRng.float() < this.lossRate) {
      this.stats.lost++;
      return;
    }
    const dst = readMac(frame, EthernetField.DST);
    const at = now + this.linkDelayNs;
    if (!isMulticastMac(dst)) {
      const port = this.lookup(dst);
      if (port !== undefined) {
        // A bridge never sends a frame back out of the port it came in on.
        if (port !== from) this.deliver(at, port, frame);
        return;
      }
    }
    for (const port of this.ports) if (port !== from) this.deliver(at, port, frame);
  }

  private deliver(at: number, port: DomainPort, frame: Uint8Array): void {
    this.stats.delivered++;
    this.scheduler.at(at, () => port.receiveFromWire(frame));
  }
}
