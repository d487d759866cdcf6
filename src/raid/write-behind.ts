// raid1 --writebehind N (LVM2 raid_write_behind, dm-raid's max_write_behind, md's bitmap
// write-behind): a write to a --writemostly image is handed to a thread of its own (a copy of the
// data, as md copies a write-behind bio) and the LV's write is acknowledged once the other images
// have it. At most N such writes are outstanding; past that a write becomes synchronous (it
// returns when the image has it, and everything queued before it). Writes reach the image in the
// order they were made. Crash safety is the write-intent bitmap's: the mirror engine keeps a region
// out of sync until every write-behind into it has landed and been flushed (landedSeq/regionSeq),
// so after a kill -9 the resync recopies it from an image that has every acknowledged write.
import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import type { VolumeGroup } from '../model/types.js';

/** Index in the shared state of the sequence number of the last write landed on the image. */
export const BEHIND_LANDED = 0;
/** Index in the shared state set to 1 when a write to the image failed (details on the port). */
export const BEHIND_FAILED = 1;

/** A thread that lands nothing for this long (a write hung, or the thread never started) fails the image. */
const STALL_MS = 120_000;

export interface BehindWrite {
  seq: number;
  offset: number;
  data: Uint8Array;
}

export class WriteBehind {
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly state = new Int32Array(new SharedArrayBuffer(8));
  private issued = 0;
  /** Region -> sequence number of the last write-behind into it. */
  private readonly last = new Map<number, number>();
  private closed = false;

  /**
   * A thread writing image `image` of `vg` (its fault rules and written maps as any open).
   * `limit` is N; `regionBytes` the bitmap's region size.
   */
  constructor(systemDir: string, vg: VolumeGroup, readonly image: string, readonly limit: number, private readonly regionBytes: number) {
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    const script = fileURLToPath(new URL('./write-behind-worker.js', import.meta.url));
    this.worker = new Worker(script, {
      workerData: { systemDir, vg, image, state: this.state, port: port2 },
      transferList: [port2],
      execArgv: [],
      stdout: false,
    });
    // The thread never keeps the process alive on its own: close() ends it, exit ends everything.
    this.worker.unref();
    this.port.unref();
  }

  /** Sequence number of the last write landed on the image. */
  landedSeq(): number {
    return Atomics.load(this.state, BEHIND_LANDED);
  }

  /** Writes handed over and not yet landed. */
  outstanding(): number {
    return this.issued - this.landedSeq();
  }

  /** Sequence number of the last write-behind into region r (0: none). */
  regionSeq(r: number): number {
    return this.last.get(r) ?? 0;
  }

  /** Regions with a write-behind made so far (their sequence numbers in regionSeq). */
  regions(): number[] {
    return [...this.last.keys()];
  }

  /** Forget regions whose writes had landed when `seq` was: they are clean once flushed. */
  forgetUpTo(seq: number): void {
    for (const [r, s] of this.last) if (s <= seq) this.last.delete(r);
  }

  /**
   * Hand a copy of buf (to be written at `offset`) to the thread; returns at once unless N writes
   * were already outstanding (then when it has landed). The error of a failed write is returned by
   * failure().
   */
  write(buf: Uint8Array, offset: number): void {
    const sync = this.outstanding() >= this.limit;
    const seq = ++this.issued;
    const data = new Uint8Array(buf);
    this.port.postMessage({ seq, offset, data } satisfies BehindWrite, [data.buffer]);
    const rb = this.regionBytes;
    for (let r = Math.floor(offset / rb); r <= Math.floor((offset + buf.length - 1) / rb); r++) this.last.set(r, seq);
    if (sync) this.waitFor(seq);
  }

  /** Wait until every write handed over has landed. */
  drain(): void {
    this.waitFor(this.issued);
  }

  /** Wait until write `seq` has landed; a thread that makes no progress for STALL_MS counts as failed. */
  private waitFor(seq: number): void {
    let cur = this.landedSeq();
    let since = Date.now();
    while (cur < seq && !this.stalled) {
      Atomics.wait(this.state, BEHIND_LANDED, cur, 1000);
      const now = this.landedSeq();
      if (now !== cur) since = Date.now();
      else if (Date.now() - since > STALL_MS) this.stalled = true;
      cur = now;
    }
  }

  private stalled = false;
  private failed: { error: string; offset: number } | null = null;

  /** The failure the thread met (the image is then out of service), or null. */
  failure(): { error: string; offset: number } | null {
    if (this.failed) return this.failed;
    if (this.stalled) return (this.failed = { error: `no write-behind to ${this.image} landed for ${STALL_MS / 1000} s`, offset: 0 });
    if (!Atomics.load(this.state, BEHIND_FAILED)) return null;
    const m = receiveMessageOnPort(this.port);
    return (this.failed = (m?.message as { error: string; offset: number } | undefined) ?? { error: 'write-behind failed', offset: 0 });
  }

  /** Wait for what is outstanding, then end the thread. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.drain();
    this.port.postMessage('close');
    void this.worker.terminate();
  }

  /** End the thread at once, dropping what it has not written (the regions stay out of sync). */
  abandon(): void {
    if (this.closed) return;
    this.closed = true;
    void this.worker.terminate();
  }
}
