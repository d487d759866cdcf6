// The second thread of a split checksummed read (split-read.ts): it preads its share of a read into
// the shared memory the caller reads the rest into, and hashes those blocks there, while the caller
// does the same with the first share. Each core copies and hashes only its own bytes: a thread that
// hashed what the other had just read would pull every cache line across (measured: no faster than
// hashing inline). Nothing here interprets the data; the caller verifies the sums.
import { readSync } from 'node:fs';
import { receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import { CTRL, JOB, type SplitMemoryMessage } from './split-read-protocol.js';

interface Data {
  ctrl: Int32Array;
  job: Float64Array;
  port: MessagePort;
}

const { ctrl, job, port } = workerData as Data;
type Hash = (p: number, n: number, stride: number, len: number, out: number, key: number) => void;
/** Per registered (memory, version): the memory's bytes and the hash over it. */
const memories = new Map<number, { bytes: Uint8Array; hash: Hash }>();

/** The registered memory `id`, after taking every message sent so far (registrations, drops), in order. */
function memory(id: number): { bytes: Uint8Array; hash: Hash } {
  for (let msg = receiveMessageOnPort(port)?.message as SplitMemoryMessage | undefined; msg;
    msg = receiveMessageOnPort(port)?.message as SplitMemoryMessage | undefined) {
    if (!msg.memory) {
      memories.delete(msg.id);
      continue;
    }
    // (version 1's function takes no key: the extra argument is ignored)
    const hash = new WebAssembly.Instance(msg.module!, { e: { m: msg.memory } }).exports[msg.version === 1 ? 'hash' : 'hash2'] as Hash;
    memories.set(msg.id, { bytes: new Uint8Array(msg.memory.buffer), hash });
  }
  const m = memories.get(id);
  if (!m) throw new Error(`split read: memory ${id} was never registered`);
  return m;
}

/** Bytes [pos, pos + len) of descriptor fd into bytes at dst; past the end of a file reads as zeros. */
function pread(bytes: Uint8Array, fd: number, pos: number, len: number, dst: number): void {
  let done = 0;
  while (done < len) {
    const n = readSync(fd, bytes, dst + done, len - done, pos + done);
    if (n === 0) {
      bytes.fill(0, dst + done, dst + len);
      return;
    }
    done += n;
  }
}

Atomics.store(ctrl, CTRL.ready, 1);
Atomics.notify(ctrl, CTRL.ready);
let done = 0;
for (;;) {
  Atomics.wait(ctrl, CTRL.posted, done);
  const posted = Atomics.load(ctrl, CTRL.posted);
  if (posted < 0) break;
  if (posted === done) continue;
  let status = 0;
  try {
    const m = memory(job[JOB.memory]!);
    const runs = job[JOB.runs]!;
    for (let i = 0; i < runs; i++) {
      const at = JOB.first + 4 * i;
      pread(m.bytes, job[at]!, job[at + 1]!, job[at + 2]!, job[at + 3]!);
    }
    const stride = job[JOB.blockBytes]!;
    m.hash(job[JOB.data]!, job[JOB.blocks]!, stride, stride, job[JOB.out]!, job[JOB.key]!);
  } catch (e) {
    status = typeof (e as { errno?: unknown }).errno === 'number' ? (e as { errno: number }).errno || -1 : -1;
  }
  Atomics.store(ctrl, CTRL.status, status);
  done = posted;
  Atomics.store(ctrl, CTRL.done, done);
  Atomics.notify(ctrl, CTRL.done);
}
