// Pid files as locks (shared by the VG locks in locks.ts and the mirror engine's per-LV locks):
// the pid is written to a private file that is then hard-linked to the lock's name (link fails if
// it exists), so a lock file is never seen empty after a kill -9, and one naming a dead process is
// broken by the next taker.
import { linkSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export function pidAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  return !zombie(pid);
}

/**
 * A process killed -9 whose parent has not reaped it yet (a detached daemon's parent is init,
 * which in some containers reaps late) still answers kill(pid, 0): it holds nothing any more.
 */
function zombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return false;
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
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      linkSync(ownPidFile(dirname(file)), file);
      return true;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      // Our pid file was removed (the directory was cleaned): write it again.
      if (code === 'ENOENT') {
        ownPidFiles.delete(dirname(file));
        continue;
      }
      if (code !== 'EEXIST') throw e;
    }
    if (!breakIfStale(file)) return false;
  }
  return false;
}

/**
 * This process's pid file in a lock directory, written once and hard-linked to every lock it takes
 * there (writing a fresh one per lock costs most of a lock's time: the mirror engine takes its
 * per-LV lock around every write). Removed when the process exits; one left by a kill -9 is inert.
 */
const ownPidFiles = new Map<string, string>();

function ownPidFile(dir: string): string {
  let f = ownPidFiles.get(dir);
  if (f) return f;
  f = join(dir, `.pid.${process.pid}`);
  writeFileSync(f, String(process.pid), { mode: 0o600 });
  if (!ownPidFiles.size) process.once('exit', () => {
    for (const x of ownPidFiles.values()) rmSync(x, { force: true });
  });
  ownPidFiles.set(dir, f);
  return f;
}
