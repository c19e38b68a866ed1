import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { md5, md5Hex, md5sumLine } from '../../src/apps/md5.ts';

const utf8 = (s: string) => new TextEncoder().encode(s);

describe('md5', () => {
  it('matches the RFC 1321 test suite', () => {
    const vectors: Array<[string, string]> = [
      ['', 'd41d8cd98f00b204e9800998ecf8427e'],
      ['a', '0cc175b9c0f1b6a831c399e269772661'],
      ['abc', '900150983cd24fb0d6963f7d28e17f72'],
      ['message digest', 'f96b697d7cb7938d525a2f31aaf161d0'],
      ['abcdefghijklmnopqrstuvwxyz', 'c3fcd3d76192e4007dfb496cca67e13b'],
      ['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789', 'd174ab98d277d9f5a5611c2c9f419d9f'],
      ['12345678901234567890123456789012345678901234567890123456789012345678901234567890', '57edf4a22be3c955ac49da2e2107b67a'],
    ];
    for (const [input, hex] of vectors) expect(md5Hex(utf8(input))).toBe(hex);
  });

  it('agrees with node:crypto at every length around the padding boundaries', () => {
    for (let len = 0; len <= 300; len++) {
      const data = new Uint8Array(len);
      for (let i = 0; i < len; i++) data[i] = (i * 131 + len * 7) & 0xff;
      expect(md5Hex(data), `length ${len}`).toBe(createHash('md5').update(data).digest('hex'));
    }
  });

  it('hashes the lab page as md5sum does', () => {
    const page = utf8('<html><body><h1>This reply comes from server 1!</h1></body></html>\n');
    expect(md5sumLine(page)).toBe(`${createHash('md5').update(page).digest('hex')}  -\n`);
    expect(md5(page)).toHaveLength(16);
  });
});
