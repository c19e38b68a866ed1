import { describe, expect, it } from 'vitest';
import { EphemeralPorts, PortUse, type PortCheck } from '../../../src/stack/tcp/ports.ts';
import { TcpSecrets } from '../../../src/stack/tcp/secure.ts';
import { rngFor, type Rng } from '../../../src/sim/index.ts';

/**
 * __inet_hash_connect()'s scan written out port by port, as the kernel does it: the reference the
 * bitmap-skipping EphemeralPorts.pick must agree with, port for port and random draw for draw.
 */
class ReferencePorts {
  private perturb: Uint32Array | null = null;
  constructor(
    private readonly low: number,
    private readonly high: number,
    private readonly secrets: TcpSecrets,
    private readonly rng: Rng,
  ) {}

  pick(saddr: number, daddr: number, dport: number, usable: (port: number) => boolean): number | undefined {
    if (this.perturb === null) {
      this.perturb = new Uint32Array(1 << 10);
      for (let i = 0; i < this.perturb.length; i++) this.perturb[i] = this.rng.u32();
    }
    const table = this.perturb;
    const { index: indexHash, offset: portOffset } = this.secrets.portOffset(saddr, daddr, dport);
    const index = indexHash & (table.length - 1);
    const high = this.high + 1;
    let remaining = high - this.low;
    if (remaining > 1) remaining &= ~1;
    let offset = ((table[index]! + portOffset) >>> 0) % remaining;
    offset &= ~1;
    for (;;) {
      let port = this.low + offset;
      for (let i = 0; i < remaining; i += 2, port += 2) {
        if (port >= high) port -= remaining;
        if (!usable(port)) continue;
        table[index] = (table[index]! + Math.max(i, this.rng.int(0, 7) * 2) + 2) >>> 0;
        return port;
      }
      offset++;
      if ((offset & 1) === 0 || remaining <= 1) return undefined;
    }
  }
}

function pair(low: number, high: number, seed: number): [EphemeralPorts, ReferencePorts] {
  const a = rngFor(seed, 'test/ports');
  const b = rngFor(seed, 'test/ports');
  return [new EphemeralPorts(low, high, new TcpSecrets(a), a), new ReferencePorts(low, high, new TcpSecrets(b), b)];
}

describe('EphemeralPorts.pick', () => {
  it('picks what the port-by-port scan picks, over seeded random ranges, port uses, listeners and taken tuples', () => {
    const rng = rngFor(7, 'test/ports/cases');
    for (let n = 0; n < 300; n++) {
      // Small ranges (odd and even sizes, odd and even bounds) so that runs, wraps and full parities happen.
      const low = rng.int(1, 65000);
      const high = Math.min(65535, low + rng.int(0, rng.chance(0.2) ? 3000 : 200));
      const [fast, ref] = pair(low, high, n + 1);
      const use = new PortUse();
      const used = new Set<number>();
      const listeners = new Set<number>();
      const taken = new Set<number>(); // a passive socket already holds the 4-tuple
      const density = rng.float();
      for (let p = low; p <= high; p++) {
        if (rng.chance(density)) {
          use.add(p);
          used.add(p);
        }
        if (rng.chance(0.02)) listeners.add(p);
        if (rng.chance(0.02)) taken.add(p);
      }
      const tracked = !rng.chance(0.1);
      const check: PortCheck = {
        portUsable: (_s, port, _d, _dp, t) => !listeners.has(port) && (!t || !taken.has(port)),
      };
      for (let k = 0; k < 40; k++) {
        const got = fast.pick(0x0a00000a, 0x64000001, 80, tracked ? use : undefined, check);
        const want = ref.pick(0x0a00000a, 0x64000001, 80, (p) =>
          tracked ? !used.has(p) && !listeners.has(p) && !taken.has(p) : !listeners.has(p),
        );
        expect(got, `case ${n} (ports ${low}-${high}), pick ${k}`).toBe(want);
        if (got === undefined) break;
        if (tracked) {
          use.add(got);
          used.add(got);
        }
        // Now and then a port is freed again (its TIME_WAIT entry expired).
        if (tracked && rng.chance(0.3) && used.size > 0) {
          const p = low + rng.int(0, high - low);
          if (used.has(p)) {
            use.remove(p);
            used.delete(p);
          }
        }
      }
    }
  });

  it('passes a parity whose every port is in use and takes the first free port of the other', () => {
    const [fast, ref] = pair(32768, 60999, 3);
    const use = new PortUse();
    const used = new Set<number>();
    for (let p = 32768; p <= 60999; p += 2) {
      use.add(p);
      used.add(p);
    }
    const check: PortCheck = { portUsable: () => true };
    const got = fast.pick(1, 2, 80, use, check);
    expect(got).toBe(ref.pick(1, 2, 80, (p) => !used.has(p)));
    expect(got! % 2).toBe(1);
  });

  it('returns undefined when every port is in use (EADDRNOTAVAIL)', () => {
    const [fast] = pair(40000, 40099, 5);
    const use = new PortUse();
    for (let p = 40000; p <= 40099; p++) use.add(p);
    expect(fast.pick(1, 2, 80, use, { portUsable: () => true })).toBeUndefined();
  });
});

describe('PortUse', () => {
  it('counts a port used twice until both uses go, and finds the next free port of a parity', () => {
    const u = new PortUse();
    u.add(1000);
    u.add(1000);
    u.remove(1000);
    expect(u.has(1000)).toBe(true);
    u.remove(1000);
    expect(u.has(1000)).toBe(false);
    for (let p = 1000; p < 1200; p += 2) u.add(p);
    expect(u.nextFree(1000, 1300)).toBe(1200);
    expect(u.nextFree(1000, 1200)).toBe(1200);
    expect(u.nextFree(1001, 1300)).toBe(1001);
    expect(u.nextFree(65534, 65536)).toBe(65534);
    u.add(65534);
    expect(u.nextFree(65534, 65536)).toBe(65536);
  });
});
