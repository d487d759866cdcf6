// Per-VG and global lock files in TSVM_SYSTEM_DIR/locks, named as LVM2's file locks (V_<vg>,
// P_global, P_orphans). A lock file is created exclusively and holds the owner's pid; a lock whose
// owner died (kill -9) is taken over. Locks are taken in a fixed order (global, then VGs by
// name) so that concurrent commands cannot deadlock.
import { linkSync, mkdirSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const sleeper = new Int32Array(new SharedArrayBuffer(4));
function sleepMs(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}

function alive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class LockManager {
  private held = new Map<string, number>();
  private readonly dir: string;

  constructor(systemDir: string, private readonly timeoutMs = 60_000) {
    this.dir = join(systemDir, 'locks');
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
  }

  /** Take the named lock (re-entrant within this process), waiting up to the timeout. */
  lock(name: string, timeoutMs = this.timeoutMs): void {
    const deadline = Date.now() + timeoutMs;
    for (let wait = 1; !this.tryLock(name); wait = Math.min(wait * 2, 50)) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for lock ${name}`);
      sleepMs(wait);
    }
  }

  /** Take the named lock if it is free (or held by a dead process); never waits. */
  tryLock(name: string): boolean {
    const count = this.held.get(name);
    if (count) {
      this.held.set(name, count + 1);
      return true;
    }
    const file = join(this.dir, name);
    // The pid is written to a private file first and linked into place, so the lock file is
    // never seen empty (a kill -9 between create and write would otherwise leave a lock that
    // can never be judged stale).
    const mine = `${file}.${process.pid}`;
    writeFileSync(mine, String(process.pid), { mode: 0o600 });
    try {
      for (let attempt = 0; attempt < 2; attempt++) {
        try {
          linkSync(mine, file);
          this.held.set(name, 1);
          return true;
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        }
        this.breakIfStale(file);
      }
      return false;
    } finally {
      rmSync(mine, { force: true });
    }
  }

  /** Whether this process holds the lock. */
  holds(name: string): boolean {
    return this.held.has(name);
  }

  private breakIfStale(file: string): void {
    let pid: number;
    try {
      pid = Number(readFileSync(file, 'utf8'));
    } catch {
      return;
    }
    if (!pid || alive(pid)) return;
    // Move it aside atomically so that only one waiter breaks it.
    const aside = `${file}.stale.${process.pid}`;
    try {
      renameSync(file, aside);
      const again = Number(readFileSync(aside, 'utf8'));
      if (again !== pid) renameSync(aside, file); // not the one we judged: put it back
      else unlinkSync(aside);
    } catch {
      /* someone else broke it */
    }
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

export const vgLockName = (vg: string) => `V_${vg}`;
export const GLOBAL_LOCK = 'P_global';
