// Pid files as locks (shared by the VG locks in locks.ts and the mirror engine's per-LV locks):
// the pid is written to a private file that is then hard-linked to the lock's name (link fails if
// it exists), so a lock file is never seen empty after a kill -9, and one naming a dead process is
// broken by the next taker.
import { linkSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';

export function pidAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Remove `file` if the process it names is dead; true if it is (now) free. */
export function breakIfStale(file: string): boolean {
  let pid: number;
  try {
    pid = Number(readFileSync(file, 'utf8'));
  } catch {
    return true;
  }
  if (pid && pidAlive(pid)) return false;
  // Move it aside atomically so that only one taker breaks it; put back one that changed meanwhile.
  const aside = `${file}.stale.${process.pid}`;
  try {
    renameSync(file, aside);
    if (Number(readFileSync(aside, 'utf8')) !== pid) renameSync(aside, file);
    else rmSync(aside, { force: true });
  } catch {
    /* someone else broke it */
  }
  return true;
}

/** Create `file` holding our pid, atomically; false if it exists and names a live process. */
export function linkPid(file: string): boolean {
  const mine = `${file}.${process.pid}.tmp`;
  writeFileSync(mine, String(process.pid), { mode: 0o600 });
  try {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        linkSync(mine, file);
        return true;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      if (!breakIfStale(file)) return false;
    }
    return false;
  } finally {
    rmSync(mine, { force: true });
  }
}
