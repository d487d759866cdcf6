// The bytes of a batch of write requests (ship-batch.ts), read while the shipper sends: Write
// records' own bytes, each Ref's from the member LV (on libuv worker threads, a few requests ahead of
// the one being sent, into the shipper's buffer pool), then replaced wherever a later Preserve record
// kept them (a write overwrote them meanwhile). For each request the Preserve scan comes after its
// LV reads: a write that changed the bytes read had appended its Preserve (and the preserve sector)
// before it touched the LV, so the scan sees it. That is also why the reads need not hold the group
// lock, only follow a moment of holding it (shipper.ts). DRBD's sender reads its bitmap-resync data
// the same way: asynchronously, ahead of the socket.
import { readAsyncOf } from '../device/block-device.js';
import type { LvDevice } from '../lv-io/index.js';
import { RecordKind, type Record } from './journal-format.js';
import type { Journal } from './journal.js';
import type { Op, Piece } from './ship-batch.js';
import type { SendBuffers } from './send-buffers.js';

export class BatchReads {
  private readonly writes: Op[];
  private readonly reading = new Map<Op, Promise<void>>();
  /** Ops whose reads were started, and ops asked for by ready() (prefixes of `writes`). */
  private started = 0;
  private asked = 0;
  /** The Ref the Preserve scan starts at, the next record it looks at, and what it found so far. */
  private firstRef: Piece | null = null;
  private scan: { pos: number; seq: number } | null = null;
  private readonly preserves: Record[] = [];

  /** Start the reads of the first `ahead` write ops. */
  constructor(private readonly journal: Journal, ops: Op[], private readonly source: (member: number) => LvDevice,
    private readonly buffers: SendBuffers, private readonly ahead: number) {
    this.writes = ops.filter((op) => op.kind === 'write');
    this.readMore(0);
  }

  /** Wait until `op.data` holds the bytes to send (the write ops are asked for in order). */
  async ready(op: Op): Promise<void> {
    if (this.writes[this.asked] !== op) throw new Error('Internal error: shipper batch ops asked for out of order.');
    this.readMore(++this.asked);
    await this.reading.get(op);
    this.reading.delete(op);
    this.overlay(op);
  }

  /**
   * Wait for every read started (none may still fill a buffer), and take back the buffers of ops
   * that were not sent (the caller clears `pooled` of those it hands on).
   */
  async settle(): Promise<void> {
    await Promise.allSettled(this.reading.values());
    this.reading.clear();
    for (const op of this.writes) {
      if (op.pooled) this.buffers.give(op.pooled);
      op.pooled = undefined;
    }
  }

  /** Start reads up to `ahead` ops past the first `upTo`. */
  private readMore(upTo: number): void {
    while (this.started < this.writes.length && this.started < upTo + this.ahead) {
      const op = this.writes[this.started++]!;
      const p = this.read(op);
      p.catch(() => undefined); // awaited by ready() or settle()
      this.reading.set(op, p);
    }
  }

  /** Fill op.data: Write records' bytes copied, runs of Refs read from the LV. */
  private read(op: Op): Promise<void> {
    if (op.pieces.length === 1 && op.pieces[0]!.data) {
      op.data = op.pieces[0]!.data;
      return Promise.resolve();
    }
    const { whole, part: buf } = this.buffers.take(op.length);
    op.pooled = whole;
    op.data = buf;
    const reads: Promise<void>[] = [];
    for (let i = 0, at = 0; i < op.pieces.length;) {
      const p = op.pieces[i]!;
      if (p.data) {
        p.data.copy(buf, at);
        at += p.length;
        i++;
        continue;
      }
      this.firstRef ??= p;
      // A run of Refs is one read of the LV.
      let n = p.length;
      let j = i + 1;
      while (j < op.pieces.length && !op.pieces[j]!.data) n += op.pieces[j++]!.length;
      reads.push(readAsyncOf(this.source(op.member), buf.subarray(at, at + n), p.offset));
      at += n;
      i = j;
    }
    return Promise.allSettled(reads).then((results) => {
      const failed = results.find((r) => r.status === 'rejected');
      if (failed) throw failed.reason;
    });
  }

  /** Where a write after one of op's Refs overwrote its bytes, take them from the first Preserve after the Ref. */
  private overlay(op: Op): void {
    const oldestRef = op.pieces.reduce((seq, p) => (p.data ? seq : Math.min(seq, p.seq)), Infinity);
    if (!this.firstRef || oldestRef === Infinity || this.journal.preserveMark() <= oldestRef) return;
    this.scanPreserves();
    // Newest first, so that for every byte the oldest Preserve after its Ref is the one left.
    for (let k = this.preserves.length - 1; k >= 0; k--) {
      const p = this.preserves[k]!;
      if (op.member !== p.member) continue;
      let kept: Buffer | null = null;
      let at = 0;
      for (const piece of op.pieces) {
        const a = Math.max(piece.offset, p.offset);
        const b = Math.min(piece.offset + piece.length, p.offset + p.length);
        if (!piece.data && piece.seq < p.seq && a < b) {
          kept ??= this.journal.recordData(p);
          if (!kept) throw new Error(`Replication journal record ${p.seq} (preserved bytes) is damaged.`);
          kept.copy(op.data!, at + (a - piece.offset), a - p.offset, b - p.offset);
        }
        at += piece.length;
      }
    }
  }

  /** The Preserve records appended since the last scan (from the batch's first Ref on). */
  private scanPreserves(): void {
    this.scan ??= { pos: this.firstRef!.pos, seq: this.firstRef!.seq };
    for (;;) {
      const r = this.journal.recordAt(this.scan.pos, this.scan.seq);
      if (!r) break;
      if (r.kind === RecordKind.Preserve) this.preserves.push(r);
      this.scan.pos += r.span;
      this.scan.seq++;
    }
  }
}
