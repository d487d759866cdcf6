// The read cache's copy of a VG (read-cache.ts) that the lvm shell's commits publish later: a run
// of lines changing one VG would otherwise write the whole VG's JSON at every line (at 1,000 LVs,
// 400 KB a line) only for the next line to drop it. Until it is published, readers find no copy
// and read SQLite, as they do while any writer is between its drop and its publish. The shell
// publishes a copy once no line has replaced it for a while, and when it ends (cli/shell-db.ts),
// as a writer does: holding the VG's lock, and only while SQLite still has that very version
// (the seqno, and PRAGMA data_version: no other connection committed anything since).
import type { Db } from './db.js';
import type { ReadCache } from './read-cache.js';
import { dataVersion } from './vg-carry.js';
import { LockManager, vgLockName } from './locks.js';

/** A committed version waiting to be published. */
export interface PendingCopy {
  cache: ReadCache;
  uuid: string;
  name: string;
  seqno: number;
  headLine: string;
  lvTexts: string[];
  /** data_version read inside the commit's transaction. */
  dataVersion: number;
  /** When it was committed (ms). */
  since: number;
}

const pending = new WeakMap<Db, Map<string, PendingCopy>>();

/** Publish `copy` later (it replaces any copy of the same VG waiting). */
export function publishLater(db: Db, copy: PendingCopy): void {
  let m = pending.get(db);
  if (!m) pending.set(db, (m = new Map()));
  m.set(copy.uuid, copy);
}

/** The VG is being changed: its waiting copy is no longer to be published. */
export function cancelPublish(db: Db, uuid: string): void {
  pending.get(db)?.delete(uuid);
}

/** Forget every waiting copy (the database they came from is no longer the system directory's). */
export function cancelAllPublishes(db: Db): void {
  pending.delete(db);
}

/** Whether copies are waiting. */
export function publishesWaiting(db: Db): boolean {
  return !!pending.get(db)?.size;
}

/**
 * Publish the copies committed at least `minAgeMs` ago whose VG lock is free and that are still
 * the versions SQLite has; the others that old are dropped (a newer version will be published by
 * whoever made it).
 */
export function publishWaiting(db: Db, systemDir: string, minAgeMs: number, now = Date.now()): void {
  const m = pending.get(db);
  if (!m?.size) return;
  let locks: LockManager | undefined;
  for (const copy of [...m.values()]) {
    if (now - copy.since < minAgeMs) continue;
    m.delete(copy.uuid);
    locks ??= new LockManager(systemDir);
    const lock = vgLockName(copy.name);
    if (!locks.tryLock(lock)) continue;
    try {
      const seqno = db.prepare('SELECT seqno FROM vg WHERE uuid = ?').pluck().get(copy.uuid);
      if (seqno === copy.seqno && dataVersion(db) === copy.dataVersion) {
        copy.cache.publishVgLines(copy.uuid, copy.seqno, copy.headLine, copy.lvTexts);
      }
    } finally {
      locks.unlock(lock);
    }
  }
}
