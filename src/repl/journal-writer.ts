// The source side of a replication group: every write of a member LV is appended to the group's
// journal, in one order for the whole group, before the local legs get it, all under the group lock
// (DRBD's protocol A: done once on the local disk and handed on). Replicas out of the journal get
// their regions marked instead; a full journal drops the replicas that hold it back to their bitmaps.
// Sync replicas, and RPO policies, make the writer wait for the shipper after the lock is let go.
import { statSync } from 'node:fs';
import { replGroupsPath } from '../lv-io/replica-hook.js';
import type { IoEnv } from '../lv-io/index.js';
import { sleepMs } from '../device/sleep.js';
import { sharedLocks } from '../store/locks.js';
import { openDb } from '../store/db.js';
import { groupLockName, loadGroups, type Group, type Replica } from './config.js';
import { Journal } from './journal.js';
import { MAX_RECORD_DATA, Mode, RecordKind, encodeRecord, recordSpan, type Hint, type ModeState } from './journal-format.js';
import { markRegions } from './region-map.js';
import { recoverPending, type MemberWriter } from './recovery.js';
import { ensureShipper } from './shipper-control.js';

/** How long a sync replica may keep a write waiting before it counts as unreachable. */
const SYNC_TIMEOUT_MS = 5000;

export class JournalWriter {
  private group: Group;
  private groupMtime = 0;
  private lastCheck = 0;
  private readonly journal: Journal;
  private readonly lockName: string;
  /** Regions already marked, per replica slot/member and epoch. */
  private readonly marked = new Map<string, Set<number>>();
  refs = 0;

  constructor(private readonly env: IoEnv, group: Group) {
    this.group = group;
    this.lockName = groupLockName(group);
    this.journal = Journal.open(env, openDb(env.systemDir), group);
    if (!this.journal.checkSuper()) {
      this.journal.close();
      throw new Error(`Replication journal of group ${group.name} has no valid header.`);
    }
    this.groupMtime = mtime(env.systemDir);
  }

  /** Re-apply the last write of a writer that died between its journal record and its local write. */
  recover(openMember: (index: number) => MemberWriter): void {
    this.locked(() => recoverPending(this.journal, openMember));
  }

  private locked<T>(fn: () => T): T {
    const locks = sharedLocks(this.env.systemDir);
    locks.lock(this.lockName);
    try {
      return fn();
    } finally {
      locks.unlock(this.lockName);
    }
  }

  /** The group as configured now (re-read when groups.json changed, at most every 200 ms). */
  private current(): Group {
    const now = Date.now();
    if (now - this.lastCheck < 200) return this.group;
    this.lastCheck = now;
    const m = mtime(this.env.systemDir);
    if (m !== this.groupMtime) {
      this.groupMtime = m;
      this.group = loadGroups(this.env.systemDir).find((g) => g.uuid === this.group.uuid) ?? this.group;
    }
    // A shipper that died (kill -9) is started again by the next writer.
    if (this.group.replicas.some((r) => !r.paused)) ensureShipper(this.env.systemDir);
    return this.group;
  }

  /** Journal a write of `member` and do it locally (`local`), as one step of the group's order. */
  write(member: number, offset: number, buf: Uint8Array, local: () => void): void {
    const group = this.current();
    let last = 0;
    this.locked(() => {
      const h = this.journal.currentHead();
      const modes = group.replicas.map((r) => this.journal.mode(r.slot));
      for (let done = 0; done < buf.length;) {
        const n = Math.min(MAX_RECORD_DATA, buf.length - done);
        last = this.append(group, modes, h, member, offset + done, buf.subarray(done, done + n));
        done += n;
      }
      this.journal.writeHint(h);
      local();
    });
    this.afterWrite(group, last);
  }

  /**
   * A flush: a barrier record (the shipper flushes the replicas there), the local legs flushed
   * (`local`), then the journal (on the same PVs, usually nothing is left to write by then).
   */
  flush(local: () => void): void {
    const group = this.current();
    let last = 0;
    this.locked(() => {
      const modes = group.replicas.map((r) => this.journal.mode(r.slot));
      if (!this.journalReplicas(group, modes).length) return;
      const h = this.journal.currentHead();
      last = this.appendRecord(group, modes, h, RecordKind.Flush, 0, 0, null);
      this.journal.writeHint(h);
    });
    local();
    this.journal.flush();
    this.afterWrite(group, last);
  }

  private journalReplicas(group: Group, modes: ModeState[]): Replica[] {
    return group.replicas.filter((_, i) => modes[i]!.mode === Mode.Journal);
  }

  /** One record (or region marks) for one piece of a write; returns the record's seq (0: none). */
  private append(group: Group, modes: ModeState[], h: Hint, member: number, offset: number, data: Uint8Array): number {
    for (const [i, r] of group.replicas.entries()) {
      const m = modes[i]!;
      if (m.mode !== Mode.Journal) this.mark(group, r.slot, m.epoch, member, offset, data.length); // Bitmap, Split
    }
    if (!this.journalReplicas(group, modes).length) {
      h.pending = 0;
      return 0;
    }
    return this.appendRecord(group, modes, h, RecordKind.Write, member, offset, data);
  }

  private appendRecord(group: Group, modes: ModeState[], h: Hint, kind: RecordKind, member: number, offset: number,
    data: Uint8Array | null): number {
    const span = recordSpan(data?.length ?? 0);
    const cap = this.journal.capacity;
    const wrap = (h.nextPos % cap) + span > cap ? cap - (h.nextPos % cap) : 0;
    if (!this.room(group, modes, h, wrap + span)) {
      this.overflow(group, modes, h, 'journal full');
      return kind === RecordKind.Write ? this.append(group, modes, h, member, offset, data!) : 0;
    }
    const now = Date.now();
    if (wrap) {
      this.journal.dev.writeAt(encodeRecord({ seq: h.nextSeq, kind: RecordKind.Pad, member: 0, offset: 0, length: 0, time: now,
        totalBefore: h.totalBytes, pos: h.nextPos }, null), this.journal.dataStart + (h.nextPos % cap));
      h.nextSeq++;
      h.nextPos += wrap;
    }
    const seq = h.nextSeq;
    const rec = encodeRecord({ seq, kind, member, offset, length: data?.length ?? 0, time: now, totalBefore: h.totalBytes, pos: h.nextPos }, data);
    this.journal.dev.writeAt(rec, this.journal.dataStart + (h.nextPos % cap));
    if (kind === RecordKind.Write) {
      h.pending = seq;
      h.pendingPos = h.nextPos;
    }
    h.nextSeq++;
    h.nextPos += span;
    h.totalBytes += data?.length ?? 0;
    h.time = now;
    return seq;
  }

  /** The journal's free-space floor as last read (re-read only when it seems to leave no room). */
  private tail = -1;

  /** Is there room for `bytes` more, given what the replicas in the journal have made durable? */
  private room(group: Group, modes: ModeState[], h: Hint, bytes: number): boolean {
    if (this.tail >= 0 && h.nextPos + bytes - this.tail <= this.journal.capacity) return true;
    const tails = this.journalReplicas(group, modes).map((r) => this.journal.flushed(r.slot).nextPos);
    this.tail = Math.min(...tails);
    return h.nextPos + bytes - this.tail <= this.journal.capacity;
  }

  /**
   * Drop replicas out of the journal: every record they have not applied yet is marked in their
   * region maps (those records may be overwritten from now on), then the mode says Bitmap.
   */
  overflow(group: Group, modes: ModeState[], h: Hint, reason: string, only?: Replica[]): void {
    for (const [i, r] of group.replicas.entries()) {
      if (only && !only.includes(r)) continue;
      const m = modes[i]!;
      if (m.mode !== Mode.Journal) continue;
      const applied = this.journal.applied(r.slot);
      for (let pos = applied.nextPos, seq = applied.nextSeq; seq < h.nextSeq;) {
        const rec = this.journal.recordAt(pos, seq);
        if (!rec) break;
        if (rec.kind === RecordKind.Write) this.mark(group, r.slot, m.epoch, rec.member, rec.offset, rec.length);
        pos += rec.span;
        seq++;
      }
      modes[i] = { ...m, mode: Mode.Bitmap, reason };
      this.journal.writeMode(r.slot, modes[i]!);
    }
    this.tail = -1;
  }

  private mark(group: Group, slot: number, epoch: number, member: number, offset: number, length: number): void {
    const key = `${slot}.${member}.${epoch}`;
    let seen = this.marked.get(key);
    if (!seen) this.marked.set(key, (seen = new Set()));
    markRegions(this.env.systemDir, group, slot, member, offset, length, seen);
  }

  /** Sync replicas and RPO policies: wait for the shipper (or leave the journal) after the lock is let go. */
  private afterWrite(group: Group, seq: number): void {
    if (!seq) return;
    for (const r of group.replicas) {
      if (r.paused) continue;
      if (r.kind === 'sync') this.waitApplied(r, seq, SYNC_TIMEOUT_MS);
      else if (r.rpo && this.overRpo(r)) this.applyRpo(group, r, seq);
    }
  }

  private waitApplied(r: Replica, seq: number, timeoutMs: number): boolean {
    const deadline = Date.now() + timeoutMs;
    ensureShipper(this.env.systemDir);
    for (let wait = 0.05; ; wait = Math.min(wait * 2, 2)) {
      if (this.journal.mode(r.slot).mode !== Mode.Journal) return false;
      if (this.journal.applied(r.slot).nextSeq > seq) return true;
      if (Date.now() > deadline) return false;
      sleepMs(wait);
    }
  }

  /** Is the replica further behind than its RPO allows? */
  overRpo(r: Replica): boolean {
    const rpo = r.rpo!;
    if (this.journal.mode(r.slot).mode !== Mode.Journal) return false;
    const a = this.journal.applied(r.slot);
    const h = this.journal.hint();
    if (rpo.bytes !== undefined && h.totalBytes - a.totalBytes > rpo.bytes) return true;
    if (rpo.seconds !== undefined && a.nextSeq < h.nextSeq) {
      const oldest = this.journal.recordAt(a.nextPos, a.nextSeq);
      if (oldest && Date.now() - oldest.time > rpo.seconds * 1000) return true;
    }
    return false;
  }

  private applyRpo(group: Group, r: Replica, seq: number): void {
    switch (r.rpo!.policy) {
      case 'throttle':
        // Writers slow down until the replica is back within its RPO.
        for (let wait = 1; this.overRpo(r); wait = Math.min(wait * 2, 50)) {
          ensureShipper(this.env.systemDir);
          sleepMs(wait);
        }
        return;
      case 'sync':
        // Synchronous until caught up: this write waits until the replica has it.
        this.waitApplied(r, seq, 60_000);
        return;
      case 'bitmap':
        this.locked(() => {
          const modes = group.replicas.map((x) => this.journal.mode(x.slot));
          this.overflow(group, modes, this.journal.currentHead(), 'RPO exceeded', [r]);
        });
    }
  }

  close(): void {
    this.journal.close();
  }
}

function mtime(systemDir: string): number {
  try {
    return statSync(replGroupsPath(systemDir)).mtimeMs;
  } catch {
    return 0;
  }
}
