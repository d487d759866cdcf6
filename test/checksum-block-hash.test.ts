// The block checksums (src/checksum/block-hash.ts, block-hash-v2.ts): each WebAssembly SIMD function
// gives exactly what its plain JavaScript reference gives, for whole blocks, short ones and blocks
// of several 4 KiB chunks, and no flip of one to three bits goes unseen (the rot they are there for).
import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { hashableBuffer, hashBlockJsOf, hashBlocks, type HashVersion } from '../src/checksum/block-hash.js';
import { blockSums } from '../src/checksum/format.js';

const B = 4096;

/** A deterministic xorshift32 (the flips must be the same at every run). */
function rng(seed: number): () => number {
  let x = seed | 0;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

/**
 * Trials of `flips` (bit positions to flip in a copy of a 4 KiB block) whose hash equals the
 * unflipped block's, over random blocks (a new one every 4096 trials) and structured ones.
 */
function misses(version: HashVersion, trials: number, flips: (rnd: () => number) => number[]): Record<string, number> {
  const kinds: Record<string, () => Buffer> = {
    random: () => randomBytes(B),
    zeros: () => Buffer.alloc(B),
    ones: () => Buffer.alloc(B, 0xff),
    counting: () => Buffer.from(Array.from({ length: B }, (_, i) => i & 0xff)),
    text: () => Buffer.from('The quick brown fox jumps over the lazy dog. '.repeat(92).slice(0, B)),
  };
  const N = 256;
  const buf = hashableBuffer(N * B);
  const out = new Uint32Array(N);
  const rnd = rng(0x2545f491);
  const found: Record<string, number> = {};
  for (const [kind, make] of Object.entries(kinds)) {
    let block = make();
    let m = 0;
    const per = Math.ceil(trials / Object.keys(kinds).length / N) * N;
    for (let done = 0; done < per; done += N) {
      if (kind === 'random' && done && done % (16 * N) === 0) block = make();
      const base = blockSums(block, B, version)[0];
      for (let i = 0; i < N; i++) {
        block.copy(buf, i * B);
        for (const bit of flips(rnd)) buf[i * B + (bit >> 3)]! ^= 1 << (bit & 7);
      }
      hashBlocks(buf, B, out, version);
      for (let i = 0; i < N; i++) if ((out[i] || 1) === base) m++;
    }
    found[kind] = m;
  }
  return found;
}

/** 1 to 3 distinct bits anywhere in the block. */
function randomFlips(rnd: () => number): number[] {
  const n = 1 + Math.floor(rnd() * 3);
  const f: number[] = [];
  while (f.length < n) {
    const bit = Math.floor(rnd() * B * 8);
    if (!f.includes(bit)) f.push(bit);
  }
  return f;
}

/**
 * The same bit of the same word position in two different 64-byte stripes: what cancels in a sum of
 * the stripes (version 2's sums) whenever one flip sets the bit and the other clears it.
 */
function stripePairFlips(rnd: () => number): number[] {
  const bit = Math.floor(rnd() * 512);
  const s1 = Math.floor(rnd() * 64);
  const s2 = (s1 + 1 + Math.floor(rnd() * 63)) % 64;
  return [s1 * 512 + bit, s2 * 512 + bit];
}

const none = { random: 0, zeros: 0, ones: 0, counting: 0, text: 0 };

describe.each([1, 2] as const)('block checksum version %i', (version) => {
  const js = hashBlockJsOf(version);

  it('matches the JavaScript reference, batched, for 4 KiB blocks, a short last block and 64 KiB blocks', () => {
    const data = randomBytes(3 * 1024 * 1024 + B * 3 + 100);
    const out = new Uint32Array(Math.ceil(data.length / B));
    hashBlocks(data, B, out, version);
    for (let i = 0; i < out.length; i++) expect(out[i]).toBe(js(data.subarray(i * B, (i + 1) * B)));
    for (const len of [1, 63, 64, 65, 511, 4095]) {
      const one = new Uint32Array(1);
      hashBlocks(data.subarray(0, len), B, one, version);
      expect(one[0]).toBe(js(data.subarray(0, len)));
    }
    const big = new Uint32Array(3);
    hashBlocks(data.subarray(0, 2 * 65536 + 5000), 65536, big, version);
    expect([...big]).toEqual([js(data.subarray(0, 65536)), js(data.subarray(65536, 131072)), js(data.subarray(131072, 131072 + 5000))]);
  });

  it('hashes a hashable buffer in place: the same sums at any offset, with a short tail, past one batch', () => {
    const src = randomBytes(80 * 1024 * 1024 + B + 700);
    const buf = hashableBuffer(src.length);
    src.copy(buf);
    for (const [off, len, bs] of [[0, src.length, B], [B * 3, 1 << 20, B], [100, 8192 + 33, B], [0, 65536 * 5, 65536]] as const) {
      const n = Math.ceil(len / bs);
      const inPlace = new Uint32Array(n);
      hashBlocks(buf.subarray(off, off + len), bs, inPlace, version);
      const copied = new Uint32Array(n);
      hashBlocks(Buffer.from(src.subarray(off, off + len)), bs, copied, version);
      expect(Buffer.from(inPlace.buffer).equals(Buffer.from(copied.buffer))).toBe(true);
      for (const i of [0, n - 1]) expect(inPlace[i]).toBe(js(src.subarray(off + i * bs, Math.min(off + len, off + (i + 1) * bs))));
    }
  });

  it('tells the length of a zero block, and where in a large block a 4 KiB chunk lies', () => {
    expect(js(Buffer.alloc(B))).not.toBe(js(Buffer.alloc(B - 64)));
    const a = randomBytes(B);
    const b = randomBytes(B);
    expect(js(Buffer.concat([a, b]))).not.toBe(js(Buffer.concat([b, a])));
  });

  it('sees every flip of 1 to 3 bits of a 4 KiB block (1.4 million trials; 200,000 for version 1)', () => {
    expect(misses(version, version === 2 ? 1_400_000 : 200_000, randomFlips)).toEqual(none);
  });

  it('sees two flips of the same bit of the same word in two stripes', () => {
    expect(misses(version, version === 2 ? 1_400_000 : 200_000, stripePairFlips)).toEqual(none);
  });
});
