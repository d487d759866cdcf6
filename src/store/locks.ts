// Lock files in TSVM_SYSTEM_DIR/locks: the per-VG and global locks, named as LVM2's file locks
// (V_<vg>, P_global, P_orphans), and the mirror engine's per-LV I/O and syncer locks
// (src/mirror/state.ts). A lock file holds the owner's pid, linked into place so that it is never
// seen empty; a lock whose owner died (kill -9) is taken over (pid-file.ts). Locks are taken in a
// fixed order (global, then VGs by name, then LVs) so that concurrent commands cannot deadlock.
// A process that waits for a lock leaves a queue marker (<name>.want naming it): a holder that
// re-takes the lock at once after each use (a writer, write after write) lets it go first, and a
// holder that keeps it across uses (LvLease) gives it up when it sees the marker.
import { existsSync, mkdirSync, readFileSync, rmSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { linkPid, pidAlive } from './pid-file.js';
import { sleepMs } from '../device/sleep.js';



export class LockManager {
  private held = new Map<string, number>();
  private readonly dir: string;

  constructor(systemDir: string, private readonly timeoutMs = 60_000) {
    this.dir = join(systemDir, 'locks');
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
  }

  /** Lock names this process is queued for (its marker is in place). */
  private readonly wanting = new Set<string>();

  /** Take the named lock (re-entrant within this process), waiting up to the timeout, queued. */
  lock(name: string, timeoutMs = this.timeoutMs): void {
    if (this.tryLock(name)) return;
    const want = join(this.dir, `${name}.want`);
    const deadline = Date.now() + timeoutMs;
    try {
      for (let wait = 1; ; wait = Math.min(wait * 2, 20)) {
        if (!this.wanting.has(name) && linkPid(want)) this.wanting.add(name);
        if (this.tryLock(name)) return;
        if (Date.now() > deadline) throw new Error(`timed out waiting for lock ${name}`);
        sleepMs(wait);
      }
    } finally {
      if (this.wanting.delete(name)) rmSync(want, { force: true });
    }
  }

  /**
   * Take the named lock if it is free (or held by a dead process) and no other process is queued
   * for it; never waits.
   */
  tryLock(name: string): boolean {
    const count = this.held.get(name);
    if (count) {
      this.held.set(name, count + 1);
      return true;
    }
    const file = join(this.dir, name);
    if (!this.wanting.has(name) && this.wantedByOther(name)) return false;
    if (!linkPid(file)) return false;
    this.held.set(name, 1);
    return true;
  }

  /** Has another live process queued for `name`? */
  wantedByOther(name: string): boolean {
    const want = join(this.dir, `${name}.want`);
    return existsSync(want) && queuedOther(want);
  }

  /** Does another live process hold `name`? */
  heldByOther(name: string): boolean {
    const file = join(this.dir, name);
    return existsSync(file) && queuedOther(file);
  }

  /** Whether this process holds the lock. */
  holds(name: string): boolean {
    return this.held.has(name);
  }

  unlock(name: string): void {
    const count = this.held.get(name);
    if (!count) return;
    if (count > 1) {
      this.held.set(name, count - 1);
      return;
    }
    this.held.delete(name);
    try {
      unlinkSync(join(this.dir, name));
    } catch {
      /* already gone */
    }
  }

  releaseAll(): void {
    for (const name of [...this.held.keys()]) {
      this.held.set(name, 1);
      this.unlock(name);
    }
  }
}

/** Does a live process other than this one hold the queue marker (or lock file) `file`? */
function queuedOther(file: string): boolean {
  let pid: number;
  try {
    pid = Number(readFileSync(file, 'utf8'));
  } catch {
    return false;
  }
  return !!pid && pid !== process.pid && pidAlive(pid);
}

const shared = new Map<string, LockManager>();

/**
 * The process's manager for the locks of systemDir other than the command's VG locks (the mirror
 * engine's per-LV and syncer locks, the locks of shared files): one per system directory, so such
 * a lock is re-entrant within the process. Waits up to ten minutes (a writer may hold an LV's lock
 * across a long flush).
 */
export function sharedLocks(systemDir: string): LockManager {
  let m = shared.get(systemDir);
  if (!m) shared.set(systemDir, (m = new LockManager(systemDir, 600_000)));
  return m;
}

/**
 * fn holding lock `name` of systemDir: a short critical section around a read-modify-write of a
 * file several processes change (lost-region records, PV written maps).
 */
export function withLock<T>(systemDir: string, name: string, fn: () => T): T {
  const m = sharedLocks(systemDir);
  m.lock(name);
  try {
    return fn();
  } finally {
    m.unlock(name);
  }
}

/**
 * Let go of every lock the process's shared managers hold: the lvm shell's end of a command line,
 * where a new process would start with none.
 */
export function releaseSharedLocks(): void {
  for (const m of shared.values()) m.releaseAll();
}

export const vgLockName = (vg: string) => `V_${vg}`;
export const GLOBAL_LOCK = 'P_global';
