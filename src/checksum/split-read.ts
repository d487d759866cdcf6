// A large checksummed read done on two cores: the caller's thread reads and hashes the first half
// of the buffer while a worker thread (split-read-worker.ts) preads the second half straight from
// the image files under the device into the same shared memory and hashes it there. ZFS likewise
// spreads checksum verification over its I/O pipeline's threads. Why each thread reads its own
// half, rather than one reading and the other hashing: a hash of bytes another core has just copied
// pulls every cache line across and was measured no faster than hashing inline; with each half
// read and hashed on one core, a 1 GiB page-cache read (1 MiB reads) took 160 ms against 260 ms
// inline (and 171 ms for the plain read with no hash).
// The worker reads files only: a device with fault rules (tsvm fault), or anything else not plain
// files underneath, has no fileRuns() and its reads stay on the caller's thread, as do reads the
// worker failed (the caller reads that half again, so that a failing leg fails as it always did).
// The worker starts once a process has read SPLIT_START_BYTES this way (a short command never pays
// its start-up), and is used once it is up; it never keeps the process alive.
import { fileURLToPath } from 'node:url';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import type { BlockDevice } from '../device/block-device.js';
import { HASH_OUT_ENTRIES, moduleFor, sharedHashMemoryOf, type HashVersion, type SharedHashMemory } from './block-hash.js';
import { CTRL, CTRL_LENGTH, JOB, JOB_LENGTH, MAX_RUNS, type SplitMemoryMessage } from './split-read-protocol.js';

/** Reads shorter than this are not split (the hand-over costs more than half their hash). */
export const SPLIT_MIN_BYTES = 256 * 1024;
/** Bytes of splittable reads after which the worker is started. */
export const SPLIT_START_BYTES = 16 * 1024 * 1024;
/** A worker that finishes no job for this long is given up (its half is read again here). */
const STALL_MS = 60_000;
/** Memories the worker keeps (a dd uses one; the lvm shell runs dd after dd in one process). */
const KEPT_MEMORIES = 4;

class SplitWorker {
  private readonly worker: Worker;
  private readonly port: MessagePort;
  readonly ctrl = new Int32Array(new SharedArrayBuffer(4 * CTRL_LENGTH));
  readonly job = new Float64Array(new SharedArrayBuffer(8 * JOB_LENGTH));
  /** The memories the worker holds, oldest first. */
  private readonly registered: Array<{ memory: WebAssembly.Memory; version: HashVersion; id: number }> = [];
  private posted = 0;
  broken = false;

  constructor() {
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    const script = fileURLToPath(new URL('./split-read-worker.js', import.meta.url));
    this.worker = new Worker(script, {
      workerData: { ctrl: this.ctrl, job: this.job, port: port2 },
      transferList: [port2],
      execArgv: [],
      stdout: false,
    });
    this.worker.on('error', () => (this.broken = true));
    this.worker.unref();
    this.port.unref();
  }

  ready(): boolean {
    return !this.broken && Atomics.load(this.ctrl, CTRL.ready) === 1;
  }

  /** Wait (up to 10 s) until the worker is up. */
  waitReady(): void {
    const since = Date.now();
    while (!this.ready() && !this.broken && Date.now() - since < 10_000) Atomics.wait(this.ctrl, CTRL.ready, 0, 100);
  }

  /**
   * The worker's id of (memory, version), registering it (and its module) on first use. The worker
   * holds at most KEPT_MEMORIES: the oldest one is let go for a new one (registered again if used again).
   */
  private memoryId(m: SharedHashMemory, version: HashVersion): number | null {
    const known = this.registered.find((r) => r.memory === m.memory && r.version === version);
    if (known) return known.id;
    const module = moduleFor(version, true);
    if (!module) return null;
    const id = nextId++;
    this.registered.push({ memory: m.memory, version, id });
    this.port.postMessage({ id, memory: m.memory, module, version } satisfies SplitMemoryMessage);
    if (this.registered.length > KEPT_MEMORIES) this.port.postMessage({ id: this.registered.shift()!.id } satisfies SplitMemoryMessage);
    return id;
  }

  /** Hand the worker one job: read `runs` into m, then hash `blocks` blocks at `data` into m.out2Off. */
  post(m: SharedHashMemory, version: HashVersion, blockBytes: number, data: number, blocks: number,
    runs: Array<{ fd: number; pos: number; len: number; dst: number }>): boolean {
    const id = this.memoryId(m, version);
    if (id === null) return false;
    const j = this.job;
    j[JOB.memory] = id;
    j[JOB.blockBytes] = blockBytes;
    j[JOB.data] = data;
    j[JOB.blocks] = blocks;
    j[JOB.out] = m.out2Off;
    j[JOB.key] = m.keyOff;
    j[JOB.runs] = runs.length;
    runs.forEach((r, i) => j.set([r.fd, r.pos, r.len, r.dst], JOB.first + 4 * i));
    Atomics.store(this.ctrl, CTRL.posted, ++this.posted);
    Atomics.notify(this.ctrl, CTRL.posted);
    return true;
  }

  /** Wait for the job posted last; its status (0: done), or -1 when the worker stalled. */
  wait(): number {
    const since = Date.now();
    for (let d = Atomics.load(this.ctrl, CTRL.done); d < this.posted; d = Atomics.load(this.ctrl, CTRL.done)) {
      if (Date.now() - since > STALL_MS) {
        // (it may still write its half later: the buffer is read again by the caller anyway, and
        // this worker is never used again)
        this.broken = true;
        return -1;
      }
      Atomics.wait(this.ctrl, CTRL.done, d, 1000);
    }
    return Atomics.load(this.ctrl, CTRL.status);
  }
}

let nextId = 1;
let worker: SplitWorker | null = null;
let splittable = 0;

/**
 * TSVM_SPLIT_READ: unset, the adaptive way below; `off`, never split; `on`, always split, the worker
 * started at the first read and waited for (tests and benchmarks compare the ways).
 */
function mode(): 'auto' | 'on' | 'off' {
  const v = process.env.TSVM_SPLIT_READ;
  return v === 'on' || v === 'off' ? v : 'auto';
}

/** The worker, started once enough has been read this way; null until it is up. */
function readyWorker(bytes: number): SplitWorker | null {
  const m = mode();
  if (m === 'off') return null;
  if (!worker) {
    splittable += bytes;
    if (m === 'auto' && splittable < SPLIT_START_BYTES) return null;
    worker = new SplitWorker();
    if (m === 'on') worker.waitReady();
  }
  return worker.ready() ? worker : null;
}

/** What one split read needs of the checksums it is verified against. */
export interface SplitSums {
  blockBytes: number;
  version: HashVersion;
  /** The sums of whole blocks of data, as the table keeps them (a scratch array: copied at once). */
  sumsOf(data: Uint8Array): Uint32Array;
}

let out = new Uint32Array(256);

/**
 * What each way of reading has cost lately, in nanoseconds per byte (a running mean over about
 * the last 8 reads). The split only pays while the second core is free: on a machine busy with other
 * work the worker waits for a time slice and the caller waits for it (a 1 GiB read measured 0.65 s
 * split against 0.47 s inline at load 6). So the faster way lately is taken, and every 16th read
 * tries the other one, to notice when the machine changes.
 */
const cost = { split: { mean: 0, n: 0 }, inline: { mean: 0, n: 0 } };
let reads = 0;

function chooseSplit(): boolean {
  if (mode() === 'on') return true;
  reads++;
  // while learning, the way with fewer samples
  if (cost.split.n < 3 || cost.inline.n < 3) return cost.split.n <= cost.inline.n;
  const better = cost.split.mean <= cost.inline.mean;
  return reads % 16 === 0 ? !better : better;
}

function note(way: 'split' | 'inline', t0: bigint, bytes: number): void {
  const c = cost[way];
  const x = Number(process.hrtime.bigint() - t0) / bytes;
  c.n++;
  c.mean = c.n === 1 ? x : c.mean + (x - c.mean) / Math.min(c.n, 8);
}

/** How many reads each way took so far (tests: the split really ran, or really did not). */
export function splitReadCounts(): { split: number; inline: number } {
  return { split: cost.split.n, inline: cost.inline.n };
}

/**
 * Read buf.length bytes at `offset` of dev into buf (a hashableBuffer(n, true); offset and length
 * whole blocks), on two threads when that is the faster way lately, and return the sums of its
 * blocks (valid until the next call); null when this read cannot be split at all (too short, not
 * over shared memory, a device with no file runs): the caller reads and sums it as usual. A failed
 * read throws as dev.readAt does, once the worker is done with buf.
 */
export function splitRead(dev: BlockDevice, buf: Uint8Array, offset: number, s: SplitSums): Uint32Array | null {
  const B = s.blockBytes;
  const len = buf.length;
  if (len < SPLIT_MIN_BYTES || offset % B || len % B || !dev.fileRuns || len / 2 / B > HASH_OUT_ENTRIES) return null;
  const mem = sharedHashMemoryOf(buf);
  if (!mem) return null;
  const w = readyWorker(len);
  const n = len / B;
  if (out.length < n) out = new Uint32Array(n);
  const sums = out.subarray(0, n);
  const t0 = process.hrtime.bigint();
  if (w && chooseSplit() && twoThreads(w, mem, dev, buf, offset, s, sums)) {
    note('split', t0, len);
    return sums;
  }
  dev.readAt(buf, offset);
  sums.set(s.sumsOf(buf));
  if (w) note('inline', t0, len);
  return sums;
}

/** The split read itself, into sums; false when the worker cannot take it (the caller reads inline). */
function twoThreads(w: SplitWorker, mem: SharedHashMemory, dev: BlockDevice, buf: Uint8Array, offset: number, s: SplitSums,
  sums: Uint32Array): boolean {
  const B = s.blockBytes;
  const len = buf.length;
  const half = Math.floor(len / 2 / B) * B;
  const blocks2 = (len - half) / B;
  const runs = dev.fileRuns!(offset + half, len - half);
  if (!runs || runs.length > MAX_RUNS) return false;
  let dst = buf.byteOffset + half;
  const jobRuns = runs.map((r) => {
    const run = { ...r, dst };
    dst += r.len;
    return run;
  });
  if (!w.post(mem, s.version, B, buf.byteOffset + half, blocks2, jobRuns)) return false;
  try {
    dev.readAt(buf.subarray(0, half), offset);
  } catch (e) {
    w.wait();
    throw e;
  }
  sums.set(s.sumsOf(buf.subarray(0, half)));
  if (w.wait() !== 0) {
    // the worker's read failed: this thread reads that half again, and a failing leg fails here
    dev.readAt(buf.subarray(half), offset + half);
    sums.set(s.sumsOf(buf.subarray(half)), half / B);
    return true;
  }
  const second = sums.subarray(half / B);
  second.set(new Uint32Array(mem.memory.buffer, mem.out2Off, blocks2));
  // 0 is "no checksum recorded": a block hashing to 0 is kept as 1 (format.ts blockSum)
  for (let i = second.indexOf(0); i >= 0; i = second.indexOf(0, i + 1)) second[i] = 1;
  return true;
}
