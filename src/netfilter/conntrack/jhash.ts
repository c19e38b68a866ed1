// Bob Jenkins' lookup3 hash as include/linux/jhash.h has it (jhash2 over 32-bit words). The NAT
// core uses it to pick an address from a --to-destination/--to-source range, so a range spreads
// clients over addresses exactly as the kernel does; conntrack uses it (seeded) for the bucket
// order `conntrack -L` walks.

const JHASH_INITVAL = 0xdeadbeef;

function rol32(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** jhash2(k, length, initval): `words` are u32 values as the CPU reads them. */
export function jhash2(words: ArrayLike<number>, initval: number): number {
  let length = words.length;
  let a = (JHASH_INITVAL + (length << 2) + initval) >>> 0;
  let b = a;
  let c = a;
  let i = 0;
  while (length > 3) {
    a = (a + words[i]!) >>> 0;
    b = (b + words[i + 1]!) >>> 0;
    c = (c + words[i + 2]!) >>> 0;
    // __jhash_mix
    a = (a - c) >>> 0; a = (a ^ rol32(c, 4)) >>> 0; c = (c + b) >>> 0;
    b = (b - a) >>> 0; b = (b ^ rol32(a, 6)) >>> 0; a = (a + c) >>> 0;
    c = (c - b) >>> 0; c = (c ^ rol32(b, 8)) >>> 0; b = (b + a) >>> 0;
    a = (a - c) >>> 0; a = (a ^ rol32(c, 16)) >>> 0; c = (c + b) >>> 0;
    b = (b - a) >>> 0; b = (b ^ rol32(a, 19)) >>> 0; a = (a + c) >>> 0;
    c = (c - b) >>> 0; c = (c ^ rol32(b, 4)) >>> 0; b = (b + a) >>> 0;
    length -= 3;
    i += 3;
  }
  // The kernel's switch falls through 3 -> 2 -> 1; spelled out as ifs.
  if (length >= 3) c = (c + words[i + 2]!) >>> 0;
  if (length >= 2) b = (b + words[i + 1]!) >>> 0;
  if (length >= 1) {
    a = (a + words[i]!) >>> 0;
    // __jhash_final
    c = (c ^ b) >>> 0; c = (c - rol32(b, 14)) >>> 0;
    a = (a ^ c) >>> 0; a = (a - rol32(c, 11)) >>> 0;
    b = (b ^ a) >>> 0; b = (b - rol32(a, 25)) >>> 0;
    c = (c ^ b) >>> 0; c = (c - rol32(b, 16)) >>> 0;
    a = (a ^ c) >>> 0; a = (a - rol32(c, 4)) >>> 0;
    b = (b ^ a) >>> 0; b = (b - rol32(a, 14)) >>> 0;
    c = (c ^ b) >>> 0; c = (c - rol32(b, 24)) >>> 0;
  }
  return c;
}

/** A big-endian (network order) u32 as a little-endian CPU loads it: what `(u32 *)&iph->saddr` sees. */
export function asLoadedLittleEndian(be: number): number {
  return (((be & 0xff) << 24) | ((be & 0xff00) << 8) | ((be >>> 8) & 0xff00) | (be >>> 24)) >>> 0;
}

/** reciprocal_scale(val, ep_ro): maps a u32 onto [0, ep_ro) as (val * ep_ro) >> 32. */
export function reciprocalScale(val: number, epRo: number): number {
  return Math.floor((val * epRo) / 4294967296);
}
