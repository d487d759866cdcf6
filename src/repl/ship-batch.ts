// The next records of a replica's journal as NBD requests (shipper.ts): contiguous writes of one
// member merged into one request, flush barriers kept. Each Ref's bytes are read from the member LV
// afterwards (ship-reads.ts).
import { RecordKind, isWrite, type Progress } from './journal-format.js';
import type { Journal } from './journal.js';

export interface Piece {
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
