// The per-block checksum (format.ts): a 32-bit hash in xxHash32's style computed on 16 lanes at once
// with WebAssembly SIMD (4 accumulators of 4 x 32-bit lanes, each round acc = rotl(acc + w * P2, 13) * P1
// over the block's 16-byte words in turn, then the 16 lanes and the length mixed and avalanched).
// zlib's CRC-32 (what dm-integrity and btrfs keep) runs at about 2 GB/s here, which costs a
// page-cache read most of its speed; this runs several times faster. `hashBlockJs` is the same
// function in plain JavaScript: the reference the tests compare with, and the fallback.
// The WebAssembly module is assembled here (a few hundred bytes) and compiled on first use (not in
// the start-up snapshot, which cannot hold it); it imports its memory, so that a buffer a device
// reads into can be that memory and be hashed where it lies (hashableBuffer), without a copy.

const P1 = 0x9e3779b1 | 0;
const P2 = 0x85ebca77 | 0;
const P3 = 0xc2b2ae3d | 0;
const P4 = 0x27d4eb2f | 0;
const P5 = 0x165667b1 | 0;
const SEEDS = [P1 + P2, P2, 0, -P1 | 0];
/** Input bytes hashed per call into the module (its memory holds this plus the results). */
const CHUNK = 1024 * 1024;

const rotl = (x: number, r: number) => ((x << r) | (x >>> (32 - r))) | 0;

function finish(acc: Int32Array, len: number): number {
  let h = Math.imul(len, P5) | 0;
  for (let i = 0; i < 16; i++) h = Math.imul(rotl((h + Math.imul(acc[i]!, P3)) | 0, 17), P4);
  h ^= h >>> 15;
  h = Math.imul(h, P2);
  h ^= h >>> 13;
  h = Math.imul(h, P3);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The hash of one block (any length: the last 64-byte stripe is zero-padded), in plain JS. */
export function hashBlockJs(data: Uint8Array): number {
  const len = data.length;
  const padded = Math.ceil(len / 64) * 64;
  const buf = new Uint8Array(padded);
  buf.set(data);
  const w = new DataView(buf.buffer);
  const acc = new Int32Array(16);
  for (let k = 0; k < 4; k++) for (let l = 0; l < 4; l++) acc[k * 4 + l] = SEEDS[k]!;
  for (let q = 0; q < padded; q += 64) {
    for (let i = 0; i < 16; i++) {
      const x = w.getInt32(q + i * 4, true);
      acc[i] = Math.imul(rotl((acc[i]! + Math.imul(x, P2)) | 0, 13), P1);
    }
  }
  return finish(acc, len);
}

// --- the WebAssembly module: hash(p, n, stride, len, out) hashes n blocks of `stride` bytes (a
// multiple of 64) from p, each with length `len` mixed in, storing one u32 per block at out.

function leb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && !(b & 0x40)) || (n === -1 && b & 0x40)) return [...out, b];
    out.push(b | 0x80);
  }
}
const uleb = (n: number): number[] => {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
};
const section = (id: number, body: number[]) => [id, ...uleb(body.length), ...body];
const str = (s: string) => [...uleb(s.length), ...[...s].map((c) => c.charCodeAt(0))];

function moduleBytes(): Uint8Array<ArrayBuffer> {
  // params 0 p, 1 n, 2 stride, 3 len, 4 out; locals 5 end (i32), 6 h (i32), 7..10 a0..a3, 11 vP1, 12 vP2 (v128)
  const get = (i: number) => [0x20, i];
  const set = (i: number) => [0x21, i];
  const c = (v: number) => [0x41, ...leb(v | 0)];
  const simd = (op: number, ...imm: number[]) => [0xfd, ...uleb(op), ...imm];
  const [ADD, MUL, SHL, SHR_U, OR, SPLAT, EXTRACT, LOAD] = [174, 181, 171, 173, 80, 17, 27, 0];
  const body: number[] = [];
  const e = (...xs: number[][]) => { for (const x of xs) body.push(...x); };
  e(c(P1), simd(SPLAT), set(11), c(P2), simd(SPLAT), set(12));
  e([0x02, 0x40], get(1), [0x45], [0x0d, 0]); // block: if n == 0 leave
  e([0x03, 0x40]); // loop over blocks
  for (let k = 0; k < 4; k++) e(c(SEEDS[k]!), simd(SPLAT), set(7 + k));
  e(get(0), get(2), [0x6a], set(5)); // end = p + stride
  e([0x03, 0x40]); // loop over stripes
  for (let k = 0; k < 4; k++) {
    // a_k = rotl(a_k + load(p + 16k) * P2, 13) * P1
    e(get(7 + k), get(0), simd(LOAD, 4, ...uleb(16 * k)), get(12), simd(MUL), simd(ADD), set(7 + k));
    e(get(7 + k), c(13), simd(SHL), get(7 + k), c(19), simd(SHR_U), simd(OR), get(11), simd(MUL), set(7 + k));
  }
  e(get(0), c(64), [0x6a], set(0), get(0), get(5), [0x49], [0x0d, 0]); // p += 64; while p < end
  e([0x0b]);
  // h = len * P5; for each lane: h = rotl(h + lane * P3, 17) * P4
  e(get(3), c(P5), [0x6c], set(6));
  for (let k = 0; k < 4; k++) for (let l = 0; l < 4; l++) {
    e(get(6), get(7 + k), simd(EXTRACT, l), c(P3), [0x6c], [0x6a], c(17), [0x77], c(P4), [0x6c], set(6));
  }
  // avalanche
  e(get(6), get(6), c(15), [0x76], [0x73], c(P2), [0x6c], set(6));
  e(get(6), get(6), c(13), [0x76], [0x73], c(P3), [0x6c], set(6));
  e(get(6), get(6), c(16), [0x76], [0x73], set(6));
  e(get(4), get(6), [0x36, 2, 0]); // store h at out
  e(get(4), c(4), [0x6a], set(4));
  e(get(1), c(1), [0x6b], [0x22, 1], [0x0d, 0]); // n -= 1; loop while n != 0
  e([0x0b, 0x0b, 0x0b]); // end loop, end block, end function
  const locals = [2, ...uleb(2), 0x7f, ...uleb(6), 0x7b];
  const fn = [...locals, ...body];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0,
    ...section(1, [1, 0x60, 5, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0]),
    ...section(2, [1, ...str('e'), ...str('m'), 2, 0, 1]), // import e.m: a memory of at least 1 page
    ...section(3, [1, 0]),
    ...section(7, [1, ...str('hash'), 0, 0]),
    ...section(10, [1, ...uleb(fn.length), ...fn]),
  ]);
}

interface Wasm {
  hash: (p: number, n: number, stride: number, len: number, out: number) => void;
  /** The instance's memory: bytes [0, outOff) for input, then OUT_ENTRIES results. */
  buffer: ArrayBuffer;
  outOff: number;
  out: Uint32Array;
}

/** Results one call can store (each instance's memory ends with room for them). */
const OUT_ENTRIES = 16384;

let compiled: WebAssembly.Module | null | undefined;
/** The shared instance data is copied into when it does not live in a hashable buffer. */
let shared: Wasm | null | undefined;
/** Hashable buffers' memories and their instances (see hashableBuffer). */
const owners = new WeakMap<ArrayBuffer, Wasm>();

/** An instance of the module over a memory of its own holding `bytes` of input; null without WebAssembly SIMD. */
function instantiate(bytes: number): Wasm | null {
  if (compiled === undefined) {
    try {
      compiled = new WebAssembly.Module(moduleBytes());
    } catch {
      compiled = null; // no WebAssembly SIMD: the plain JS function
    }
  }
  if (!compiled) return null;
  const inBytes = Math.ceil(bytes / 64) * 64;
  const pages = Math.ceil((inBytes + OUT_ENTRIES * 4) / 65536);
  try {
    const mem = new WebAssembly.Memory({ initial: pages });
    const inst = new WebAssembly.Instance(compiled, { e: { m: mem } });
    const outOff = pages * 65536 - OUT_ENTRIES * 4;
    return { hash: inst.exports.hash as Wasm['hash'], buffer: mem.buffer, outOff, out: new Uint32Array(mem.buffer, outOff, OUT_ENTRIES) };
  } catch {
    return null; // (memory refused: the caller copies or falls back)
  }
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
 * The hash of each `blockBytes` block of `data` (the last one may be shorter), into `out` (one u32
 * per block). blockBytes must be a multiple of 64.
 */
export function hashBlocks(data: Uint8Array, blockBytes: number, out: Uint32Array): void {
  const n = Math.ceil(data.length / blockBytes);
  const whole = Math.floor(data.length / blockBytes);
  const own = owners.get(data.buffer as ArrayBuffer);
  let i = 0;
  if (own && whole) {
    // In place: the blocks are already in the module's memory.
    for (; i < whole; ) {
      const k = Math.min(OUT_ENTRIES, whole - i);
      own.hash(data.byteOffset + i * blockBytes, k, blockBytes, blockBytes, own.outOff);
      out.set(own.out.subarray(0, k), i);
      i += k;
    }
    if (i === n) return;
  }
  if (shared === undefined) shared = instantiate(CHUNK);
  if (!shared || blockBytes > CHUNK) {
    for (; i < n; i++) out[i] = hashBlockJs(data.subarray(i * blockBytes, Math.min(data.length, (i + 1) * blockBytes)));
    return;
  }
  const w = shared;
  const bytes = new Uint8Array(w.buffer, 0, CHUNK);
  const per = Math.min(OUT_ENTRIES, Math.floor(CHUNK / blockBytes));
  for (; i < n; ) {
    const k = Math.min(per, whole - i);
    if (k > 0) {
      bytes.set(data.subarray(i * blockBytes, (i + k) * blockBytes));
      w.hash(0, k, blockBytes, blockBytes, w.outOff);
      out.set(w.out.subarray(0, k), i);
      i += k;
      continue;
    }
    // The short last block: zero-padded to its 64-byte stripe, its own length mixed in.
    const tail = data.subarray(i * blockBytes);
    const stride = Math.ceil(tail.length / 64) * 64;
    bytes.fill(0, 0, stride);
    bytes.set(tail);
    w.hash(0, 1, stride, tail.length, w.outOff);
    out[i] = w.out[0]!;
    i++;
  }
}

/** The hash of one block. */
export function hashBlock(data: Uint8Array): number {
  const out = new Uint32Array(1);
  hashBlocks(data, Math.max(64, Math.ceil(data.length / 64) * 64), out);
  return out[0]!;
}
