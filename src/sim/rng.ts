// Seeded random streams, one per component.
//
// A stream's state is a hash of (root seed, component name), never a draw from a shared parent
// generator: adding a host or creating components in another order cannot shift anyone else's
// numbers. The generator is pure-rand's xoroshiro128+, seeded with the 128-bit hash.
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';
import { xoroshiro128plusFromState } from 'pure-rand/generator/xoroshiro128plus';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';

export const DEFAULT_SEED = 1;

/** murmur3's 32-bit finaliser: spreads every input bit over the whole word. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function utf8(s: string): number[] {
  const out: number[] = [];
  for (const ch of s) {
    const c = ch.codePointAt(0) as number;
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
  }
  return out;
}

/**
 * 128 bits (four words) from (seed, name): four FNV-1a lanes with distinct offsets over the
 * seed's 8 bytes (safe integers up to 2^53) and the name's UTF-8 bytes, each finalised by fmix32.
 */
export function hashSeedName(seed: number, name: string): [number, number, number, number] {
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new RangeError(`seed must be a non-negative integer, got ${seed}`);
  }
  const lo = seed >>> 0;
  const hi = Math.floor(seed / 0x100000000) >>> 0;
  const bytes = [
    lo & 255, (lo >>> 8) & 255, (lo >>> 16) & 255, lo >>> 24,
    hi & 255, (hi >>> 8) & 255, (hi >>> 16) & 255, hi >>> 24,
    0xff, // separator: seed bytes can never run into the name
    ...utf8(name),
  ];
  const words: [number, number, number, number] = [0, 0, 0, 0];
  for (let lane = 0; lane < 4; lane++) {
    let h = (0x811c9dc5 ^ Math.imul(lane + 1, 0x9e3779b9)) >>> 0;
    for (const b of bytes) {
      h ^= b;
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    words[lane] = fmix32(h ^ bytes.length);
  }
  // xoroshiro's all-zero state is a fixed point; four independent hashes all 0 never happens in
  // practice, but the guard costs nothing.
  if ((words[0] | words[1] | words[2] | words[3]) === 0) words[0] = 1;
  return words;
}

/** One component's random stream. */
export class Rng {
  constructor(
    /** The component name this stream belongs to, e.g. `client1/tcp`. */
    readonly name: string,
    private readonly gen: RandomGenerator,
  ) {}

  /** Uniform integer in [0, 2^32). */
  u32(): number {
    return this.gen.next() >>> 0;
  }

  /** Uniform integer in [lo, hiIncl]. */
  int(lo: number, hiIncl: number): number {
    if (!Number.isSafeInteger(lo) || !Number.isSafeInteger(hiIncl) || hiIncl < lo) {
      throw new RangeError(`Rng.int: bad range [${lo}, ${hiIncl}]`);
    }
    return uniformInt(this.gen, lo, hiIncl);
  }

  /** Uniform float in [0, 1) with 53 random bits. */
  float(): number {
    return uniformFloat64(this.gen);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.float() < p;
  }
}

/** The random stream of component `name` under root `seed`. */
export function rngFor(seed: number, name: string): Rng {
  const s = hashSeedName(seed, name);
  // pure-rand's state order for xoroshiro128+ is [s01, s00, s11, s10].
  return new Rng(name, xoroshiro128plusFromState([s[0] | 0, s[1] | 0, s[2] | 0, s[3] | 0]));
}
