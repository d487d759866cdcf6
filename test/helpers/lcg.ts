// The tests' seeded random numbers: the classic ANSI C LCG (x * 1103515245 + 12345 mod 2^31), in
// 32-bit integer arithmetic. In doubles the product passes 2^53 and its low bits come out zero
// (rnd(2) was always 0, rnd(10) never odd), so every draw is taken from the state's high bits.

/** rnd(n): an integer in [0, n), the same sequence for the same seed. */
export function lcg(seed: number): (n: number) => number {
  let state = seed | 0;
  return (n: number): number => {
    state = (Math.imul(state, 1103515245) + 12345) & 0x7fffffff;
    // Bits 16-30 (15 bits) for small ranges, the whole 31-bit state scaled for larger ones.
    return n <= 0x8000 ? (state >>> 16) % n : Math.floor((state / 0x80000000) * n);
  };
}
