// The per-block checksums of the table (format.ts), computed with WebAssembly SIMD over the blocks
// where they lie. Version 1 (the format's first): a 32-bit hash in xxHash32's style on 16 lanes at
// once (4 accumulators of 4 x 32-bit lanes, each round acc = rotl(acc + w * P2, 13) * P1 over the
// block's 16-byte words in turn, then the 16 lanes and the length mixed and avalanched); version 2,
// twice as fast: block-hash-v2.ts. A table says which one its entries are (its header's version).
// zlib's CRC-32 (what dm-integrity and btrfs keep) runs at about 2 GB/s here, which costs a
// page-cache read most of its speed; these run several times faster. `hashBlockJs` (and
// hashBlockJs2) are the same functions in plain JavaScript: the references the tests compare with,
// and the fallback. Each version's WebAssembly module is assembled here (a few hundred bytes; in the
// start-up snapshot, see hashModuleBytes) and compiled on first use (the snapshot cannot hold a
// compiled module); it imports its memory, so that a buffer a device reads into can be that memory
// and be hashed where it lies (hashableBuffer), without a copy.
import { I32, OP, V128, i32Const, localGet as get, localSet as set, moduleOf, simd, v128Load } from './wasm-asm.js';
import { P1, P2, P3, P4, P5, avalanche, rotl, stripes } from './hash-constants.js';
import { KEY, KEY_BYTES, hashBlockJs2, hashV2Function } from './block-hash-v2.js';

/** The block hashes a table may use (its header's version). */
export type HashVersion = 1 | 2;

const SEEDS = [P1 + P2, P2, 0, -P1 | 0];
/** Input bytes hashed per call into the module (its memory holds this plus the results). */
const CHUNK = 1024 * 1024;

/** The version-1 hash of one block (any length: the last 64-byte stripe is zero-padded), in plain JS. */
export function hashBlockJs(data: Uint8Array): number {
  const len = data.length;
  const w = stripes(data);
  const padded = w.byteLength;
  const acc = new Int32Array(16);
  for (let k = 0; k < 4; k++) for (let l = 0; l < 4; l++) acc[k * 4 + l] = SEEDS[k]!;
  for (let q = 0; q < padded; q += 64) {
    for (let i = 0; i < 16; i++) {
      const x = w.getInt32(q + i * 4, true);
      acc[i] = Math.imul(rotl((acc[i]! + Math.imul(x, P2)) | 0, 13), P1);
    }
  }
  let h = Math.imul(len, P5) | 0;
  for (let i = 0; i < 16; i++) h = Math.imul(rotl((h + Math.imul(acc[i]!, P3)) | 0, 17), P4);
  return avalanche(h);
}

/** The hash of one block in plain JavaScript, for a table of `version`. */
export function hashBlockJsOf(version: HashVersion): (data: Uint8Array) => number {
  return version === 1 ? hashBlockJs : hashBlockJs2;
}

/**
 * The WebAssembly function hash(p, n, stride, len, out): n blocks of `stride` bytes (a multiple of
 * 64) from p, each with length `len` mixed in, one u32 per block stored at out.
 */
function hashV1Function(): { name: string; params: number; locals: Array<[number, number]>; body: number[] } {
  // params 0 p, 1 n, 2 stride, 3 len, 4 out; locals 5 end (i32), 6 h (i32), 7..10 a0..a3, 11 vP1, 12 vP2 (v128)
  const body: number[] = [];
  const e = (...xs: number[][]) => {
    for (const x of xs) body.push(...x);
  };
  e(i32Const(P1), simd(OP.i32x4Splat), set(11), i32Const(P2), simd(OP.i32x4Splat), set(12));
  e([OP.block, OP.void], get(1), [OP.i32Eqz], [OP.brIf, 0]); // n == 0: nothing
  e([OP.loop, OP.void]); // each block
  for (let k = 0; k < 4; k++) e(i32Const(SEEDS[k]!), simd(OP.i32x4Splat), set(7 + k));
  e(get(0), get(2), [OP.i32Add], set(5)); // end = p + stride
  e([OP.loop, OP.void]); // each stripe
  for (let k = 0; k < 4; k++) {
    // a_k = rotl(a_k + load(p + 16k) * P2, 13) * P1
    e(get(7 + k), get(0), v128Load(16 * k), get(12), simd(OP.i32x4Mul), simd(OP.i32x4Add), set(7 + k));
    e(get(7 + k), i32Const(13), simd(OP.i32x4Shl), get(7 + k), i32Const(19), simd(OP.i32x4ShrU), simd(OP.v128Or), get(11), simd(OP.i32x4Mul), set(7 + k));
  }
  e(get(0), i32Const(64), [OP.i32Add], set(0), get(0), get(5), [OP.i32LtU], [OP.brIf, 0]); // p += 64; while p < end
  e([OP.end]);
  // h = len * P5; for each lane: h = rotl(h + lane * P3, 17) * P4
  e(get(3), i32Const(P5), [OP.i32Mul], set(6));
  for (let k = 0; k < 4; k++) for (let l = 0; l < 4; l++) {
    e(get(6), get(7 + k), simd(OP.i32x4ExtractLane, l), i32Const(P3), [OP.i32Mul], [OP.i32Add], i32Const(17), [OP.i32Rotl], i32Const(P4), [OP.i32Mul], set(6));
  }
  // avalanche
  e(get(6), get(6), i32Const(15), [OP.i32ShrU], [OP.i32Xor], i32Const(P2), [OP.i32Mul], set(6));
  e(get(6), get(6), i32Const(13), [OP.i32ShrU], [OP.i32Xor], i32Const(P3), [OP.i32Mul], set(6));
  e(get(6), get(6), i32Const(16), [OP.i32ShrU], [OP.i32Xor], set(6));
  e(get(4), get(6), [OP.i32Store, 2, 0]); // store h at out
  e(get(4), i32Const(4), [OP.i32Add], set(4));
  e(get(1), i32Const(1), [OP.i32Sub], [0x22, 1], [OP.brIf, 0]); // n -= 1; loop while n != 0
  e([OP.end, OP.end, OP.end]); // end loop, end block, end function
  return { name: 'hash', params: 5, locals: [[2, I32], [6, V128]], body };
}

/** Hash n blocks of `stride` bytes at p, each with length `len` mixed in, into an instance's results. */
type HashFn = (p: number, n: number, stride: number, len: number) => void;

interface Wasm {
  /** The function of `version` over this memory (its module instantiated on first use); null without WebAssembly SIMD. */
  hash(version: HashVersion): HashFn | null;
  /** The memory: bytes [0, outOff) for input, then OUT_ENTRIES results, then the version-2 key. */
  buffer: ArrayBuffer;
  outOff: number;
  out: Uint32Array;
}

/** Results one call can store (each instance's memory ends with room for them). */
const OUT_ENTRIES = 16384;

const moduleBytes = new Map<HashVersion, Uint8Array<ArrayBuffer>>();

/**
 * The bytes of the module holding the function of `version` alone, assembled once. src/snapshot.ts
 * assembles both while the start-up snapshot is built, so that a command has them ready: assembling
 * them cost a checksummed `tsvm dd` ~5 ms of cold JavaScript and its garbage, and a table needs
 * one version only (compiling the other one cost its own time too).
 */
export function hashModuleBytes(version: HashVersion): Uint8Array<ArrayBuffer> {
  let b = moduleBytes.get(version);
  if (!b) moduleBytes.set(version, (b = moduleOf([version === 1 ? hashV1Function() : hashV2Function()])));
  return b;
}

const compiled = new Map<HashVersion, WebAssembly.Module | null>();

/** The compiled module of `version`, or null without WebAssembly SIMD (the plain JS functions then). */
function moduleFor(version: HashVersion): WebAssembly.Module | null {
  let m = compiled.get(version);
  if (m === undefined) {
    try {
      m = new WebAssembly.Module(hashModuleBytes(version));
    } catch {
      m = null;
    }
    compiled.set(version, m);
  }
  return m;
}

/** The shared instance data is copied into when it does not live in a hashable buffer. */
let shared: Wasm | null | undefined;
/** Hashable buffers' memories and their instances (see hashableBuffer). */
const owners = new WeakMap<ArrayBuffer, Wasm>();

/** A memory of its own holding `bytes` of input, for the modules' instances; null when WebAssembly refuses it. */
function instantiate(bytes: number): Wasm | null {
  const inBytes = Math.ceil(bytes / 64) * 64;
  const pages = Math.ceil((inBytes + OUT_ENTRIES * 4 + KEY_BYTES) / 65536);
  let mem: WebAssembly.Memory;
  try {
    mem = new WebAssembly.Memory({ initial: pages });
  } catch {
    return null; // (no WebAssembly, or memory refused: the caller copies or falls back)
  }
  const keyOff = pages * 65536 - KEY_BYTES;
  const outOff = keyOff - OUT_ENTRIES * 4;
  new Int16Array(mem.buffer, keyOff, KEY.length).set(KEY);
  const fns = new Map<HashVersion, HashFn | null>();
  const fnOf = (version: HashVersion): HashFn | null => {
    const mod = moduleFor(version);
    if (!mod) return null;
    const f = new WebAssembly.Instance(mod, { e: { m: mem } }).exports[version === 1 ? 'hash' : 'hash2'];
    if (version === 1) {
      const h1 = f as (p: number, n: number, stride: number, len: number, out: number) => void;
      return (p, n, s, l) => h1(p, n, s, l, outOff);
    }
    const h2 = f as (p: number, n: number, stride: number, len: number, out: number, key: number) => void;
    return (p, n, s, l) => h2(p, n, s, l, outOff, keyOff);
  };
  return {
    hash(version) {
      let f = fns.get(version);
      if (f === undefined) fns.set(version, (f = fnOf(version)));
      return f;
    },
    buffer: mem.buffer,
    outOff,
    out: new Uint32Array(mem.buffer, outOff, OUT_ENTRIES),
  };
}

/**
 * A buffer of `bytes` the hash reads in place (a view over a WebAssembly memory of its own): a
 * device read straight into it is summed by hashBlocks without being copied first. A plain
 * buffer when WebAssembly is not there.
 */
export function hashableBuffer(bytes: number): Buffer {
  const w = instantiate(bytes);
  if (!w) return Buffer.alloc(bytes);
  owners.set(w.buffer, w);
  return Buffer.from(w.buffer, 0, bytes);
}

/**
 * The hash (of `version`) of each `blockBytes` block of `data` (the last one may be shorter), into
 * `out` (one u32 per block). blockBytes must be a multiple of 64.
 */
export function hashBlocks(data: Uint8Array, blockBytes: number, out: Uint32Array, version: HashVersion): void {
  const n = Math.ceil(data.length / blockBytes);
  const whole = Math.floor(data.length / blockBytes);
  const own = owners.get(data.buffer as ArrayBuffer);
  let i = 0;
  const inPlace = whole ? own?.hash(version) : null;
  if (own && inPlace) {
    // In place: the blocks are already in the module's memory.
    const hash = inPlace;
    for (; i < whole; ) {
      const k = Math.min(OUT_ENTRIES, whole - i);
      hash(data.byteOffset + i * blockBytes, k, blockBytes, blockBytes);
      out.set(own.out.subarray(0, k), i);
      i += k;
    }
    if (i === n) return;
  }
  if (shared === undefined) shared = instantiate(CHUNK);
  const hash = shared?.hash(version);
  if (!shared || !hash || blockBytes > CHUNK) {
    const js = hashBlockJsOf(version);
    for (; i < n; i++) out[i] = js(data.subarray(i * blockBytes, Math.min(data.length, (i + 1) * blockBytes)));
    return;
  }
  const w = shared;
  const bytes = new Uint8Array(w.buffer, 0, CHUNK);
  const per = Math.min(OUT_ENTRIES, Math.floor(CHUNK / blockBytes));
  for (; i < n; ) {
    const k = Math.min(per, whole - i);
    if (k > 0) {
      bytes.set(data.subarray(i * blockBytes, (i + k) * blockBytes));
      hash(0, k, blockBytes, blockBytes);
      out.set(w.out.subarray(0, k), i);
      i += k;
      continue;
    }
    // The short last block: zero-padded to its 64-byte stripe, its own length mixed in.
    const tail = data.subarray(i * blockBytes);
    const stride = Math.ceil(tail.length / 64) * 64;
    bytes.fill(0, 0, stride);
    bytes.set(tail);
    hash(0, 1, stride, tail.length);
    out[i] = w.out[0]!;
    i++;
  }
}

/** The hash (of `version`) of one block. */
export function hashBlock(data: Uint8Array, version: HashVersion): number {
  const out = new Uint32Array(1);
  hashBlocks(data, Math.max(64, Math.ceil(data.length / 64) * 64), out, version);
  return out[0]!;
}
