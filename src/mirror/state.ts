// Where the mirror engine keeps what is not metadata: runtime files under $TSVM_SYSTEM_DIR/run
// (core logs: gone on deactivation, as a kernel core log is gone when the table is unloaded), the
// failed-leg records and the not-yet-copied legs under $TSVM_SYSTEM_DIR/mirror (they outlive
// deactivation, like a dead disk or a log's state),
// and the per-LV locks (store/locks.ts) that serialise writers, resyncs and layout changes.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pidAlive } from '../store/pid-file.js';
import { LockManager, sharedLocks } from '../store/locks.js';
import { replaceFileDurably } from '../store/durable-file.js';

export function runDir(systemDir: string): string {
  const d = join(systemDir, 'run');
  mkdirSync(d, { recursive: true, mode: 0o700 });
  return d;
}

export function coreLogPath(systemDir: string, lvUuid: string): string {
  return join(runDir(systemDir), `mirror-${lvUuid}.corelog`);
}

function stateDir(systemDir: string): string {
  const d = join(systemDir, 'mirror');
  mkdirSync(d, { recursive: true, mode: 0o700 });
  return d;
}

/** A leg recorded as failed (I/O error, truncated image) and why. */
export interface FailedLeg {
  lvName: string;
  reason: string;
}

function failedPath(systemDir: string, topUuid: string): string {
  return join(stateDir(systemDir), `${topUuid}.failed.json`);
}

export function loadFailedLegs(systemDir: string, topUuid: string): FailedLeg[] {
  const f = failedPath(systemDir, topUuid);
  if (!existsSync(f)) return [];
  try {
    return JSON.parse(readFileSync(f, 'utf8')) as FailedLeg[];
  } catch {
    return [];
  }
}

export function saveFailedLegs(systemDir: string, topUuid: string, legs: FailedLeg[]): void {
  const f = failedPath(systemDir, topUuid);
  if (!legs.length) {
    rmSync(f, { force: true });
    return;
  }
  const tmp = `${f}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(legs, null, 1) + '\n');
  renameSync(tmp, f);
}

export function recordFailedLeg(systemDir: string, topUuid: string, leg: FailedLeg): void {
  const cur = loadFailedLegs(systemDir, topUuid);
  if (cur.some((l) => l.lvName === leg.lvName)) return;
  saveFailedLegs(systemDir, topUuid, [...cur, leg]);
}

/** Drop every runtime and state file of a mirror LV (lvremove, or a layer that went away). */
export function dropMirrorFiles(systemDir: string, lvUuid: string): void {
  rmSync(coreLogPath(systemDir, lvUuid), { force: true });
  rmSync(failedPath(systemDir, lvUuid), { force: true });
  rmSync(newLegsPath(systemDir, lvUuid), { force: true });
  rmSync(join(stateDir(systemDir), `${lvUuid}.scrub.json`), { force: true });
}

// Newly added legs not yet copied (dm-raid1's "a leg is in sync for region r only when r is in
// sync", which the kernel gets from the log state of the legs it added): the names of a mirror's
// legs whose content is valid only for regions its log has in sync (or never written). Written,
// durably, before the layout that adds the legs is committed; dropped when a resync completes.
// A stale entry (a kill between this file and the commit) names no leg of the mirror: harmless.
function newLegsPath(systemDir: string, mirrorUuid: string): string {
  return join(stateDir(systemDir), `${mirrorUuid}.newlegs.json`);
}

export function loadNewLegs(systemDir: string, mirrorUuid: string): string[] {
  const f = newLegsPath(systemDir, mirrorUuid);
  if (!existsSync(f)) return [];
  try {
    const v = JSON.parse(readFileSync(f, 'utf8')) as unknown;
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

/** Add legs to the mirror's not-yet-copied list (durable: fsync'd file, then rename, then dir fsync). */
export function addNewLegs(systemDir: string, mirrorUuid: string, names: string[]): void {
  if (!names.length) return;
  const all = [...new Set([...loadNewLegs(systemDir, mirrorUuid), ...names])];
  replaceFileDurably(newLegsPath(systemDir, mirrorUuid), JSON.stringify(all) + '\n');
}

/** Every leg of the mirror now has all its regions copied. */
export function clearNewLegs(systemDir: string, mirrorUuid: string): void {
  rmSync(newLegsPath(systemDir, mirrorUuid), { force: true });
}

// The mirror engine's locks (per-LV I/O, syncer) are taken through the process's shared manager (store/locks.ts sharedLocks).

export const lvLockName = (lvUuid: string) => `M_${lvUuid}`;
const syncerLockName = (lvUuid: string) => `S_${lvUuid}`;

/** Run fn holding the mirror's I/O lock (writers, resync batches and layout changes take it). */
/** Does another live process hold the LV's I/O lock, or wait for it (a writer at work)? */
export function lvLockBusy(systemDir: string, lvUuid: string): boolean {
  const l = sharedLocks(systemDir);
  return l.heldByOther(lvLockName(lvUuid)) || l.wantedByOther(lvLockName(lvUuid));
}

export function withLvLock<T>(systemDir: string, lvUuid: string, fn: () => T): T {
  const l = sharedLocks(systemDir);
  l.lock(lvLockName(lvUuid));
  try {
    return fn();
  } finally {
    l.unlock(lvLockName(lvUuid));
  }
}

/**
 * A writer's hold on an LV's I/O lock across its writes (watched-mirror.ts): taken by the first
 * write, kept while no other process wants it, given up as soon as one queues for it (lock() leaves
 * a .want file naming it), before the writer may block on its input (release(), from dd), before a
 * fault policy runs, and on close. A write then costs a stat, not a lock and an unlock.
 */
export class LvLease {
  private held = false;
  constructor(private readonly systemDir: string, private readonly lvUuid: string) {}

  /** fn holding the lock; `beforeRelease` runs (lock held) when the lock is then given up. */
  run<T>(fn: () => T, beforeRelease?: () => void): T {
    const l = sharedLocks(this.systemDir);
    const name = lvLockName(this.lvUuid);
    if (!this.held) {
      l.lock(name);
      this.held = true;
    }
    try {
      return fn();
    } finally {
      if (l.wantedByOther(name)) {
        try {
          beforeRelease?.();
        } finally {
          this.release();
        }
      }
    }
  }

  release(): void {
    if (!this.held) return;
    this.held = false;
    sharedLocks(this.systemDir).unlock(lvLockName(this.lvUuid));
  }
}

/** withLvLock for an async fn (the lock is held across its awaits). */
export async function withLvLockAsync<T>(systemDir: string, lvUuid: string, fn: () => Promise<T>): Promise<T> {
  const l = sharedLocks(systemDir);
  l.lock(lvLockName(lvUuid));
  try {
    return await fn();
  } finally {
    l.unlock(lvLockName(lvUuid));
  }
}

/**
 * Become the one process that resyncs this mirror; false if another live process already is.
 * Held until releaseSyncer() or process exit (a stale lock of a killed process is taken over).
 */
export function trySyncerLock(systemDir: string, lvUuid: string): boolean {
  return sharedLocks(systemDir).tryLock(syncerLockName(lvUuid));
}

export function releaseSyncer(systemDir: string, lvUuid: string): void {
  sharedLocks(systemDir).unlock(syncerLockName(lvUuid));
}

/** Is some live process resyncing this mirror? */
export function syncerRunning(systemDir: string, lvUuid: string): boolean {
  const f = join(systemDir, 'locks', syncerLockName(lvUuid));
  if (!existsSync(f)) return false;
  try {
    const pid = Number(readFileSync(f, 'utf8'));
    return !!pid && pidAlive(pid);
  } catch {
    return false;
  }
}

/** Does this process already hold a lock file (taken through another LockManager)? */
export function lockHeldByUs(systemDir: string, name: string): boolean {
  try {
    return Number(readFileSync(join(systemDir, 'locks', name), 'utf8')) === process.pid;
  } catch {
    return false;
  }
}

/** Run fn holding the VG lock (V_<vg>), unless this process already holds it through the command's own manager. */
export function withVgLock<T>(systemDir: string, vgName: string, fn: () => T): T {
  const name = `V_${vgName}`;
  if (lockHeldByUs(systemDir, name)) return fn();
  const m = new LockManager(systemDir);
  m.lock(name);
  try {
    return fn();
  } finally {
    m.releaseAll();
  }
}

export function lastSyncPath(systemDir: string, lvUuid: string): string {
  return join(runDir(systemDir), `mirror-${lvUuid}.lastsync.json`);
}
