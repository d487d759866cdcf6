// How far the shipper really got with each replica: its applied progress as of its last retired
// request, one sealed sector per journal slot in the group's run-time directory (beside
// local-done), written with every retired request and never flushed. The journal's header gets the
// same progress only every PROGRESS_EVERY_MS (shipper.ts: each header write made the next writer's
// fdatasync write back one more extent of the PV image). After a kill -9 of the shipper the header
// can be up to that much behind; a shipper that re-sent from it would apply again, in order,
// records the replica already had, and while it did the replica would hold states the source never
// went through (an older write over a block a later one had changed): not a prefix. The next
// shipper takes this file's progress instead when it is ahead of the header's and names a record
// boundary of this journal (adoptable()). A power loss makes the shipper resync anyway
// (host-restart.ts), so the file needs no flush; a journal formatted again has it removed.
import { closeSync, constants, mkdirSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { replDir } from './config.js';
import { decodeProgress, encodeProgress, type Progress } from './journal-format.js';
import type { Journal } from './journal.js';

const SECTOR = 512;

function runPath(systemDir: string, groupUuid: string): string {
  return join(replDir(systemDir), groupUuid, 'applied');
}

export class RunProgress {
  private fd: number | null = null;

  constructor(private readonly systemDir: string, private readonly groupUuid: string) {}

  /** The shipper, after each retired request: replica `slot` has applied everything before p. */
  write(slot: number, p: Progress): void {
    try {
      if (this.fd === null) {
        const path = runPath(this.systemDir, this.groupUuid);
        mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
        // (made if need be, not truncated, and not O_APPEND: each slot's sector is written in place)
        this.fd = openSync(path, constants.O_RDWR | constants.O_CREAT, 0o600);
      }
      writeSync(this.fd, encodeProgress(p), 0, SECTOR, slot * SECTOR);
    } catch {
      /* the group went away: nothing to keep */
    }
  }

  /** The progress last written for `slot`, or null (none, or a torn sector). */
  read(slot: number): Progress | null {
    let fd: number;
    try {
      fd = openSync(runPath(this.systemDir, this.groupUuid), 'r');
    } catch {
      return null;
    }
    try {
      const b = Buffer.alloc(SECTOR);
      return readSync(fd, b, 0, SECTOR, slot * SECTOR) === SECTOR ? decodeProgress(b) : null;
    } catch {
      return null;
    } finally {
      closeSync(fd);
    }
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

/**
 * The run-time progress `run` of replica `slot` may replace the header's: it is ahead of it, no later
 * than it in time (a file left from before the replica was reset or the journal formatted is older
 * than the header those wrote), not past the journal's head, and at a record of this journal (or
 * the head itself).
 */
export function adoptable(journal: Journal, slot: number, run: Progress | null): run is Progress {
  if (!run) return false;
  const h = journal.applied(slot);
  if (run.nextSeq <= h.nextSeq || run.time < h.time) return false;
  // (read on from the hint without the group lock: a record half written is not counted, and a
  // shipper's progress never covers one)
  const head = journal.currentHead();
  if (run.nextSeq > head.nextSeq) return false;
  if (run.nextSeq === head.nextSeq) return run.nextPos === head.nextPos;
  return journal.recordAt(run.nextPos, run.nextSeq) !== null;
}

/** A journal formatted again starts over: no progress of the old one may be taken for its own. */
export function clearRunProgress(systemDir: string, groupUuid: string): void {
  rmSync(runPath(systemDir, groupUuid), { force: true });
}
