// Stand-ins for net/core/secure_seq.c and the port-selection perturbation of
// net/ipv4/inet_hashtables.c. Linux keys a siphash with a boot-time secret; we key a small mixing
// function with words drawn from the host's seeded `<host>/tcp` stream, so the numbers look as
// random as the kernel's and are identical for the same seed.

import { fmix32, type Rng } from '../../sim/index.ts';

/** A keyed 32-bit hash of up to four 32-bit words. */
export function keyedHash(key: number, a: number, b: number, c: number, d: number): number {
  let h = key >>> 0;
  h = fmix32(h ^ Math.imul(a | 0, 0xcc9e2d51));
  h = fmix32((h + Math.imul(b | 0, 0x1b873593)) | 0);
  h = fmix32(h ^ Math.imul(c | 0, 0xe6546b64));
  h = fmix32((h + Math.imul(d | 0, 0x85ebca6b)) | 0);
  return h;
}

export class TcpSecrets {
  private readonly isnKey: number;
  private readonly tsKey: number;
  private readonly portKeyLo: number;
  private readonly portKeyHi: number;

  constructor(rng: Rng) {
    this.isnKey = rng.u32();
    this.tsKey = rng.u32();
    this.portKeyLo = rng.u32();
    this.portKeyHi = rng.u32();
  }

  /**
   * secure_tcp_seq(): a keyed hash of the 4-tuple plus a clock ticking every 64 ns, so a reused
   * 4-tuple gets a later ISN (RFC 6528).
   */
  isn(saddr: number, daddr: number, sport: number, dport: number, nowNs: number): number {
    const h = keyedHash(this.isnKey, saddr, daddr, (sport << 16) | dport, 0);
    return (h + Math.floor(nowNs / 64)) >>> 0;
  }

  /** secure_tcp_ts_off(): the random offset added to the 1 ms TSval clock of one connection. */
  tsOffset(saddr: number, daddr: number, sport: number, dport: number): number {
    return keyedHash(this.tsKey, saddr, daddr, (sport << 16) | dport, 1);
  }

  /** inet_sk_port_offset(): 64 bits per (saddr, daddr, dport) as two words (index bits, offset). */
  portOffset(saddr: number, daddr: number, dport: number): { index: number; offset: number } {
    return {
      index: keyedHash(this.portKeyLo, saddr, daddr, dport, 2),
      offset: keyedHash(this.portKeyHi, saddr, daddr, dport, 3),
    };
  }
}
