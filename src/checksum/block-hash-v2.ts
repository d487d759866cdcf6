// The block checksum of format version 2 (format.ts): NH-style keyed products (as in UMAC and the
// NH of Adiantum) plus plain sums, then a mix. xxHash32's rounds (block-hash.ts, version 1) need two
// 32-bit multiplies per word, and i32x4.mul is two micro-ops on x86 (pmulld): hashing bound them to
// about 4.5 GB/s here, a quarter of a page-cache read's time. This one multiplies 16-bit words with
// i32x4.dot_i16x8_s (pmaddwd: eight products in one micro-op) and runs about twice as fast.
// Each 64-byte stripe is four vectors D0..D3 of eight 16-bit words; K is a fixed 4 KiB key (KEY below),
// read from the stripe's offset within its 4 KiB chunk of the block:
//   Aj = Dj + K[16j..16j+16)  (j = 0..3)
//   P0 += dot(A0, A2)   P1 += dot(A1, A3)   P2 += dot(A0, A3)   P3 += dot(A1, A2)
//   Lj += Dj  (as four 32-bit lanes)
// (16-bit adds wrap; dot multiplies signed 16-bit words and adds each pair into a 32-bit lane.)
// After each 4 KiB chunk every lane is scrambled (rotl 13, times P1), so that chunks of a larger
// block count by position. The eight vectors are then folded into one (V = rotl(V * P3 + A, 17) * P4,
// one-to-one in each input), its four lanes and the length folded into one word as xxHash32 folds its
// lanes, and that word avalanched as xxHash32's is.
// Why it is as strong against rot: a flip of one bit changes its Lj lane by a power of two, and every
// fold after is one-to-one in each lane, so the hash changes (always, not with some probability).
// Flips that cancel in the sums (the same bit of the same word of two stripes, one set and one
// cleared) change the products unless both partner words of the flipped one are equal in the two
// stripes: each word has two partners (A0 meets A2 and A3) so that this is 1 in 2^32 on random data
// and not 1 in 2^16. The bit-flip tests in test/checksum-block-hash.test.ts count misses.
import { I32, OP, V128, i32Const, localGet as get, localSet as set, localTee as tee, simd, v128Load } from './wasm-asm.js';
import { P1, P2, P3, P4, P5, avalanche, rotl, stripes } from './hash-constants.js';

/** Bytes of the key: one 4 KiB chunk of the block. */
export const KEY_BYTES = 4096;
const CHUNK = KEY_BYTES;
const SEEDS = [P1, P2, P3, P4, P5, P1 ^ P3, P2 ^ P4, P1 ^ P5];
const PAIRS = [[0, 2], [1, 3], [0, 3], [1, 2]] as const;
const NACC = 8;

/** The key: 2048 16-bit words, the high halves of xorshift32 (13, 17, 5) from seed P1 (fixed: it is on disk). */
export const KEY: Int16Array = (() => {
  const k = new Int16Array(KEY_BYTES / 2);
  let x = P1;
  for (let i = 0; i < k.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    k[i] = x >>> 16;
  }
  return k;
})();

/** The version-2 hash of one block (any length: the last 64-byte stripe is zero-padded), in plain JS. */
export function hashBlockJs2(data: Uint8Array): number {
  const len = data.length;
  const w = stripes(data);
  const padded = w.byteLength;
  // acc[v * 4 + lane]: v = 0..3 the products P0..P3; 4..7 the sums L0..L3
  const acc = new Int32Array(4 * NACC);
  for (let v = 0; v < NACC; v++) acc.fill(SEEDS[v]!, v * 4, v * 4 + 4);
  const word = (q: number, i: number) => (w.getInt16(q + 2 * i, true) + KEY[((q % CHUNK) >> 1) + i]!) << 16 >> 16;
  for (let c = 0; c < padded; c += CHUNK) {
    for (let q = c; q < Math.min(c + CHUNK, padded); q += 64) {
      for (let l = 0; l < 4; l++) {
        for (const [v, [a, b]] of PAIRS.entries()) {
          const i = l * 2;
          const dot = Math.imul(word(q + 16 * a, i), word(q + 16 * b, i)) + Math.imul(word(q + 16 * a, i + 1), word(q + 16 * b, i + 1));
          acc[v * 4 + l] = (acc[v * 4 + l]! + dot) | 0;
        }
        for (let j = 0; j < 4; j++) acc[(4 + j) * 4 + l] = (acc[(4 + j) * 4 + l]! + w.getInt32(q + 16 * j + 4 * l, true)) | 0;
      }
    }
    for (let i = 0; i < acc.length; i++) acc[i] = Math.imul(rotl(acc[i]!, 13), P1);
  }
  const v = acc.slice(0, 4);
  for (let a = 1; a < NACC; a++) for (let l = 0; l < 4; l++) v[l] = Math.imul(rotl((Math.imul(v[l]!, P3) + acc[a * 4 + l]!) | 0, 17), P4);
  let h = Math.imul(len, P5);
  for (let l = 0; l < 4; l++) h = Math.imul(rotl((h + Math.imul(v[l]!, P3)) | 0, 17), P4);
  return avalanche(h);
}

/**
 * The WebAssembly function hash2(p, n, stride, len, out, key): n blocks of `stride` bytes (a multiple
 * of 64) from p, each with length `len` mixed in, one u32 per block stored at out; the key at `key`.
 */
export function hashV2Function(): { name: string; params: number; locals: Array<[number, number]>; body: number[] } {
  // params 0 p, 1 n, 2 stride, 3 len, 4 out, 5 key; i32 locals 6 end, 7 chunk end, 8 k, 9 h;
  // v128 locals 10..17 P0..P3, L0..L3; 18..21 D0..D3, 22..25 A0..A3; 26 P1, 27 P3, 28 P4 splatted
  const [ACC, D, A, VP1, VP3, VP4] = [10, 18, 22, 26, 27, 28];
  const body: number[] = [];
  const e = (...xs: number[][]) => {
    for (const x of xs) body.push(...x);
  };
  const rotlV = (i: number, r: number, mul: number) =>
    e(get(i), i32Const(r), simd(OP.i32x4Shl), get(i), i32Const(32 - r), simd(OP.i32x4ShrU), simd(OP.v128Or), get(mul), simd(OP.i32x4Mul), set(i));
  e(i32Const(P1), simd(OP.i32x4Splat), set(VP1), i32Const(P3), simd(OP.i32x4Splat), set(VP3), i32Const(P4), simd(OP.i32x4Splat), set(VP4));
  e([OP.block, OP.void], get(1), [OP.i32Eqz], [OP.brIf, 0]); // n == 0: nothing
  e([OP.loop, OP.void]); // each block
  for (let v = 0; v < NACC; v++) e(i32Const(SEEDS[v]!), simd(OP.i32x4Splat), set(ACC + v));
  e(get(0), get(2), [OP.i32Add], set(6));
  e([OP.loop, OP.void]); // each 4 KiB chunk: chunk end = min(p + CHUNK, end), k from the key's start
  e(get(5), set(8), get(0), i32Const(CHUNK), [OP.i32Add], tee(7), get(6), get(7), get(6), [OP.i32LtU], [OP.select], set(7));
  e([OP.loop, OP.void]); // each stripe
  for (let j = 0; j < 4; j++) {
    e(get(0), v128Load(16 * j), tee(D + j), get(8), v128Load(16 * j), simd(OP.i16x8Add), set(A + j));
    e(get(ACC + 4 + j), get(D + j), simd(OP.i32x4Add), set(ACC + 4 + j));
  }
  for (const [v, [a, b]] of PAIRS.entries()) e(get(ACC + v), get(A + a), get(A + b), simd(OP.i32x4DotI16x8S), simd(OP.i32x4Add), set(ACC + v));
  e(get(8), i32Const(64), [OP.i32Add], set(8), get(0), i32Const(64), [OP.i32Add], tee(0), get(7), [OP.i32LtU], [OP.brIf, 0]);
  e([OP.end]);
  for (let v = 0; v < NACC; v++) rotlV(ACC + v, 13, VP1);
  e(get(0), get(6), [OP.i32LtU], [OP.brIf, 0]);
  e([OP.end]);
  // fold the eight vectors into P0: V = rotl(V * P3 + A, 17) * P4
  for (let a = 1; a < NACC; a++) {
    e(get(ACC), get(VP3), simd(OP.i32x4Mul), get(ACC + a), simd(OP.i32x4Add), set(ACC));
    rotlV(ACC, 17, VP4);
  }
  // h = len * P5; each lane: h = rotl(h + lane * P3, 17) * P4; then xxHash32's avalanche
  e(get(3), i32Const(P5), [OP.i32Mul], set(9));
  for (let l = 0; l < 4; l++) {
    e(get(9), get(ACC), simd(OP.i32x4ExtractLane, l), i32Const(P3), [OP.i32Mul], [OP.i32Add], i32Const(17), [OP.i32Rotl], i32Const(P4), [OP.i32Mul], set(9));
  }
  e(get(9), get(9), i32Const(15), [OP.i32ShrU], [OP.i32Xor], i32Const(P2), [OP.i32Mul], set(9));
  e(get(9), get(9), i32Const(13), [OP.i32ShrU], [OP.i32Xor], i32Const(P3), [OP.i32Mul], set(9));
  e(get(9), get(9), i32Const(16), [OP.i32ShrU], [OP.i32Xor], set(9));
  e(get(4), get(9), [OP.i32Store, 2, 0]);
  e(get(4), i32Const(4), [OP.i32Add], set(4));
  e(get(1), i32Const(1), [OP.i32Sub], tee(1), [OP.brIf, 0]);
  e([OP.end, OP.end, OP.end]); // the blocks' loop, the block, the function
  return { name: 'hash2', params: 6, locals: [[4, I32], [19, V128]], body };
}
