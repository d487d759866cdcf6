// The next records of a replica's journal as NBD requests (shipper.ts): contiguous writes of one
// member merged into one request, flush barriers kept, and each Ref's bytes read from the member LV,
// then replaced wherever a later Preserve record kept them (a write overwrote them meanwhile). The
// Preserve scan comes after the LV reads: a write that changed the bytes read had appended its
// Preserve (and the preserve sector) before it touched the LV, so the scan sees it. That is also
// why the reads need not hold the group lock, only follow a moment of holding it (shipper.ts).
import type { LvDevice } from '../lv-io/index.js';
import { RecordKind, isWrite, type Progress, type Record } from './journal-format.js';
import type { Journal } from './journal.js';
import type { SendBuffers } from './send-buffers.js';

interface Piece {
  seq: number;
  pos: number;
  offset: number;
  length: number;
  /** The bytes (Write records); null for a Ref (read from the member LV). */
  data: Buffer | null;
}

export interface Op {
  kind: 'write' | 'flush' | 'skip';
  member: number;
  offset: number;
  length: number;
  pieces: Piece[];
  /** The request's bytes, once resolved. */
  data?: Buffer;
  /** The pooled buffer `data` lies in (given back once the replica has the write). */
  pooled?: Buffer;
  /** Progress once this op is done. */
  after: Progress;
}

/** Ops for the records from `start` on: about `maxBytes` of data, requests of at most `maxRequest(member)`. */
export function readOps(journal: Journal, start: Progress, maxBytes: number, maxRequest: (member: number) => number): Op[] {
  const ops: Op[] = [];
  let pos = start.nextPos;
  let seq = start.nextSeq;
  let total = start.totalBytes;
  let bytes = 0;
  while (bytes < maxBytes) {
    const r = journal.recordAt(pos, seq);
    if (!r) break;
    let data: Buffer | null = null;
    if (r.kind === RecordKind.Write || r.kind === RecordKind.Preserve) {
      data = journal.recordData(r);
      if (!data) break; // still being written, or overwritten (then the mode says Bitmap)
    }
    pos += r.span;
    seq++;
    if (isWrite(r.kind)) total += r.length;
    const after: Progress = { nextSeq: seq, nextPos: pos, totalBytes: total, time: Date.now(), lastWrite: r.time };
    const prev = ops[ops.length - 1];
    if (r.kind === RecordKind.Flush) {
      ops.push({ kind: 'flush', member: -1, offset: 0, length: 0, pieces: [], after });
      continue;
    }
    if (!isWrite(r.kind)) {
      // Pad and Preserve records are not writes: the progress moves past them.
      if (prev && prev.kind !== 'flush') prev.after = after;
      else ops.push({ kind: 'skip', member: -1, offset: 0, length: 0, pieces: [], after });
      continue;
    }
    bytes += r.length;
    const piece: Piece = { seq: r.seq, pos: r.pos, offset: r.offset, length: r.length, data: r.kind === RecordKind.Write ? data : null };
    if (prev && prev.kind === 'write' && prev.member === r.member && prev.offset + prev.length === r.offset &&
      prev.length + r.length <= maxRequest(r.member)) {
      prev.pieces.push(piece);
      prev.length += r.length;
      prev.after = after;
      continue;
    }
    ops.push({ kind: 'write', member: r.member, offset: r.offset, length: r.length, pieces: [piece], after });
  }
  return ops;
}

/**
 * Fill each write op's bytes: Write records' own, Refs' from the member LV and later Preserves.
 * `pause` runs after each op's read (the shipper lets its sockets drain meanwhile).
 */
export async function resolveOps(journal: Journal, ops: Op[], source: (member: number) => LvDevice, buffers: SendBuffers,
  pause: () => Promise<void>): Promise<void> {
  let firstRef: Piece | null = null;
  for (const op of ops) {
    if (op.kind !== 'write') continue;
    if (op.pieces.length === 1 && op.pieces[0]!.data) {
      op.data = op.pieces[0]!.data;
      continue;
    }
    const { whole, part: buf } = buffers.take(op.length);
    op.pooled = whole;
    for (let i = 0, at = 0; i < op.pieces.length;) {
      const p = op.pieces[i]!;
      if (p.data) {
        p.data.copy(buf, at);
        at += p.length;
        i++;
        continue;
      }
      firstRef ??= p;
      // A run of Refs is one read of the LV.
      let n = p.length;
      let j = i + 1;
      while (j < op.pieces.length && !op.pieces[j]!.data) n += op.pieces[j++]!.length;
      source(op.member).readAt(buf.subarray(at, at + n), p.offset);
      at += n;
      i = j;
    }
    op.data = buf;
    await pause();
  }
  if (firstRef && journal.preserveMark() > firstRef.seq) overlayPreserved(journal, ops, firstRef);
}

/** Where a write after a Ref overwrote its bytes, take them from the first Preserve after the Ref. */
function overlayPreserved(journal: Journal, ops: Op[], from: Piece): void {
  const preserves: Record[] = [];
  for (let pos = from.pos, seq = from.seq; ;) {
    const r = journal.recordAt(pos, seq);
    if (!r) break;
    if (r.kind === RecordKind.Preserve) preserves.push(r);
    pos += r.span;
    seq++;
  }
  // Newest first, so that for every byte the oldest Preserve after its Ref is the one left.
  for (const p of preserves.reverse()) {
    let kept: Buffer | null = null;
    for (const op of ops) {
      if (op.kind !== 'write' || op.member !== p.member) continue;
      let at = 0;
      for (const piece of op.pieces) {
        const a = Math.max(piece.offset, p.offset);
        const b = Math.min(piece.offset + piece.length, p.offset + p.length);
        if (!piece.data && piece.seq < p.seq && a < b) {
          kept ??= journal.recordData(p);
          if (!kept) throw new Error(`Replication journal record ${p.seq} (preserved bytes) is damaged.`);
          kept.copy(op.data!, at + (a - piece.offset), a - p.offset, b - p.offset);
        }
        at += piece.length;
      }
    }
  }
}
