// The few pieces of WebAssembly binary encoding the block hashes (block-hash.ts, block-hash-v2.ts)
// are assembled from: LEB128 numbers, sections, names, and the instructions they use as byte lists.
// Hand-assembled because each module is a few hundred bytes and a build step for them would not be.

/** Signed LEB128 (i32.const immediates). */
export function leb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && !(b & 0x40)) || (n === -1 && b & 0x40)) return [...out, b];
    out.push(b | 0x80);
  }
}

/** Unsigned LEB128 (sizes, counts, indexes). */
export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}

export const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
export const name = (s: string): number[] => [...uleb(s.length), ...[...s].map((c) => c.charCodeAt(0))];

export const localGet = (i: number): number[] => [0x20, i];
export const localSet = (i: number): number[] => [0x21, i];
export const localTee = (i: number): number[] => [0x22, i];
export const i32Const = (v: number): number[] => [0x41, ...leb(v | 0)];
/** A SIMD instruction (0xfd prefix) with its immediates. */
export const simd = (op: number, ...imm: number[]): number[] => [0xfd, ...uleb(op), ...imm];
/** v128.load at the address on the stack plus `offset` (16-byte aligned hint). */
export const v128Load = (offset: number): number[] => simd(0, 4, ...uleb(offset));

/** Opcodes used (after 0xfd for the SIMD ones). */
export const OP = {
  i32Add: 0x6a, i32Sub: 0x6b, i32Mul: 0x6c, i32Xor: 0x73, i32ShrU: 0x76, i32Rotl: 0x77, i32LtU: 0x49, i32Eqz: 0x45,
  i32Store: 0x36, select: 0x1b, block: 0x02, loop: 0x03, brIf: 0x0d, end: 0x0b, void: 0x40,
  v128Or: 80, i32x4Splat: 17, i32x4ExtractLane: 27, i16x8Add: 142, i32x4Shl: 171, i32x4ShrU: 173, i32x4Add: 174,
  i32x4Mul: 181, i32x4DotI16x8S: 186,
} as const;

/** Value types of locals. */
export const I32 = 0x7f;
export const V128 = 0x7b;

/**
 * A module importing its memory as e.m (at least one page) and exporting `fns`, each a function of
 * i32 parameters returning nothing, with its locals (groups of [count, type]) and body.
 */
export function moduleOf(fns: Array<{ name: string; params: number; locals: Array<[number, number]>; body: number[] }>): Uint8Array<ArrayBuffer> {
  const types = fns.flatMap((f) => [0x60, ...uleb(f.params), ...new Array<number>(f.params).fill(I32), 0]);
  const code = fns.flatMap((f) => {
    const fn = [...uleb(f.locals.length), ...f.locals.flatMap(([n, t]) => [...uleb(n), t]), ...f.body];
    return [...uleb(fn.length), ...fn];
  });
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0,
    ...section(1, [...uleb(fns.length), ...types]),
    ...section(2, [1, ...name('e'), ...name('m'), 2, 0, 1]),
    ...section(3, [...uleb(fns.length), ...fns.map((_, i) => i)]),
    ...section(7, [...uleb(fns.length), ...fns.flatMap((f, i) => [...name(f.name), 0, i])]),
    ...section(10, [...uleb(fns.length), ...code]),
  ]);
}
