// The source side of a replication group: every write of a member LV is appended to the group's
// journal, in one order for the whole group, before the local legs get it, all under the group lock
// (DRBD's protocol A: done once on the local disk and handed on). Replicas out of the journal get
// their regions marked instead; a full journal drops the replicas that hold it back to their bitmaps.
// Sync replicas, and RPO policies, make the writer wait for the shipper after the lock is let go.
// Like the mirror engine's LvLease, a writer keeps the group lock from one write to the next while
// no other process queues for it: a write then costs a stat, not a lock and an unlock, and the head
// it appended last is still the head.
import { statSync } from 'node:fs';
import { replGroupsPath } from '../lv-io/replica-hook.js';
import type { IoEnv } from '../lv-io/index.js';
import { sleepMs } from '../device/sleep.js';
import { sharedLocks } from '../store/locks.js';
import type { VolumeGroup } from '../model/types.js';
import { groupLockName, loadGroups, type Group, type Replica } from './config.js';
import { Journal } from './journal.js';
import {
  MAX_RECORD_DATA, Mode, REF_MIN_BYTES, REF_NONE, REF_UNKNOWN, RecordKind, encodeRecord, refLink, refLinkPos, isWrite, recordSpan, type Hint, type ModeState, type Record,
} from './journal-format.js';
import { RefIndex } from './ref-index.js';
import { LocalDone } from './local-done.js';
import { markRegions } from './region-map.js';
import { recoverPending, type MemberWriter } from './recovery.js';
import { ensureShipper } from './shipper-control.js';
import { fencedError } from './fence.js';
import { checkHostRestart } from './host-restart.js';
import { ActivityLog } from './activity-log.js';

/** What an RPO policy in action puts in the replica's reason. */
export const RPO_THROTTLE = 'RPO exceeded: writers throttled';
export const RPO_SYNC = 'RPO exceeded: synchronous until caught up';
/** How long a sync replica may keep a write waiting before it counts as unreachable. */
const SYNC_TIMEOUT_MS = 5000;
/** A writer whose event loop runs gives the group lock up after this long without a write. */
const LEASE_IDLE_MS = 20;
/**
 * While the lease is held, the group config is looked at (a stat) and the queue for the group lock
 * (an access) at most this often: a 4 KiB write with fsync looked at both twice (write and flush),
 * ~15% of what journaling costs it. Config changes that matter to the order (`replica add`) are
 * made under the group lock, so they are seen when the lease is taken again; the others (pause,
 * remove) were never ordered with a write in progress. A process queued for the lock waits at
 * most this much longer (it sleeps 1-20 ms between its own looks).
 */
const LEASE_LOOK_MS = 2;

export class JournalWriter {
  private group: Group;
  private groupMtime = 0;
  private readonly journal: Journal;
  private readonly lockName: string;
  /** Regions already marked, per replica slot/member and epoch. */
  private readonly marked = new Map<string, Set<number>>();
  /** This process's head (valid under the group lock after syncHead) and where the hint last went. */
  private head: Hint | null = null;
  private hintAt = 0;
  private sinceHint = 0;
  /** Member bytes that unapplied Refs point at, and the oldest seq a replica has not applied (a floor). */
  private refs = new RefIndex();
  private oldest = 0;
  /** Opens sharing this writer. */
  users = 0;
  /**
   * The group lock is held from one write to the next (the lease); the head and the replicas' modes
   * read under it stay true while it is (every other writer of them holds the group lock).
   */
  private leased = false;
  private headFresh = false;
  private modes: { group: Group; modes: ModeState[] } | null = null;
  private lastUse = 0;
  /** When the config and the lock's queue were last looked at under this lease (0: not yet). */
  private configAt = 0;
  private queueAt = 0;
  private leaseTimer: NodeJS.Timeout | null = null;
  /** Where the shipper learns which Refs have their bytes on the LV (local-done.ts). */
  private readonly done: LocalDone;
  /** The extents written since the source and the replicas were last all caught up (activity-log.ts). */
  private readonly al: ActivityLog;

  /** `vg`: the VG of the member LV being opened (the journal is looked for there first). */
  constructor(private readonly env: IoEnv, group: Group, vg: VolumeGroup) {
    this.group = group;
    this.lockName = groupLockName(group);
    this.journal = Journal.openNear(env, group, vg);
    if (!this.journal.checkSuper()) {
      this.journal.close();
      throw new Error(`Replication journal of group ${group.name} has no valid header.`);
    }
    this.groupMtime = mtime(env.systemDir);
    this.done = new LocalDone(env.systemDir, group.uuid);
    this.al = new ActivityLog(env.systemDir, group);
  }

  /** Re-apply the last write of a writer that died between its journal record and its local write. */
  recover(openMember: (index: number) => MemberWriter): void {
    this.locked(() => {
      checkHostRestart(this.env.systemDir, this.journal, this.group);
      recoverPending(this.journal, openMember);
    });
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

  /**
   * fn under the group lock, which is then kept (the lease) unless another process queued for it
   * (lock() leaves a .want file) or fn failed. Given up by release(): when the caller may block
   * (idle), before waiting for the shipper, after LEASE_IDLE_MS without a write, and on close.
   */
  private leasedLock<T>(fn: () => T): T {
    const locks = sharedLocks(this.env.systemDir);
    // (The lvm shell lets every lock go at the end of a command line: then the lease is gone too.)
    if (!this.leased || !locks.holds(this.lockName)) {
      locks.lock(this.lockName);
      this.leased = true;
      this.headFresh = false;
      this.modes = null;
      this.al.stale();
      // A replica added or back from its bitmap meanwhile starts behind the floor cached here.
      this.tail = -1;
      this.configAt = 0;
      this.queueAt = 0;
    }
    let ok = false;
    try {
      const out = fn();
      ok = true;
      return out;
    } finally {
      const now = (this.lastUse = Date.now());
      if (!ok || (now - this.queueAt >= LEASE_LOOK_MS && ((this.queueAt = now), locks.wantedByOther(this.lockName)))) this.release();
      else this.leaseTimer ??= setTimeout(() => this.expire(), LEASE_IDLE_MS).unref();
    }
  }

  private expire(): void {
    this.leaseTimer = null;
    const left = this.lastUse + LEASE_IDLE_MS - Date.now();
    if (!this.leased) return;
    if (left > 0) this.leaseTimer = setTimeout(() => this.expire(), left).unref();
    else this.release();
  }

  /** Give the group lock up (other writers and the shipper may take it). */
  release(): void {
    if (this.leaseTimer) clearTimeout(this.leaseTimer);
    this.leaseTimer = null;
    if (!this.leased) return;
    this.leased = false;
    this.headFresh = false;
    this.modes = null;
    this.done.close();
    sharedLocks(this.env.systemDir).unlock(this.lockName);
  }

  /**
   * The group as configured now: called under the group lock, so that a replica added under that
   * lock (its journal slot set up first) is known to every write after it. One stat per call, or
   * per LEASE_LOOK_MS while the lease is held (nothing changed under the lock meanwhile).
   */
  private current(): Group {
    const now = Date.now();
    if (!this.leased || now - this.configAt >= LEASE_LOOK_MS) {
      this.configAt = this.leased ? now : 0;
      const m = mtime(this.env.systemDir);
      if (m !== this.groupMtime) {
        this.groupMtime = m;
        this.group = loadGroups(this.env.systemDir).find((g) => g.uuid === this.group.uuid) ?? this.group;
      }
    }
    // A shipper that died (kill -9) is started again by the next writer (checked every 500 ms).
    if (this.group.replicas.some((r) => !r.paused)) ensureShipper(this.env.systemDir);
    return this.group;
  }

  /**
   * Journal a write of `member` and do it locally (`local`), as one step of the group's order.
   * `read` reads the member's current bytes (to preserve what an unshipped Ref still needs).
   * `localFlush` given: a durable write (O_DSYNC), journaled with its barrier right after it in the
   * same step, then flushed as flush() does. That is the order write-then-flush gives: a write of
   * another process that lands between the two belongs after the barrier as well, since it did not
   * complete before this request did (a flush only orders writes completed before it was issued).
   */
  write(member: number, offset: number, buf: Uint8Array, local: () => void, read: (b: Buffer, offset: number) => void,
    localFlush?: () => void): void {
    let group = this.group;
    let last = 0;
    let barrier = 0;
    this.leasedLock(() => {
      group = this.current();
      if (group.fenced) throw fencedError(group, member);
      const h = this.syncHead(group);
      const modes = this.replicaModes(group);
      // A power loss from here on could leave these bytes different on the source and a replica.
      if (this.journalReplicas(group, modes).length) this.al.mark(member, offset, buf.length);
      for (let done = 0; done < buf.length;) {
        const n = Math.min(MAX_RECORD_DATA, buf.length - done);
        // A durable write's barrier goes out with its last record, in the same pwrite.
        const withBarrier = !!localFlush && done + n === buf.length;
        last = this.append(group, modes, h, member, offset + done, buf.subarray(done, done + n), read, withBarrier);
        done += n;
        if (withBarrier && last) barrier = last + 1;
      }
      local();
      // Refs (large writes) are read from the LV by the shipper: say their bytes are there now.
      if (last && Math.min(buf.length, MAX_RECORD_DATA) >= REF_MIN_BYTES) this.done.write(last);
      // The hint only ever says what is done: the local write is.
      h.pending = 0;
      this.maybeWriteHint(h, !last);
    });
    if (localFlush) {
      localFlush();
      this.journal.flush();
    }
    this.afterWrite(group, Math.max(last, barrier));
  }

  /**
   * A flush: a barrier record (the shipper flushes the replicas there), the local legs flushed
   * (`local`), then the journal (on the same PVs, usually nothing is left to write by then).
   */
  flush(local: () => void): void {
    let group = this.group;
    let last = 0;
    this.leasedLock(() => {
      group = this.current();
      const modes = this.replicaModes(group);
      if (!this.journalReplicas(group, modes).length) return;
      const h = this.syncHead(group);
      last = this.appendRecord(group, modes, h, RecordKind.Flush, 0, 0, 0, null);
      this.maybeWriteHint(h, false);
    });
    local();
    this.journal.flush();
    this.afterWrite(group, Math.max(last, 0));
  }

  /** The modes of the group's replicas (read again unless the lease kept them true; overflow() changes them in place). */
  private replicaModes(group: Group): ModeState[] {
    if (this.modes?.group === group) return this.modes.modes;
    const modes = group.replicas.map((r) => this.journal.mode(r.slot));
    this.modes = this.leased ? { group, modes } : null;
    return modes;
  }

  /**
   * The head, under the group lock: this process's own idea of it, moved past what other writers
   * appended since (their Refs indexed). Read from the hint (and every Ref of the window indexed
   * again) the first time and whenever the hint shows that this process lost track.
   */
  private syncHead(group: Group): Hint {
    // Held since the last look: nobody else appended.
    if (this.headFresh && this.head) return this.head;
    this.headFresh = this.leased;
    const hint = this.journal.hint();
    if (this.head) {
      this.journal.headFrom(this.head, (r) => this.index(r));
      if (this.head.nextSeq >= hint.nextSeq) return this.head;
    }
    this.head = this.journal.headFrom(hint);
    this.hintAt = this.head.nextPos;
    this.rebuildIndex(group);
    return this.head;
  }

  private index(r: Record): void {
    if (r.kind === RecordKind.Ref) this.refs.note(r.seq, r.member, r.offset, r.length);
  }

  /**
   * Index every Ref from the oldest position a replica in the journal still needs to the head: by
   * the chain of Refs back from the head (journal-format.ts RefLink), or, where the chain is not
   * known (records of a writer from before it), by reading every record's header.
   */
  private rebuildIndex(group: Group): void {
    this.refs = new RefIndex();
    const modes = group.replicas.map((r) => this.journal.mode(r.slot));
    const from = this.journalReplicas(group, modes).map((r) => this.journal.applied(r.slot)).sort((a, b) => a.nextSeq - b.nextSeq)[0];
    if (!from) return;
    this.oldest = from.nextSeq;
    if (this.indexChain(from.nextPos)) return;
    this.refs = new RefIndex();
    let lastRef = REF_NONE;
    for (let pos = from.nextPos, seq = from.nextSeq; seq < this.head!.nextSeq;) {
      const r = this.journal.recordAt(pos, seq);
      if (!r) return;
      this.index(r);
      if (r.kind === RecordKind.Ref) lastRef = refLink(r.pos);
      pos += r.span;
      seq++;
    }
    // Read to the head: the records from here on name the last Ref a replica may still need (none:
    // REF_NONE; a follower stops before `from` anyway, and the oldest unapplied record only moves on).
    this.head!.lastRef = lastRef;
  }

  /**
   * Follow the Refs back from the head's last one to `fromPos` (records there and after are intact:
   * no replica in the journal has applied them, so their space was not reused). False when the
   * chain is not known all the way (then nothing it indexed is complete).
   */
  private indexChain(fromPos: number): boolean {
    for (let link = this.head!.lastRef; link !== REF_NONE;) {
      if (link === REF_UNKNOWN || !Number.isSafeInteger(link)) return false;
      const pos = refLinkPos(link);
      if (pos < fromPos) return true;
      const r = this.journal.recordAt(pos);
      if (!r || r.kind !== RecordKind.Ref || r.prevRef >= link) return false;
      this.index(r);
      link = r.prevRef;
    }
    return true;
  }

  /** Seq of the oldest record a replica in the journal has not applied (re-read now). */
  private readOldest(group: Group, modes: ModeState[]): number {
    const seqs = this.journalReplicas(group, modes).map((r) => this.journal.applied(r.slot).nextSeq);
    this.oldest = seqs.length ? Math.min(...seqs) : Number.MAX_SAFE_INTEGER;
    if (this.refs.size > 65536) this.refs.prune(this.oldest);
    return this.oldest;
  }

  /**
   * The hint is written now and then (each write finds the head from it by reading on), always
   * before it could be a lap behind, and before a write that is not journaled (recovery re-applies
   * the last record after the hint: it must be the last write to the LV).
   */
  private maybeWriteHint(h: Hint, unjournaled: boolean): void {
    if (unjournaled) {
      if (!this.sinceHint) return;
    } else if (++this.sinceHint < 64 && h.nextPos - this.hintAt < this.journal.capacity / 4) return;
    this.journal.writeHint(h);
    this.sinceHint = 0;
    this.hintAt = h.nextPos;
  }

  private journalReplicas(group: Group, modes: ModeState[]): Replica[] {
    return group.replicas.filter((_, i) => modes[i]!.mode === Mode.Journal);
  }

  /**
   * One record (or region marks) for one piece of a write; returns the record's seq (0: none).
   * Bytes an unapplied Ref still needs are preserved first; a large piece is itself a Ref.
   */
  private append(group: Group, modes: ModeState[], h: Hint, member: number, offset: number, data: Uint8Array,
    read: (b: Buffer, offset: number) => void, barrier = false): number {
    for (const [i, r] of group.replicas.entries()) {
      const m = modes[i]!;
      if (m.mode !== Mode.Journal) this.mark(group, r.slot, m.epoch, member, offset, data.length); // Bitmap, Split
    }
    if (!this.journalReplicas(group, modes).length) return 0;
    let need = this.refs.needed(member, offset, data.length, this.oldest);
    if (need.length) need = this.refs.needed(member, offset, data.length, this.readOldest(group, modes));
    for (const [a, b] of need) {
      const old = Buffer.allocUnsafe(b - a);
      read(old, a);
      const seq = this.appendRecord(group, modes, h, RecordKind.Preserve, member, a, old.length, old);
      if (seq < 0) return this.append(group, modes, h, member, offset, data, read);
      this.journal.writePreserveMark(seq);
    }
    const ref = data.length >= REF_MIN_BYTES;
    const kind = ref ? RecordKind.Ref : RecordKind.Write;
    const seq = this.appendRecord(group, modes, h, kind, member, offset, data.length, ref ? null : data, barrier);
    if (seq < 0) return this.append(group, modes, h, member, offset, data, read, barrier);
    if (ref) this.refs.note(seq, member, offset, data.length);
    return seq;
  }

  /**
   * Append one record at the head; -1 when the journal had no room (its replicas are in their bitmaps
   * now). `barrier`: a Flush record follows it (seq + 1), written with it in one pwrite: a durable
   * 4 KiB write was three pwrites (record, barrier, LV data), each a syscall of its own.
   */
  private appendRecord(group: Group, modes: ModeState[], h: Hint, kind: RecordKind, member: number, offset: number,
    length: number, data: Uint8Array | null, barrier = false): number {
    const span = recordSpan(length, kind);
    const barrierSpan = barrier ? recordSpan(0, RecordKind.Flush) : 0;
    const cap = this.journal.capacity;
    const wrap = (h.nextPos % cap) + span + barrierSpan > cap ? cap - (h.nextPos % cap) : 0;
    if (!this.room(group, modes, h, wrap + span + barrierSpan)) {
      this.overflow(group, modes, h, 'journal full');
      return -1;
    }
    const now = Date.now();
    if (wrap) {
      this.journal.dev.writeAt(encodeRecord({ seq: h.nextSeq, kind: RecordKind.Pad, member: 0, offset: 0, length: 0, time: now,
        totalBefore: h.totalBytes, pos: h.nextPos, prevRef: h.lastRef }, null), this.journal.dataStart + (h.nextPos % cap));
      h.nextSeq++;
      h.nextPos += wrap;
    }
    const seq = h.nextSeq;
    const at = this.journal.dataStart + (h.nextPos % cap);
    let rec = encodeRecord({ seq, kind, member, offset, length, time: now, totalBefore: h.totalBytes, pos: h.nextPos, prevRef: h.lastRef },
      data);
    if (kind === RecordKind.Ref) h.lastRef = refLink(h.nextPos);
    if (kind !== RecordKind.Flush) {
      h.pending = seq;
      h.pendingPos = h.nextPos;
    }
    h.nextSeq++;
    h.nextPos += span;
    if (isWrite(kind)) h.totalBytes += length;
    if (barrier) {
      const flush = encodeRecord({ seq: h.nextSeq, kind: RecordKind.Flush, member: 0, offset: 0, length: 0, time: now,
        totalBefore: h.totalBytes, pos: h.nextPos, prevRef: h.lastRef }, null);
      rec = Buffer.concat([rec, flush], span + barrierSpan);
      h.nextSeq++;
      h.nextPos += barrierSpan;
    }
    this.journal.dev.writeAt(rec, at);
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
        if (isWrite(rec.kind)) this.mark(group, r.slot, m.epoch, rec.member, rec.offset, rec.length);
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
    // The shipper may need the group lock to move on (its barrier, a replica leaving the journal).
    if (group.replicas.some((r) => !r.paused && (r.kind === 'sync' || r.rpo))) this.release();
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
    const h = this.head ?? this.journal.currentHead();
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
        this.acting(r, RPO_THROTTLE, () => {
          for (let wait = 1; this.overRpo(r); wait = Math.min(wait * 2, 50)) {
            ensureShipper(this.env.systemDir);
            sleepMs(wait);
          }
        });
        return;
      case 'sync':
        // Synchronous until caught up: this write waits until the replica has it.
        this.acting(r, RPO_SYNC, () => this.waitApplied(r, seq, 60_000));
        return;
      case 'bitmap':
        this.locked(() => {
          const modes = group.replicas.map((x) => this.journal.mode(x.slot));
          this.overflow(group, modes, this.syncHead(group), 'RPO exceeded', [r]);
        });
    }
  }

  /** fn with the replica's reason saying what its RPO policy does meanwhile (reports show it). */
  private acting(r: Replica, reason: string, fn: () => void): void {
    const say = (from: string, to: string) => this.locked(() => {
      const m = this.journal.mode(r.slot);
      if (m.mode === Mode.Journal && m.reason === from) this.journal.writeMode(r.slot, { ...m, reason: to });
    });
    say('', reason);
    try {
      fn();
    } finally {
      say(reason, '');
    }
  }

  close(): void {
    // Every local write is done: nothing is pending, and the next process starts from here.
    try {
      if (this.head) {
        this.locked(() => {
          const h = this.syncHead(this.group);
          h.pending = 0;
          this.journal.writeHint(h);
        });
      }
    } finally {
      this.release();
    }
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
