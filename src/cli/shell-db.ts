// The lvm shell's database connection: opened once, and handed to a line's command only after
// checking that it is still the database file of the system directory (another process may have
// removed it, or a whole new system directory may stand in its place), else opened again. An
// idle SQLite connection holds no snapshot: each transaction sees what others committed before
// it, so the connection itself carries nothing from one line to the next. Not closing it between
// lines spares the checkpoint with fsyncs that closing the last connection makes (store/db.ts).
// A VG committed by a line is carried to the next on the same connection, for as long as SQLite
// says it is still the version there (store/vg-carry.ts), and its copy in the read cache is
// published once no line has replaced it for a while (store/deferred-publish.ts), as is the file
// of the metadata text the lines printed last (format-text/text-reuse.ts).
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { openDb, type Db } from '../store/db.js';
import { carryVgs } from '../store/vg-carry.js';
import { cancelAllPublishes, publishWaiting } from '../store/deferred-publish.js';
import { forgetUnwrittenTexts, writeUnwrittenTexts } from '../format-text/text-reuse.js';
import { LockManager, vgLockName } from '../store/locks.js';

export class ShellDb {
  private db: Db | undefined;
  private dir = '';
  private ino = -1;

  open(systemDir: string): Db {
    const file = join(systemDir, 'tsvm.db');
    if (this.db && this.dir === systemDir && inode(file) === this.ino) return this.db;
    if (this.db) this.forget(this.db);
    // A stale connection is left open, never closed: closing checkpoints and then unlinks the WAL
    // *by name*, which would be the WAL of the database now in its place.
    const db = openDb(systemDir);
    carryVgs(db);
    this.db = db;
    this.dir = systemDir;
    this.ino = inode(file);
    return db;
  }

  /**
   * Between lines: publish the read-cache copies committed at least `minAgeMs` ago (0: all, when
   * the shell ends), and write the files of the texts printed as long ago, if the database is
   * still the system directory's.
   */
  settle(minAgeMs: number): void {
    const db = this.db;
    if (!db) return;
    if (inode(join(this.dir, 'tsvm.db')) !== this.ino) return this.forget(db);
    publishWaiting(db, this.dir, minAgeMs);
    writeUnwrittenTexts(minAgeMs, (uuid, crc, write) => this.whileCurrent(db, uuid, crc, write));
  }

  /** Run `write` holding the VG's lock, if its text in the database is still the one with checksum `crc`. */
  private whileCurrent(db: Db, uuid: string, crc: number, write: () => void): boolean {
    const textOf = () => db.prepare('SELECT name, mda_text_crc AS crc FROM vg WHERE uuid = ?').get(uuid) as { name: string; crc: number | null } | undefined;
    const vg = textOf();
    if (vg?.crc !== crc) return false;
    const locks = new LockManager(this.dir);
    const lock = vgLockName(vg.name);
    if (!locks.tryLock(lock)) return false;
    try {
      if (textOf()?.crc !== crc) return false;
      write();
      return true;
    } finally {
      locks.unlock(lock);
    }
  }

  private forget(db: Db): void {
    cancelAllPublishes(db);
    forgetUnwrittenTexts();
  }
}

function inode(file: string): number {
  try {
    return statSync(file).ino;
  } catch {
    return -2;
  }
}
