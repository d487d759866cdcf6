// Where the mirror engine keeps what is not metadata: runtime files under $TSVM_SYSTEM_DIR/run
// (core logs: gone on deactivation, as a kernel core log is gone when the table is unloaded), the
// failed-leg records under $TSVM_SYSTEM_DIR/mirror (they outlive deactivation, like a dead disk),
// and the per-LV lock files (LockManager) that serialise writers, resyncs and layout changes.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LockManager } from '../store/locks.js';

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
}

const managers = new Map<string, LockManager>();

/** One lock manager per system dir and process: LV locks are re-entrant within a process. */
function lvLocks(systemDir: string): LockManager {
  let m = managers.get(systemDir);
  if (!m) managers.set(systemDir, (m = new LockManager(systemDir, 600_000)));
  return m;
}

export const lvLockName = (lvUuid: string) => `M_${lvUuid}`;
const syncerLockName = (lvUuid: string) => `S_${lvUuid}`;

/** Run fn holding the mirror's I/O lock (writers, resync batches and layout changes take it). */
export function withLvLock<T>(systemDir: string, lvUuid: string, fn: () => T): T {
  const m = lvLocks(systemDir);
  m.lock(lvLockName(lvUuid));
  try {
    return fn();
  } finally {
    m.unlock(lvLockName(lvUuid));
  }
}

/**
 * Become the one process that resyncs this mirror; false if another live process already is.
 * Held until releaseSyncer() or process exit (a stale lock of a killed process is taken over).
 */
export function trySyncerLock(systemDir: string, lvUuid: string): boolean {
  const m = new LockManager(systemDir, 0);
  try {
    m.lock(syncerLockName(lvUuid));
  } catch {
    return false;
  }
  syncerLocks.set(`${systemDir}\0${lvUuid}`, m);
  return true;
}

const syncerLocks = new Map<string, LockManager>();

export function releaseSyncer(systemDir: string, lvUuid: string): void {
  const k = `${systemDir}\0${lvUuid}`;
  syncerLocks.get(k)?.releaseAll();
  syncerLocks.delete(k);
}

/** Is some live process resyncing this mirror? */
export function syncerRunning(systemDir: string, lvUuid: string): boolean {
  if (syncerLocks.has(`${systemDir}\0${lvUuid}`)) return true;
  const f = join(systemDir, 'locks', syncerLockName(lvUuid));
  if (!existsSync(f)) return false;
  try {
    const pid = Number(readFileSync(f, 'utf8'));
    if (!pid) return true;
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
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
