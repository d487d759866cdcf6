// A replication journal opened for I/O: the hidden LV_rjournal through src/lv-io (so its extents
// may sit on any PV, even under pvmove), with typed access to its sectors and records. Shared by
// the writers (journal-writer.ts), the shipper (shipper.ts) and the reports (status.ts).
import type { BlockDevice } from '../device/block-device.js';
import { DevicePool } from '../device/device-pool.js';
import { openLv, type IoEnv } from '../lv-io/index.js';
import type { LogicalVolume, VolumeGroup } from '../model/types.js';
import { openDb, type Db } from '../store/db.js';
import { MetadataStore } from '../store/metadata-store.js';
import type { Group, LvRef } from './config.js';
import {
  DATA_START, HINT_OFFSET, PRESERVE_OFFSET, RECORD_HEADER, RecordKind, SECTOR_BYTES, SUPER_OFFSET, appliedOffset, capacityOf,
  REF_NONE, REF_UNKNOWN, decodeHint, decodeMode, decodePreserveMark, decodeProgress, decodeRecordHeader, decodeSuper, encodeHint, encodeMode,
  encodePreserveMark, encodeProgress, encodeSuper, flushedOffset, hasData, isWrite, modeOffset, physical, recordValid, refLink, Mode,
  type Hint, type ModeState, type Progress, type Record,
} from './journal-format.js';

/** The VG and LV a reference names now (found by uuid: a vgrename or lvrename does not lose it). */
export function resolveLv(db: Db, ref: LvRef): { vg: VolumeGroup; lv: LogicalVolume } | null {
  const row = db.prepare('SELECT name FROM vg WHERE uuid = ?').get(ref.vgUuid) as { name: string } | undefined;
  const vg = row && new MetadataStore(db, null).loadVg(row.name)?.vg;
  const lv = vg?.lvs.find((l) => l.uuid === ref.lvUuid);
  return vg && lv ? { vg, lv } : null;
}

export const EMPTY_PROGRESS: Progress = { nextSeq: 1, nextPos: 0, totalBytes: 0, time: 0, lastWrite: 0 };
export const JOURNAL_MODE: ModeState = { mode: Mode.Journal, epoch: 0, consistentAt: 0, resyncing: false, reason: '' };

export class Journal {
  readonly capacity: number;
  private readonly sector = Buffer.alloc(SECTOR_BYTES);
  private readonly head = Buffer.alloc(RECORD_HEADER);

  constructor(readonly dev: BlockDevice, readonly group: Group) {
    this.capacity = capacityOf(dev.size());
  }

  /** Open the group's journal LV (read-write) with the caller's device pool. */
  static open(env: IoEnv, db: Db, group: Group): Journal {
    const found = resolveLv(db, group.journal);
    if (!found) throw new Error(`Replication journal ${group.journal.vgName}/${group.journal.lvName} of group ${group.name} not found.`);
    return new Journal(openLv(env, found.vg, found.lv, { writable: true, ignoreActivation: true }), group);
  }

  /**
   * A writer's open (journal-writer.ts): found in `vg`, the VG its member LV was opened from (read
   * as recently as the database), when the journal lives there, without a database handle of its
   * own (opening SQLite was ~5 ms of every replicated `tsvm dd`); else as open().
   */
  static openNear(env: IoEnv, group: Group, vg: VolumeGroup): Journal {
    const lv = vg.uuid === group.journal.vgUuid ? vg.lvs.find((l) => l.uuid === group.journal.lvUuid) : undefined;
    if (!lv) return Journal.open(env, openDb(env.systemDir), group);
    return new Journal(openLv(env, vg, lv, { writable: true, ignoreActivation: true }), group);
  }

  /** Open it in a process of its own (shipper, reports): its own database handle and device pool. */
  static openStandalone(systemDir: string, group: Group): Journal {
    return Journal.open({ devices: new DevicePool(systemDir), systemDir }, openDb(systemDir), group);
  }

  /** Write a fresh header: superblock, empty hint and progress, every replica in `mode`. */
  format(replicaModes: Map<number, ModeState>): void {
    // Zeros everywhere first: blocks of a sparse PV image are allocated now, not by each append
    // (an append to an unallocated block makes every later fdatasync commit the allocation too).
    const zeros = Buffer.alloc(1024 * 1024);
    for (let off = 0; off < this.dev.size(); off += zeros.length) {
      this.dev.writeAt(zeros.subarray(0, Math.min(zeros.length, this.dev.size() - off)), off);
    }
    this.dev.writeAt(encodeSuper(this.group.uuid, this.dev.size()), SUPER_OFFSET);
    this.writeHint({ nextSeq: 1, nextPos: 0, totalBytes: 0, time: Date.now(), pending: 0, pendingPos: 0, lastRef: REF_NONE });
    for (const [slot, mode] of replicaModes) this.resetReplica(slot, mode);
    this.dev.flush();
  }

  /**
   * A replica starts at the hint (nothing, or up to 63 records already on the LV, to ship), in
   * `mode`. Not at the head found past it: its last record may be a killed writer's whose local
   * write recovery has not re-applied yet, which the replica must get (writers drop their cached
   * free-space floor when they take the group lock, so they do not reuse what it still needs).
   */
  resetReplica(slot: number, mode: ModeState): void {
    const h = this.hint();
    const p: Progress = { nextSeq: h.nextSeq, nextPos: h.nextPos, totalBytes: h.totalBytes, time: Date.now(), lastWrite: h.time };
    this.writeProgress(appliedOffset(slot), p);
    this.writeProgress(flushedOffset(slot), p);
    this.writeMode(slot, mode);
  }

  checkSuper(): boolean {
    const s = decodeSuper(this.read(SUPER_OFFSET));
    return !!s && s.groupUuid === this.group.uuid;
  }

  private read(offset: number): Buffer {
    this.dev.readAt(this.sector, offset);
    return this.sector;
  }

  hint(): Hint {
    return decodeHint(this.read(HINT_OFFSET)) ?? { nextSeq: 1, nextPos: 0, totalBytes: 0, time: 0, pending: 0, pendingPos: 0, lastRef: REF_UNKNOWN };
  }

  writeHint(h: Hint): void {
    this.dev.writeAt(encodeHint(h), HINT_OFFSET);
  }

  applied(slot: number): Progress {
    return decodeProgress(this.read(appliedOffset(slot))) ?? EMPTY_PROGRESS;
  }

  flushed(slot: number): Progress {
    return decodeProgress(this.read(flushedOffset(slot))) ?? EMPTY_PROGRESS;
  }

  writeProgress(offset: number, p: Progress): void {
    this.dev.writeAt(encodeProgress(p), offset);
  }

  mode(slot: number): ModeState {
    return decodeMode(this.read(modeOffset(slot))) ?? JOURNAL_MODE;
  }

  writeMode(slot: number, m: ModeState): void {
    this.dev.writeAt(encodeMode(m), modeOffset(slot));
  }

  /** The record header at logical `pos`, or null (none written there yet, or a stale one). */
  recordAt(pos: number, seq?: number): Record | null {
    this.dev.readAt(this.head, physical(pos, this.capacity));
    const r = decodeRecordHeader(this.head, pos);
    if (!r || (seq !== undefined && r.seq !== seq)) return null;
    if (!hasData(r.kind) && !recordValid(this.head, null)) return null;
    if (r.kind === RecordKind.Pad) r.span = this.capacity - (pos % this.capacity);
    return r;
  }

  /** Seq of the last Preserve record (0: none). */
  preserveMark(): number {
    return decodePreserveMark(this.read(PRESERVE_OFFSET));
  }

  writePreserveMark(seq: number): void {
    this.dev.writeAt(encodePreserveMark(seq), PRESERVE_OFFSET);
  }

  /** The data of a Write or Preserve record, or null when the CRC says it is not (or no longer) that record. */
  recordData(r: Record, into?: Buffer): Buffer | null {
    const at = physical(r.pos, this.capacity);
    const both = Buffer.allocUnsafe(RECORD_HEADER + r.length);
    this.dev.readAt(both, at);
    const data = both.subarray(RECORD_HEADER);
    if (!recordValid(both.subarray(0, RECORD_HEADER), data)) return null;
    if (into) {
      data.copy(into);
      return into;
    }
    return data;
  }

  /**
   * The head as it is: the hint, then any records appended after it (a writer killed between its
   * record and its hint). Call with the group lock held.
   */
  currentHead(): Hint {
    return this.headFrom(this.hint());
  }

  /** `h` moved past every complete record appended after it (`seen` is told about each). */
  headFrom(h: Hint, seen?: (r: Record) => void): Hint {
    for (let r = this.recordAt(h.nextPos, h.nextSeq); r; r = this.recordAt(h.nextPos, h.nextSeq)) {
      if (hasData(r.kind) && !this.recordData(r)) break;
      seen?.(r);
      if (r.kind !== RecordKind.Pad) {
        h.pending = r.seq;
        h.pendingPos = r.pos;
      }
      h.nextSeq = r.seq + 1;
      h.nextPos = r.pos + r.span;
      h.totalBytes = r.totalBefore + (isWrite(r.kind) ? r.length : 0);
      h.time = r.time;
      h.lastRef = r.kind === RecordKind.Ref ? refLink(r.pos) : r.prevRef;
    }
    return h;
  }

  /** Byte offset of the data area. */
  get dataStart(): number {
    return DATA_START;
  }

  flush(): void {
    this.dev.flush();
  }

  close(): void {
    this.dev.close();
  }
}
