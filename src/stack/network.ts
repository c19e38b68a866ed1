// The composition of a simulated lab: one scheduler, one root seed, the collision domains and the
// hosts. Random streams are handed out by name (`<host>/<component>`, `domain/<name>/loss`), so
// adding a host or a domain never changes anyone else's numbers.
import { DEFAULT_SEED, DEFAULT_START_EPOCH_SEC, Scheduler, rngFor, type Rng } from '../sim/index.ts';
import { CollisionDomain, type DomainOptions } from './domain.ts';
import { Host, type HostContext } from './host.ts';
import type { Interface } from './iface.ts';
import type { MacAddr } from '../wire/index.ts';

export interface NetworkOptions {
  /** Root seed of every random stream; default 1. */
  seed?: number;
  /** Wall-clock second of virtual time 0; default 2011-10-26T10:30:00Z. */
  startEpochSec?: number;
}

/** Observers of topology changes (capture attaches itself to interfaces created later). */
export interface NetworkObserver {
  interfaceAdded?(host: Host, iface: Interface): void;
  domainAdded?(domain: CollisionDomain): void;
}

export class Network implements HostContext {
  readonly scheduler = new Scheduler();
  readonly seed: number;
  readonly startEpochSec: number;
  private readonly hostMap = new Map<string, Host>();
  private readonly domainMap = new Map<string, CollisionDomain>();
  private readonly observers: NetworkObserver[] = [];

  constructor(opts: NetworkOptions = {}) {
    this.seed = opts.seed ?? DEFAULT_SEED;
    this.startEpochSec = opts.startEpochSec ?? DEFAULT_START_EPOCH_SEC;
    if (!Number.isSafeInteger(this.seed) || this.seed < 0) throw new RangeError(`seed must be a non-negative integer, got ${this.seed}`);
    if (!Number.isSafeInteger(this.startEpochSec)) throw new RangeError(`start time must be whole epoch seconds, got ${this.startEpochSec}`);
  }

  get now(): number {
    return this.scheduler.now;
  }

  rng(name: string): Rng {
    return rngFor(this.seed, name);
  }

  observe(o: NetworkObserver): void {
    this.observers.push(o);
  }

  addDomain(name: string, opts: DomainOptions = {}): CollisionDomain {
    if (this.domainMap.has(name)) throw new Error(`collision domain ${name} already exists`);
    const d = new CollisionDomain(name, this.scheduler, this.rng(`domain/${name}/loss`), opts);
    this.domainMap.set(name, d);
    for (const o of this.observers) o.domainAdded?.(d);
    return d;
  }

  addHost(name: string, opts: { ipForward?: boolean } = {}): Host {
    if (this.hostMap.has(name)) throw new Error(`host ${name} already exists`);
    if (!/^[A-Za-z0-9_.-]+$/.test(name)) {
      throw new Error(`bad host name ${JSON.stringify(name)}: use letters, digits, '-', '_' and '.'`);
    }
    const h = new Host(name, this);
    h.ipForward = opts.ipForward ?? false;
    this.hostMap.set(name, h);
    return h;
  }

  /**
   * Plugs `host`'s interface `ifaceName` (created if missing) into `domain` (created if missing,
   * with default options), as a lab.conf line `host[N]=domain` does.
   */
  connect(host: Host | string, ifaceName: string, domain: CollisionDomain | string, opts: { mac?: MacAddr } = {}): Interface {
    const h = typeof host === 'string' ? this.host(host) : host;
    const d = typeof domain === 'string' ? (this.domainMap.get(domain) ?? this.addDomain(domain)) : domain;
    let iface = h.findInterface(ifaceName);
    if (iface === undefined) {
      iface = h.addInterface(ifaceName, opts.mac === undefined ? {} : { mac: opts.mac });
      for (const o of this.observers) o.interfaceAdded?.(h, iface);
    } else if (opts.mac !== undefined) {
      iface.mac = opts.mac;
    }
    if (iface.domain !== null && iface.domain !== d) iface.domain.detach(iface);
    iface.domain = d;
    d.attach(iface);
    return iface;
  }

  /** Adds an interface that is not plugged into any domain (yet). */
  addInterface(host: Host | string, ifaceName: string, opts: { mac?: MacAddr } = {}): Interface {
    const h = typeof host === 'string' ? this.host(host) : host;
    const iface = h.addInterface(ifaceName, opts);
    for (const o of this.observers) o.interfaceAdded?.(h, iface);
    return iface;
  }

  host(name: string): Host {
    const h = this.hostMap.get(name);
    if (h === undefined) throw new Error(`no host ${name} (hosts: ${[...this.hostMap.keys()].join(', ') || 'none'})`);
    return h;
  }

  domain(name: string): CollisionDomain {
    const d = this.domainMap.get(name);
    if (d === undefined) throw new Error(`no collision domain ${name} (domains: ${[...this.domainMap.keys()].join(', ') || 'none'})`);
    return d;
  }

  /** Hosts in creation order. */
  get hosts(): Host[] {
    return [...this.hostMap.values()];
  }

  /** Domains in creation order. */
  get domains(): CollisionDomain[] {
    return [...this.domainMap.values()];
  }

  /**
   * Throws if two interfaces on one domain have (or would get) the same MAC (a lab typo). Does not
   * fix the MACs, so addresses configured later still give the 02:00:<IPv4> ones.
   */
  checkMacs(): void {
    for (const d of this.domainMap.values()) {
      const seen = new Map<MacAddr, string>();
      for (const p of d.attached) {
        const iface = this.host(p.hostName).iface(p.name);
        const mac = iface.peekMac();
        const other = seen.get(mac);
        const me = `${p.hostName}-${p.name}`;
        if (other !== undefined) throw new Error(`domain ${d.name}: ${other} and ${me} have the same MAC address`);
        seen.set(mac, me);
      }
    }
  }
}
