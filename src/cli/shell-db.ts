// The lvm shell's database connection: opened once, and handed to a line's command only after
// checking that it is still the database file of the system directory (another process may have
// removed it, or a whole new system directory may stand in its place), else opened again. An
// idle SQLite connection holds no snapshot: each transaction sees what others committed before
// it, so the connection itself carries nothing from one line to the next. Not closing it between
// lines spares the checkpoint with fsyncs that closing the last connection makes (store/db.ts).
// A VG committed by a line is carried to the next on the same connection, for as long as SQLite
// says it is still the version there (store/vg-carry.ts), and its copy in the read cache is
// published once no line has replaced it for a while (store/deferred-publish.ts).
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { openDb, type Db } from '../store/db.js';
import { carryVgs } from '../store/vg-carry.js';
import { cancelAllPublishes, publishWaiting } from '../store/deferred-publish.js';

export class ShellDb {
  private db: Db | undefined;
  private dir = '';
  private ino = -1;

  open(systemDir: string): Db {
    const file = join(systemDir, 'tsvm.db');
    if (this.db && this.dir === systemDir && inode(file) === this.ino) return this.db;
    if (this.db) cancelAllPublishes(this.db);
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
   * the shell ends), if the database is still the system directory's.
   */
  settle(minAgeMs: number): void {
    if (!this.db) return;
    if (inode(join(this.dir, 'tsvm.db')) !== this.ino) cancelAllPublishes(this.db);
    else publishWaiting(this.db, this.dir, minAgeMs);
  }
}

function inode(file: string): number {
  try {
    return statSync(file).ino;
  } catch {
    return -2;
  }
}
