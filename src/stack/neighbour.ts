// The IPv4 neighbour (ARP) cache of one interface, with Linux's states and timers
// (net/core/neighbour.c: __neigh_event_send, __neigh_update, neigh_timer_handler; net/ipv4/arp.c).
//
//   (none)/FAILED --use--> INCOMPLETE: broadcast request now and each second, 3 in all
//                           (mcast_solicit); a reply -> REACHABLE and the queue is sent; no reply
//                           1 s after the third -> FAILED, queued packets dropped with an ICMP
//                           host unreachable to their sender.
//   REACHABLE --reachable_time (15-45 s) after the last confirmation--> STALE (or DELAY if used
//                           in the last 5 s).
//   STALE --use--> DELAY: the packet goes out with the cached MAC; 5 s later (delay_first_probe)
//                           REACHABLE if something confirmed the neighbour meanwhile, else PROBE.
//   PROBE: unicast request to the cached MAC now and each second, 3 in all (ucast_solicit); a
//                           reply -> REACHABLE, none -> FAILED.
import type { Ipv4Addr, MacAddr } from '../wire/index.ts';
import type { Rng, Scheduler, Timer } from '../sim/index.ts';

export type NudState = 'INCOMPLETE' | 'REACHABLE' | 'STALE' | 'DELAY' | 'PROBE' | 'FAILED';

/** NUD_VALID in Linux: the entry has a usable MAC. */
function isValid(s: NudState): boolean {
  return s === 'REACHABLE' || s === 'STALE' || s === 'DELAY' || s === 'PROBE';
}

export interface NeighbourParams {
  /** base_reachable_time; an entry stays REACHABLE a random 0.5-1.5 times this. */
  baseReachableNs: number;
  /** delay_first_probe_time. */
  delayProbeNs: number;
  /** retrans_time: the gap between requests. */
  retransNs: number;
  /** ucast_solicit: unicast probes of a STALE entry. */
  ucastProbes: number;
  /** mcast_solicit: broadcast requests for a new entry. */
  mcastProbes: number;
  /** unres_qlen_bytes: bytes of packets held while resolving; the oldest are dropped beyond it. */
  queueBytes: number;
  /** Linux re-draws reachable_time every 300 s (neigh_periodic_work). */
  rerandomizeNs: number;
}

export const LINUX_NEIGHBOUR_PARAMS: NeighbourParams = {
  baseReachableNs: 30e9,
  delayProbeNs: 5e9,
  retransNs: 1e9,
  ucastProbes: 3,
  mcastProbes: 3,
  queueBytes: 212992,
  rerandomizeNs: 300e9,
};

/** A packet waiting for its next hop's MAC: an Ethernet frame whose header is still to be written. */
export interface PendingFrame {
  frame: Uint8Array;
  notes: string[];
}

export class NeighbourEntry {
  mac: MacAddr = 0;
  state: NudState = 'FAILED';
  /** Last time the neighbour was proved reachable (ARP reply, upper-layer confirmation). */
  confirmedNs = -Infinity;
  /** Last time a packet needed it while not REACHABLE. */
  usedNs = 0;
  updatedNs = 0;
  probes = 0;
  timer: Timer | null = null;
  queue: PendingFrame[] = [];
  queueBytes = 0;
  constructor(readonly ip: Ipv4Addr) {}
}

/** What the cache needs from its interface and host. */
export interface NeighbourOwner {
  /** Sends an ARP request for `entry.ip`: broadcast, or unicast to `unicastTo`. */
  solicit(entry: NeighbourEntry, unicastTo: MacAddr | undefined, hint: PendingFrame | undefined): void;
  /** Transmits a pending frame now that its next hop's MAC is known. */
  transmitTo(mac: MacAddr, pending: PendingFrame): void;
  /** Resolution failed: each queued frame is dropped and reported (ICMP host unreachable). */
  unreachable(pending: PendingFrame): void;
}

export class NeighbourTable {
  private readonly entries = new Map<Ipv4Addr, NeighbourEntry>();
  private reachableNs = 0;
  private reachableEpoch = -1;

  constructor(
    private readonly scheduler: Scheduler,
    private readonly rng: Rng,
    private readonly owner: NeighbourOwner,
    readonly params: NeighbourParams = LINUX_NEIGHBOUR_PARAMS,
  ) {}

  /** The current reachable_time: uniform in [base/2, 3*base/2), re-drawn every 300 s. */
  reachableTime(): number {
    const epoch = Math.floor(this.scheduler.now / this.params.rerandomizeNs);
    if (epoch !== this.reachableEpoch) {
      this.reachableEpoch = epoch;
      const b = this.params.baseReachableNs;
      // Millisecond granularity, like jiffies at HZ=1000.
      this.reachableNs = this.rng.int(b / 2e6, (3 * b) / 2e6 - 1) * 1e6;
    }
    return this.reachableNs;
  }

  get(ip: Ipv4Addr): NeighbourEntry | undefined {
    return this.entries.get(ip);
  }

  /** Entries sorted by address (for `ip neigh` and `arp -n`). */
  list(): NeighbourEntry[] {
    return [...this.entries.values()].sort((a, b) => a.ip - b.ip);
  }

  /** Sends `pending` to `ip`, resolving it first if needed (neigh_resolve_output). */
  output(ip: Ipv4Addr, pending: PendingFrame): void {
    let e = this.entries.get(ip);
    const now = this.scheduler.now;
    if (e !== undefined && e.state === 'REACHABLE') {
      // neigh_connected_output: no bookkeeping on the fast path.
      this.owner.transmitTo(e.mac, pending);
      return;
    }
    if (e === undefined) {
      e = new NeighbourEntry(ip);
      this.entries.set(ip, e);
    }
    e.usedNs = now;
    switch (e.state) {
      case 'STALE':
        e.state = 'DELAY';
        e.updatedNs = now;
        this.arm(e, now + this.params.delayProbeNs);
        this.owner.transmitTo(e.mac, pending);
        return;
      case 'DELAY':
      case 'PROBE':
        this.owner.transmitTo(e.mac, pending);
        return;
      case 'INCOMPLETE':
        this.enqueue(e, pending);
        return;
      case 'FAILED': {
        // A new resolution: the probe counter starts at ucast_solicit so that only the
        // mcast_solicit broadcasts are sent (there is no MAC to unicast to).
        e.state = 'INCOMPLETE';
        e.updatedNs = now;
        e.probes = this.params.ucastProbes;
        this.enqueue(e, pending);
        this.arm(e, now + this.params.retransNs);
        this.probe(e);
        return;
      }
      default:
        return;
    }
  }

  /**
   * An upper layer proved the neighbour reachable (dst_confirm_neigh: TCP got an ACK for new
   * data). Only moves the timestamp; the DELAY timer turns that into REACHABLE.
   */
  confirm(ip: Ipv4Addr): void {
    const e = this.entries.get(ip);
    if (e !== undefined) e.confirmedNs = this.scheduler.now;
  }

  /**
   * __neigh_update as arp_process calls it: `newState` REACHABLE for a reply addressed to us,
   * STALE otherwise. `create` for a request to one of our addresses (neigh_event_ns): the target
   * learns the requester.
   */
  update(ip: Ipv4Addr, mac: MacAddr, newState: 'REACHABLE' | 'STALE', create: boolean): void {
    let e = this.entries.get(ip);
    if (e === undefined) {
      if (!create) return;
      e = new NeighbourEntry(ip);
      this.entries.set(ip, e);
    }
    const now = this.scheduler.now;
    const old = e.state;
    let next: NudState = newState;
    if (next === 'REACHABLE') e.confirmedNs = now;
    // A valid entry whose address did not change keeps its state when told "STALE".
    if (isValid(old) && mac === e.mac && next === 'STALE') next = old;
    const macChanged = mac !== e.mac || !isValid(old);
    if (next !== old || macChanged) e.updatedNs = now;
    if (macChanged) {
      e.mac = mac;
      // A new address is unconfirmed unless this very update confirms it.
      if (next !== 'REACHABLE') e.confirmedNs = now - 2 * this.params.baseReachableNs;
    }
    if (next === old) return;
    this.disarm(e);
    e.state = next;
    if (next === 'REACHABLE') this.arm(e, now + this.reachableTime());
    if (!isValid(old)) this.flush(e);
  }

  /** Drops every entry and its timers (interface down, address flush). */
  clear(): void {
    for (const e of this.entries.values()) this.disarm(e);
    this.entries.clear();
  }

  private enqueue(e: NeighbourEntry, p: PendingFrame): void {
    const len = p.frame.length;
    while (e.queue.length > 0 && e.queueBytes + len > this.params.queueBytes) {
      const dropped = e.queue.shift() as PendingFrame;
      e.queueBytes -= dropped.frame.length;
    }
    e.queue.push(p);
    e.queueBytes += len;
  }

  /** Sends what waited for the MAC, through the normal path (a STALE entry goes to DELAY). */
  private flush(e: NeighbourEntry): void {
    const q = e.queue;
    e.queue = [];
    e.queueBytes = 0;
    for (const p of q) this.output(e.ip, p);
  }

  private probe(e: NeighbourEntry): void {
    const hint = e.queue[e.queue.length - 1];
    // arp_solicit: the first ucast_solicit probes are unicast to the cached MAC, later ones
    // broadcast. A new entry starts past the unicast ones.
    const unicast = e.probes < this.params.ucastProbes ? e.mac : undefined;
    e.probes++;
    this.owner.solicit(e, unicast, hint);
  }

  private arm(e: NeighbourEntry, at: number): void {
    this.disarm(e);
    e.timer = this.scheduler.at(at, () => this.onTimer(e));
  }

  private disarm(e: NeighbourEntry): void {
    if (e.timer !== null) {
      this.scheduler.cancel(e.timer);
      e.timer = null;
    }
  }

  /** neigh_timer_handler. */
  private onTimer(e: NeighbourEntry): void {
    e.timer = null;
    const now = this.scheduler.now;
    const p = this.params;
    let next = -1;
    switch (e.state) {
      case 'REACHABLE': {
        const until = e.confirmedNs + this.reachableTime();
        if (now <= until) {
          next = until;
        } else if (now <= e.usedNs + p.delayProbeNs) {
          e.state = 'DELAY';
          e.updatedNs = now;
          next = now + p.delayProbeNs;
        } else {
          e.state = 'STALE';
          e.updatedNs = now;
        }
        break;
      }
      case 'DELAY':
        if (now <= e.confirmedNs + p.delayProbeNs) {
          e.state = 'REACHABLE';
          e.updatedNs = now;
          next = e.confirmedNs + this.reachableTime();
        } else {
          e.state = 'PROBE';
          e.updatedNs = now;
          e.probes = 0;
          next = now + p.retransNs;
        }
        break;
      case 'INCOMPLETE':
      case 'PROBE':
        next = now + p.retransNs;
        break;
      default:
        return;
    }
    if (e.state === 'INCOMPLETE' || e.state === 'PROBE') {
      const max = p.ucastProbes + (e.state === 'INCOMPLETE' ? p.mcastProbes : 0);
      if (e.probes >= max) {
        this.fail(e);
        return;
      }
    }
    // Linux never arms a neighbour timer closer than HZ/100 (10 ms) ahead.
    if (next >= 0) e.timer = this.scheduler.at(Math.max(next, now + 10e6), () => this.onTimer(e));
    if (e.state === 'INCOMPLETE' || e.state === 'PROBE') this.probe(e);
  }

  /** neigh_invalidate: FAILED, and every queued packet is reported unreachable. */
  private fail(e: NeighbourEntry): void {
    e.state = 'FAILED';
    e.updatedNs = this.scheduler.now;
    const q = e.queue;
    e.queue = [];
    e.queueBytes = 0;
    for (const p of q) this.owner.unreachable(p);
  }
}
