// Per-VG and global lock files in TSVM_SYSTEM_DIR/locks, named as LVM2's file locks (V_<vg>,
// P_global, P_orphans). A lock file is created exclusively and holds the owner's pid; a lock whose
// owner died (kill -9) is taken over (pid-file.ts). Locks are taken in a fixed order (global, then VGs by
// name) so that concurrent commands cannot deadlock.
import { mkdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { linkPid } from './pid-file.js';

// Made on first use: a start-up snapshot (src/snapshot.ts) has no SharedArrayBuffer while it is built.
let sleeper: Int32Array | undefined;
function sleepMs(ms: number): void {
  Atomics.wait((sleeper ??= new Int32Array(new SharedArrayBuffer(4))), 0, 0, ms);
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
    if (!linkPid(join(this.dir, name))) return false;
    this.held.set(name, 1);
    return true;
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

export const vgLockName = (vg: string) => `V_${vg}`;
export const GLOBAL_LOCK = 'P_global';
