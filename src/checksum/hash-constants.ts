// What the two block hashes (block-hash.ts, block-hash-v2.ts) take from xxHash32: its five primes,
// its rotation and its final avalanche, in plain JavaScript (their WebAssembly twins are inline);
// and how their JavaScript references see a block.

export const P1 = 0x9e3779b1 | 0;
export const P2 = 0x85ebca77 | 0;
export const P3 = 0xc2b2ae3d | 0;
export const P4 = 0x27d4eb2f | 0;
export const P5 = 0x165667b1 | 0;

export const rotl = (x: number, r: number): number => ((x << r) | (x >>> (32 - r))) | 0;

/** xxHash32's avalanche of a 32-bit word, as an unsigned number. */
export function avalanche(h: number): number {
  h ^= h >>> 15;
  h = Math.imul(h, P2);
  h ^= h >>> 13;
  h = Math.imul(h, P3);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A block's bytes zero-padded to whole 64-byte stripes (as the WebAssembly functions hash it). */
export function stripes(data: Uint8Array): DataView {
  const buf = new Uint8Array(Math.ceil(data.length / 64) * 64);
  buf.set(data);
  return new DataView(buf.buffer);
}
