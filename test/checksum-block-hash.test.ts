// The block checksum (src/checksum/block-hash.ts): the WebAssembly SIMD function gives exactly what
// the plain JavaScript reference gives, for whole 4 KiB blocks and short ones, and any flipped bit
// changes it.
import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { hashableBuffer, hashBlockJs, hashBlocks } from '../src/checksum/block-hash.js';
import { blockSums } from '../src/checksum/format.js';

describe('block checksum', () => {
  it('matches the JavaScript reference, batched, for 4 KiB blocks and a short last block', () => {
    const data = randomBytes(3 * 1024 * 1024 + 4096 * 3 + 100);
    const out = new Uint32Array(Math.ceil(data.length / 4096));
    hashBlocks(data, 4096, out);
    for (let i = 0; i < out.length; i++) expect(out[i]).toBe(hashBlockJs(data.subarray(i * 4096, (i + 1) * 4096)));
    for (const len of [1, 63, 64, 65, 511, 4095]) {
      const one = new Uint32Array(1);
      hashBlocks(data.subarray(0, len), 4096, one);
      expect(one[0]).toBe(hashBlockJs(data.subarray(0, len)));
    }
    const big = new Uint32Array(2);
    hashBlocks(data.subarray(0, 2 * 65536), 65536, big);
    expect([...big]).toEqual([hashBlockJs(data.subarray(0, 65536)), hashBlockJs(data.subarray(65536, 131072))]);
  });

  it('hashes a hashable buffer in place: the same sums at any offset, with a short tail, past one batch', () => {
    const src = randomBytes(80 * 1024 * 1024 + 4096 + 700);
    const buf = hashableBuffer(src.length);
    src.copy(buf);
    for (const [off, len, bs] of [[0, src.length, 4096], [4096 * 3, 1 << 20, 4096], [100, 8192 + 33, 4096], [0, 65536 * 5, 65536]] as const) {
      const n = Math.ceil(len / bs);
      const inPlace = new Uint32Array(n);
      hashBlocks(buf.subarray(off, off + len), bs, inPlace);
      const copied = new Uint32Array(n);
      hashBlocks(Buffer.from(src.subarray(off, off + len)), bs, copied);
      expect(Buffer.from(inPlace.buffer).equals(Buffer.from(copied.buffer))).toBe(true);
      for (const i of [0, n - 1]) expect(inPlace[i]).toBe(hashBlockJs(src.subarray(off + i * bs, Math.min(off + len, off + (i + 1) * bs))));
    }
  });

  it('changes when any one bit of a block flips, and tells the length of a zero block', () => {
    const block = randomBytes(4096);
    const base = blockSums(block, 4096)[0];
    for (let i = 0; i < 2000; i++) {
      const bit = Math.floor(Math.random() * 4096 * 8);
      const b = Buffer.from(block);
      b[bit >> 3] ^= 1 << (bit & 7);
      expect(blockSums(b, 4096)[0]).not.toBe(base);
    }
    expect(hashBlockJs(Buffer.alloc(4096))).not.toBe(hashBlockJs(Buffer.alloc(4032)));
  });
});
