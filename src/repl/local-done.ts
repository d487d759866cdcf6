// How far the writers' local writes are done, for the shipper (shipper.ts): the seq of the last
// record whose write reached the member LV, written by the writer that holds the group lock at the
// end of each write (journal-writer.ts), read by the shipper before it reads a batch's Refs from
// the LV. A Ref at or below it has its bytes on the LV: no need to wait for a moment of holding the
// group lock (the barrier the shipper falls back to when a writer died, or is slow to finish).
// It lives in the group's run-time directory and is never flushed: after a crash the shipper
// takes the barrier, as before. DRBD's sender likewise knows which requests completed locally.
import { closeSync, mkdirSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { replDir } from './config.js';

function donePath(systemDir: string, groupUuid: string): string {
  return join(replDir(systemDir), groupUuid, 'local-done');
}

export class LocalDone {
  private fd: number | null = null;
  private readonly buf = Buffer.alloc(16);

  constructor(private readonly systemDir: string, private readonly groupUuid: string) {}

  /** The writer's descriptor (kept until close(); the file is made if need be). */
  private writable(): number | null {
    if (this.fd !== null) return this.fd;
    const path = donePath(this.systemDir, this.groupUuid);
    try {
      this.fd = openSync(path, 'r+');
    } catch {
      try {
        mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
        this.fd = openSync(path, 'w+', 0o600);
      } catch {
        this.fd = null;
      }
    }
    return this.fd;
  }

  /** Writers, holding the group lock: every record up to `seq` has its local write done. */
  write(seq: number): void {
    const fd = this.writable();
    if (fd === null) return;
    // Twice: a reader that sees two different values (a write in progress) takes neither.
    this.buf.writeDoubleLE(seq, 0);
    this.buf.writeDoubleLE(seq, 8);
    try {
      writeSync(fd, this.buf, 0, 16, 0);
    } catch {
      /* the group went away */
    }
  }

  /**
   * The shipper: the last seq said done (0: none known). Opened anew each time: a journal formatted
   * again has the file removed and made anew by its next writer.
   */
  read(): number {
    let fd: number;
    try {
      fd = openSync(donePath(this.systemDir, this.groupUuid), 'r');
    } catch {
      return 0;
    }
    try {
      if (readSync(fd, this.buf, 0, 16, 0) !== 16) return 0;
    } catch {
      return 0;
    } finally {
      closeSync(fd);
    }
    const a = this.buf.readDoubleLE(0);
    return a === this.buf.readDoubleLE(8) ? a : 0;
  }

  /** The writer gives its descriptor up (with the group lock: a reformat may replace the file meanwhile). */
  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

/** A journal formatted anew (seqs start again at 1): what was said done belongs to the old one. */
export function clearLocalDone(systemDir: string, groupUuid: string): void {
  rmSync(donePath(systemDir, groupUuid), { force: true });
}
