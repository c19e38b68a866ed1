// Ephemeral port choice for connect(), after __inet_hash_connect() in net/ipv4/inet_hashtables.c
// (Linux 6.x): start at a per-destination offset plus a perturbation-table entry, scan ports of
// the low bound's parity (even) in steps of 2, then the other parity; after a success, move the
// table entry on by max(i, random(0..7) * 2) + 2 so consecutive connections to one destination
// rise in random even steps of 2-16 (LINUX.md, Ports).

import type { Rng } from '../../sim/index.ts';
import type { TcpSecrets } from './secure.ts';

/** INET_TABLE_PERTURB_SIZE is 2^16 in the kernel; 2^10 entries give the same behaviour per host. */
const PERTURB_SIZE = 1 << 10;

export class EphemeralPorts {
  private perturb: Uint32Array | null = null;

  constructor(
    private readonly low: number,
    private readonly high: number,
    private readonly secrets: TcpSecrets,
    private readonly rng: Rng,
  ) {}

  /**
   * Picks a local port for (saddr -> daddr:dport). `usable(port)` says whether the port can be used
   * (not bound by a listener, and the 4-tuple not held by another socket or a TIME_WAIT entry).
   * Returns undefined when every port is taken (EADDRNOTAVAIL).
   */
  pick(saddr: number, daddr: number, dport: number, usable: (port: number) => boolean): number | undefined {
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
        if (!usable(port)) continue;
        const jitter = Math.max(i, this.rng.int(0, 7) * step);
        table[index] = (table[index]! + jitter + step) >>> 0;
        return port;
      }
      offset++;
      if ((offset & 1) === 0 || remaining <= 1) return undefined;
    }
  }
}
