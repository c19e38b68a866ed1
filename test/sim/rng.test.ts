import { describe, expect, it } from 'vitest';
import { rngFor, hashSeedName } from '../../src/sim/index.ts';

function draw(seed: number, name: string, n: number): number[] {
  const r = rngFor(seed, name);
  return Array.from({ length: n }, () => r.u32());
}

describe('rngFor', () => {
  it('gives the same stream for the same (seed, name)', () => {
    expect(draw(1, 'client1/tcp', 20)).toEqual(draw(1, 'client1/tcp', 20));
  });

  it('streams do not depend on creation order or on other streams being used', () => {
    const a1 = rngFor(1, 'client1/tcp');
    const b1 = rngFor(1, 'server1/tcp');
    const seqA1 = [a1.u32(), a1.u32(), a1.u32()];
    const seqB1 = [b1.u32(), b1.u32(), b1.u32()];

    const b2 = rngFor(1, 'server1/tcp');
    for (let i = 0; i < 100; i++) b2.u32(); // heavy use of another stream first
    const a2 = rngFor(1, 'client1/tcp');
    const seqA2 = [a2.u32(), a2.u32(), a2.u32()];
    const b3 = rngFor(1, 'server1/tcp');
    expect(seqA2).toEqual(seqA1);
    expect([b3.u32(), b3.u32(), b3.u32()]).toEqual(seqB1);
  });

  it('differs across names and across seeds', () => {
    const base = draw(1, 'client1/tcp', 4);
    expect(draw(1, 'client2/tcp', 4)).not.toEqual(base);
    expect(draw(2, 'client1/tcp', 4)).not.toEqual(base);
    expect(hashSeedName(1, 'a')).not.toEqual(hashSeedName(1, 'b'));
    // seed bytes and name bytes are separated: (seed, name) pairs cannot alias
    expect(hashSeedName(0x31, '')).not.toEqual(hashSeedName(0, '1'));
  });

  it('int stays in range and covers it; float is in [0, 1)', () => {
    const r = rngFor(7, 'range');
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const v = r.int(15, 45);
      expect(v).toBeGreaterThanOrEqual(15);
      expect(v).toBeLessThanOrEqual(45);
      seen.add(v);
      const f = r.float();
      expect(f).toBeGreaterThanOrEqual(0);
      expect(f).toBeLessThan(1);
      const u = r.u32();
      expect(Number.isInteger(u) && u >= 0 && u <= 0xffffffff).toBe(true);
    }
    expect(seen.size).toBe(31);
    expect(() => r.int(5, 4)).toThrow(/bad range/);
  });

  it('u32 is roughly uniform (mean of 10k draws near 2^31)', () => {
    const r = rngFor(1, 'uniformity');
    let sum = 0;
    for (let i = 0; i < 10000; i++) sum += r.u32();
    const mean = sum / 10000 / 2 ** 32;
    expect(mean).toBeGreaterThan(0.48);
    expect(mean).toBeLessThan(0.52);
  });

  it('rejects bad seeds', () => {
    expect(() => rngFor(-1, 'x')).toThrow(/seed/);
    expect(() => rngFor(1.5, 'x')).toThrow(/seed/);
  });
});
