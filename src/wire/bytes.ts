// Big-endian (network order) accessors over Uint8Array. Small functions that V8 inlines; they
// avoid a DataView allocation per header on the hot path.

export const EMPTY_BYTES: Uint8Array = new Uint8Array(0);

export function readU8(b: Uint8Array, o: number): number {
  return b[o]!;
}

export function readU16(b: Uint8Array, o: number): number {
  return (b[o]! << 8) | b[o + 1]!;
}

export function readU32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

export function writeU8(b: Uint8Array, o: number, v: number): void {
  b[o] = v;
}

export function writeU16(b: Uint8Array, o: number, v: number): void {
  b[o] = v >>> 8;
  b[o + 1] = v;
}

export function writeU32(b: Uint8Array, o: number, v: number): void {
  b[o] = v >>> 24;
  b[o + 1] = v >>> 16;
  b[o + 2] = v >>> 8;
  b[o + 3] = v;
}

/** Lower-case hex of a byte range, no separators (for messages and tests). */
export function toHex(b: Uint8Array, off = 0, len = b.length - off): string {
  let s = '';
  for (let i = off; i < off + len; i++) s += b[i]!.toString(16).padStart(2, '0');
  return s;
}

/** Parses hex with optional whitespace (fixtures); throws on odd length or a non-hex digit. */
export function fromHex(hex: string): Uint8Array {
  const clean = hex.replace(/\s+/g, '');
  if (clean.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(clean)) {
    throw new RangeError(`fromHex: not an even-length hex string: ${JSON.stringify(hex.slice(0, 40))}`);
  }
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}

// V8 (Node 20) gives a typed array of more than 64 bytes its own off-heap backing store, which
// costs ~0.5-0.9 µs per allocation — more than building and checksumming a whole frame. Frames
// are therefore carved out of shared 16 KiB slabs (~30 ns each). A slab stays alive while any
// array carved from it does: keep-for-long data should be copied into its own array.
const SLAB_SIZE = 16384;
const SLAB_MAX_PIECE = 2048;
let slab = new ArrayBuffer(SLAB_SIZE);
let slabOff = 0;

/** A zero-filled byte array of `len` bytes, cheap for frame-sized lengths (see above). */
export function allocBytes(len: number): Uint8Array {
  if (len > SLAB_MAX_PIECE) return new Uint8Array(len);
  if (slabOff + len > SLAB_SIZE) {
    slab = new ArrayBuffer(SLAB_SIZE);
    slabOff = 0;
  }
  const a = new Uint8Array(slab, slabOff, len);
  slabOff += (len + 7) & ~7;
  return a;
}

/** A copy of b[start, end) in an array from allocBytes. */
export function copyBytes(b: Uint8Array, start = 0, end = b.length): Uint8Array {
  const a = allocBytes(end - start);
  a.set(b.subarray(start, end));
  return a;
}
