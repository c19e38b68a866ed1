// Ephemeral port choice for connect(), after __inet_hash_connect() in net/ipv4/inet_hashtables.c
// (Linux 6.x): start at a per-destination offset plus a perturbation-table entry, scan ports of
// the low bound's parity (even) in steps of 2, then the other parity; after a success, move the
// table entry on by max(i, random(0..7) * 2) + 2 so consecutive connections to one destination
// rise in random even steps of 2-16 (LINUX.md, Ports).

import type { Rng } from '../../sim/index.ts';
import type { TcpSecrets } from './secure.ts';

/** INET_TABLE_PERTURB_SIZE is 2^16 in the kernel; 2^10 entries give the same behaviour per host. */
const PERTURB_SIZE = 1 << 10;

/**
 * Our active opens (and their TIME_WAIT entries) towards one remote endpoint, by local port: a
 * count per port, and a bitmap of the ports in use, one half per parity (bit q of a half is port
 * 2q + parity), since the scan below steps through one parity at a time. With tens of thousands of
 * TIME_WAIT entries a whole parity can be taken; the bitmap lets the scan pass 32 of them a word.
 */
export class PortUse {
  private readonly counts = new Uint8Array(65536);
  private readonly bits = new Uint32Array(65536 / 32);

  add(port: number): void {
    if (this.counts[port]!++ === 0) this.bits[wordOf(port)]! |= 1 << ((port >> 1) & 31);
  }

  remove(port: number): void {
    if (--this.counts[port]! === 0) this.bits[wordOf(port)]! &= ~(1 << ((port >> 1) & 31));
  }

  has(port: number): boolean {
    return this.counts[port] !== 0;
  }

  /** The first port p >= `port` of the same parity, p < `end`, not in use; `end` when there is none. */
  nextFree(port: number, end: number): number {
    const parity = port & 1;
    const base = parity << 10;
    // Ports 2q + parity below end: q < ceil((end - parity) / 2).
    const qEnd = (end - parity + 1) >> 1;
    let q = port >> 1;
    let w = q >> 5;
    let free = ~this.bits[base + w]! & (-1 << (q & 31));
    while (free === 0) {
      w++;
      if (w << 5 >= qEnd) return end;
      free = ~this.bits[base + w]!;
    }
    q = (w << 5) + 31 - Math.clz32(free & -free);
    return q < qEnd ? 2 * q + parity : end;
  }
}

/** The bitmap word of a port: parity half, then q / 32. */
function wordOf(port: number): number {
  return ((port & 1) << 10) | (port >> 6);
}

/** The final say on a candidate port that the per-destination use record leaves free. */
export interface PortCheck {
  /**
   * Whether `port` can be used for src:port -> dst:dport: not bound by a listener and (when the
   * destination has a use record) the 4-tuple not held by any other socket or TIME_WAIT entry.
   */
  portUsable(src: number, port: number, dst: number, dport: number, tracked: boolean): boolean;
}

export class EphemeralPorts {
  private perturb: Uint32Array | null = null;

  constructor(
    private readonly low: number,
    private readonly high: number,
    private readonly secrets: TcpSecrets,
    private readonly rng: Rng,
  ) {}

  /**
   * Picks a local port for (saddr -> daddr:dport). `used` holds our active opens and their TIME_WAIT
   * entries towards daddr:dport (undefined: none yet); runs of ports it marks are passed a bitmap
   * word at a time, as the kernel's scan would pass them one by one (its `i` advances the same).
   * A port it leaves free still goes to `check` (listeners, other sockets on the 4-tuple).
   * Returns undefined when every port is taken (EADDRNOTAVAIL).
   */
  pick(saddr: number, daddr: number, dport: number, used: PortUse | undefined, check: PortCheck): number | undefined {
    if (this.perturb === null) {
      // get_random_sleepable_once(table_perturb, ...): filled with random words on first use.
      this.perturb = new Uint32Array(PERTURB_SIZE);
      for (let i = 0; i < PERTURB_SIZE; i++) this.perturb[i] = this.rng.u32();
    }
    const table = this.perturb;
    const { index: indexHash, offset: portOffset } = this.secrets.portOffset(saddr, daddr, dport);
    const index = indexHash & (PERTURB_SIZE - 1);
    const high = this.high + 1; // [low, high] -> [low, high[
    let remaining = high - this.low;
    if (remaining > 1) remaining &= ~1;
    let offset = ((table[index]! + portOffset) >>> 0) % remaining;
    offset &= ~1;
    const step = 2;
    for (;;) {
      let port = this.low + offset;
      for (let i = 0; i < remaining; i += step, port += step) {
        if (port >= high) port -= remaining;
        if (used !== undefined && used.has(port)) {
          // Skip to the next free port of this parity before the wrap at `high` and before the
          // scan's `remaining` steps run out; then go round the loop as the kernel would.
          const end = Math.min(high, port + (remaining - i));
          const free = used.nextFree(port, end);
          const steps = free < end ? (free - port) >> 1 : (end - port + 1) >> 1;
          i += steps * step;
          port += steps * step;
          i -= step;
          port -= step;
          continue;
        }
        if (!check.portUsable(saddr, port, daddr, dport, used !== undefined)) continue;
        const jitter = Math.max(i, this.rng.int(0, 7) * step);
        table[index] = (table[index]! + jitter + step) >>> 0;
        return port;
      }
      offset++;
      if ((offset & 1) === 0 || remaining <= 1) return undefined;
    }
  }
}
