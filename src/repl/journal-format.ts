// The on-disk layout of a replication journal (the hidden LV_rjournal LV), in the spirit of DRBD's
// activity log and dm-log's header: a superblock, one sector per writer/shipper state, then a
// circular area of records (a header and, for small writes, the written bytes; a large write is a
// reference to the LV's own bytes, preserved into the journal only if overwritten before shipped),
// each with a CRC so that a torn or stale record is never taken for a new one. Positions are logical byte counters that only grow; the
// physical place is DATA_START + pos % capacity. Every sector has one owner, so no sector is
// written by two processes that do not hold the group lock.
import { crc32 } from 'node:zlib';
import { MAX_REPLICAS } from './config.js';

export const SECTOR_BYTES = 512;
export const SUPER_OFFSET = 0;
export const HINT_OFFSET = 512;
/** The writers' sector saying which record last preserved bytes (journal-writer.ts, shipper.ts). */
export const PRESERVE_OFFSET = 1024;
const SLOT_BASE = 4096;
const SLOT_BYTES = 2048;
export const DATA_START = 32768;
export const RECORD_HEADER = 64;
/** Writes bigger than this are journaled as several records (each a prefix step of its own). */
export const MAX_RECORD_DATA = 1024 * 1024;
/**
 * Writes of at least this many bytes are journaled as references (RecordKind.Ref): the shipper
 * reads their bytes from the member LV, so the journal does not write every byte a second time.
 */
export const REF_MIN_BYTES = 64 * 1024;

const SUPER_MAGIC = 0x4a52_5354; // "TSRJ"
const SECTOR_MAGIC = 0x5345_4352;
const RECORD_MAGIC = 0x4352_4a52;

export const enum RecordKind {
  Write = 1,
  Flush = 2,
  Pad = 3,
  /** A write whose bytes are on the member LV (not in the record). */
  Ref = 4,
  /** The bytes a write is about to overwrite while a Ref before it still needs them (not a write). */
  Preserve = 5,
}

/** Records that are writes to a member (the shipper applies them in order). */
export const isWrite = (k: RecordKind) => k === RecordKind.Write || k === RecordKind.Ref;
/** Records that carry their bytes after the header. */
export const hasData = (k: RecordKind) => k === RecordKind.Write || k === RecordKind.Preserve;

export interface Record {
  seq: number;
  kind: RecordKind;
  member: number;
  offset: number;
  length: number;
  /** Wall-clock ms when the source wrote it. */
  time: number;
  /** Data bytes journaled before this record (lag in bytes = difference of two of these). */
  totalBefore: number;
  /** Logical position of the record. */
  pos: number;
  /** Bytes the record takes in the journal. */
  span: number;
  /** The last Ref record before this one, as a RefLink (journal-writer.ts follows them back). */
  prevRef: number;
}

/**
 * Where the last Ref record is, in a record's header and in the hint: a chain back through every
 * Ref, so that a writer opening the journal indexes the Refs a replica still needs by following it
 * instead of reading every record's header since the oldest unapplied one (a paused replica or a
 * link down leaves hundreds of thousands of small records there: ~0.7 s of every writer's start at
 * 100,000). REF_UNKNOWN: written before the chain existed (the writer walks every record instead).
 */
export const REF_UNKNOWN = 0;
export const REF_NONE = 1;
export const refLink = (pos: number) => pos + 2;
export const refLinkPos = (link: number) => link - 2;

/** Where the next record goes and what the last one was (the writers' sector). */
export interface Hint {
  nextSeq: number;
  nextPos: number;
  totalBytes: number;
  time: number;
  /** Seq of the last record whose local write may not have completed (0: none). */
  pending: number;
  /** Its logical position. */
  pendingPos: number;
  /** The last Ref record up to nextPos (a RefLink). */
  lastRef: number;
}

/** A replica's progress: applied (sent and acknowledged) or flushed (durable on the replica). */
export interface Progress {
  nextSeq: number;
  nextPos: number;
  totalBytes: number;
  /** When the shipper last moved it. */
  time: number;
  /** Source time of the last record it covers. */
  lastWrite: number;
  /**
   * Applied only: records up to (not including) this seq may be on the replica too, in flight
   * together with nextSeq's (the shipper's window, within one barrier interval); 0: none.
   */
  inflight?: number;
}

export const enum Mode {
  Journal = 0,
  Bitmap = 1,
  /** Split from the far side (failover): writes are marked in the region map, nothing is shipped or resynced. */
  Split = 2,
}

/** A replica's mode: in the journal, or out of it with a region bitmap (journal overflow, pause). */
export interface ModeState {
  mode: Mode;
  /** Resync epochs so far. */
  epoch: number;
  /** Consistent (a prefix of the write history) once applied reaches this seq; 0: consistent. */
  consistentAt: number;
  /** Regions being copied (resync in progress). */
  resyncing: boolean;
  /** Why the replica left the journal (text), when it did. */
  reason: string;
}

export const appliedOffset = (slot: number) => SLOT_BASE + slot * SLOT_BYTES;
export const flushedOffset = (slot: number) => SLOT_BASE + slot * SLOT_BYTES + 512;
export const modeOffset = (slot: number) => SLOT_BASE + slot * SLOT_BYTES + 1024;

if (SLOT_BASE + MAX_REPLICAS * SLOT_BYTES > DATA_START) throw new Error('Internal error: journal header overlaps data');

export function recordSpan(length: number, kind: RecordKind = RecordKind.Write): number {
  return Math.ceil((RECORD_HEADER + (hasData(kind) ? length : 0)) / SECTOR_BYTES) * SECTOR_BYTES;
}

export function capacityOf(journalBytes: number): number {
  return Math.floor((journalBytes - DATA_START) / SECTOR_BYTES) * SECTOR_BYTES;
}

export function physical(pos: number, capacity: number): number {
  return DATA_START + (pos % capacity);
}

function sealed(buf: Buffer, magic: number): Buffer {
  buf.writeUInt32LE(magic, 0);
  buf.writeUInt32LE(crc32(buf.subarray(8)), 4);
  return buf;
}

function valid(buf: Buffer, magic: number): boolean {
  return buf.readUInt32LE(0) === magic && buf.readUInt32LE(4) === crc32(buf.subarray(8));
}

export function encodeSuper(groupUuid: string, journalBytes: number): Buffer {
  const b = Buffer.alloc(SECTOR_BYTES);
  b.writeDoubleLE(journalBytes, 8);
  b.write(groupUuid, 16, 64, 'utf8');
  return sealed(b, SUPER_MAGIC);
}

export function decodeSuper(buf: Buffer): { journalBytes: number; groupUuid: string } | null {
  if (!valid(buf, SUPER_MAGIC)) return null;
  return { journalBytes: buf.readDoubleLE(8), groupUuid: buf.toString('utf8', 16, 80).replace(/\0+$/, '') };
}

function encodeNumbers(values: number[]): Buffer {
  const b = Buffer.alloc(SECTOR_BYTES);
  values.forEach((v, i) => b.writeDoubleLE(v, 8 + i * 8));
  return sealed(b, SECTOR_MAGIC);
}

function decodeNumbers(buf: Buffer, n: number): number[] | null {
  if (!valid(buf, SECTOR_MAGIC)) return null;
  return Array.from({ length: n }, (_, i) => buf.readDoubleLE(8 + i * 8));
}

export function encodeHint(h: Hint): Buffer {
  return encodeNumbers([h.nextSeq, h.nextPos, h.totalBytes, h.time, h.pending, h.pendingPos, h.lastRef ?? REF_UNKNOWN]);
}

export function decodeHint(buf: Buffer): Hint | null {
  // (A hint written before the Ref chain has zeros after its six numbers: REF_UNKNOWN.)
  const v = decodeNumbers(buf, 7);
  return v && { nextSeq: v[0]!, nextPos: v[1]!, totalBytes: v[2]!, time: v[3]!, pending: v[4]!, pendingPos: v[5]!, lastRef: v[6]! };
}

export function encodeProgress(p: Progress): Buffer {
  return encodeNumbers([p.nextSeq, p.nextPos, p.totalBytes, p.time, p.lastWrite, p.inflight ?? 0]);
}

export function decodeProgress(buf: Buffer): Progress | null {
  const v = decodeNumbers(buf, 6);
  return v && { nextSeq: v[0]!, nextPos: v[1]!, totalBytes: v[2]!, time: v[3]!, lastWrite: v[4]!, ...(v[5] ? { inflight: v[5] } : {}) };
}

/** The preserve sector: seq of the last Preserve record (0: none yet). */
export function encodePreserveMark(seq: number): Buffer {
  return encodeNumbers([seq]);
}

export function decodePreserveMark(buf: Buffer): number {
  return decodeNumbers(buf, 1)?.[0] ?? 0;
}

export function encodeMode(m: ModeState): Buffer {
  const b = encodeNumbers([m.mode, m.epoch, m.consistentAt, m.resyncing ? 1 : 0]);
  b.write(m.reason.slice(0, 200), 64, 'utf8');
  return sealed(b, SECTOR_MAGIC);
}

export function decodeMode(buf: Buffer): ModeState | null {
  const v = decodeNumbers(buf, 4);
  if (!v) return null;
  return { mode: v[0] as Mode, epoch: v[1]!, consistentAt: v[2]!, resyncing: v[3] === 1, reason: buf.toString('utf8', 64, 264).replace(/\0+$/, '') };
}

/** A record: header and data (Write, Preserve), padded to its span. */
export function encodeRecord(r: Omit<Record, 'span'>, data: Uint8Array | null): Buffer {
  const span = recordSpan(r.length, r.kind);
  const b = Buffer.alloc(r.kind === RecordKind.Pad ? RECORD_HEADER : span);
  b.writeDoubleLE(r.seq, 8);
  b.writeUInt8(r.kind, 16);
  b.writeUInt8(r.member, 17);
  b.writeUInt32LE(r.length, 20);
  b.writeDoubleLE(r.offset, 24);
  b.writeDoubleLE(r.time, 32);
  b.writeDoubleLE(r.totalBefore, 40);
  b.writeDoubleLE(r.pos, 48);
  b.writeDoubleLE(r.prevRef ?? REF_UNKNOWN, 56);
  if (data) b.set(data, RECORD_HEADER);
  b.writeUInt32LE(RECORD_MAGIC, 0);
  const crc = crc32(b.subarray(8, RECORD_HEADER));
  b.writeUInt32LE(data ? crc32(b.subarray(RECORD_HEADER, RECORD_HEADER + r.length), crc) : crc, 4);
  return b;
}

/** The header of a record at `pos`, if one with a matching position is there (data not checked). */
export function decodeRecordHeader(b: Buffer, pos: number): Record | null {
  if (b.length < RECORD_HEADER || b.readUInt32LE(0) !== RECORD_MAGIC) return null;
  if (b.readDoubleLE(48) !== pos) return null;
  const kind = b.readUInt8(16) as RecordKind;
  const length = b.readUInt32LE(20);
  return {
    seq: b.readDoubleLE(8), kind, member: b.readUInt8(17), length, offset: b.readDoubleLE(24), time: b.readDoubleLE(32),
    totalBefore: b.readDoubleLE(40), pos, span: kind === RecordKind.Pad ? 0 : recordSpan(length, kind), prevRef: b.readDoubleLE(56),
  };
}

/** Does the CRC cover this header and data? */
export function recordValid(header: Buffer, data: Buffer | null): boolean {
  const crc = crc32(header.subarray(8, RECORD_HEADER));
  return header.readUInt32LE(4) === (data ? crc32(data, crc) : crc);
}
