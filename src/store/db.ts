// Opening the metadata database in TSVM_SYSTEM_DIR and bringing its schema up to date.
import type Database from 'better-sqlite3';
import { chmodSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { MIGRATIONS, SCHEMA_VERSION } from './schema.js';

export type Db = Database.Database;

// Start-up cost: better-sqlite3 is CommonJS. Loaded with require() rather than `import`, Node does
// not run its CommonJS export scanner over the package's sources; and naming the addon file directly
// (nativeBinding) skips the `bindings` package's search of candidate paths. Falls back to the
// package's own lookup when the addon is not where a normal build puts it. The require function is
// made when the database is opened, not at module load (the start-up snapshot, src/snapshot.ts).
interface BundledSqlite {
  Database: typeof Database;
  /** Where the addon that goes with this JavaScript is, and how to load it. */
  addon: string;
  load(): object;
}
let bundled: BundledSqlite | undefined;

/**
 * The start-up snapshot carries better-sqlite3's JavaScript (src/snapshot.ts hands it over here);
 * only the native addon is then loaded from node_modules, when a command opens the database.
 */
export function useBundledSqlite(sqlite: BundledSqlite): void {
  bundled = sqlite;
}

function sqlite(): { Database: typeof Database; nativeBinding: string | object | undefined } {
  if (bundled && existsSync(bundled.addon)) return { Database: bundled.Database, nativeBinding: bundled.load() };
  const require = createRequire(import.meta.url);
  const main = require.resolve('better-sqlite3');
  const addon = join(dirname(main), '..', 'build', 'Release', 'better_sqlite3.node');
  return { Database: require(main) as typeof Database, nativeBinding: existsSync(addon) ? addon : undefined };
}

/** The metadata database's file in TSVM_SYSTEM_DIR. */
export function dbFile(systemDir: string): string {
  return join(systemDir, 'tsvm.db');
}

export function openDb(systemDir: string): Db {
  if (!existsSync(systemDir)) mkdirSync(systemDir, { recursive: true, mode: 0o700 });
  const file = dbFile(systemDir);
  const fresh = !existsSync(file);
  const { Database, nativeBinding } = sqlite();
  // (better-sqlite3 takes the loaded addon object too, lib/database.js; its types say string only)
  const db = new Database(file, nativeBinding ? { nativeBinding: nativeBinding as string } : {});
  if (fresh) chmodSync(file, 0o600);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 30000');
  migrate(db);
  return db;
}

/** SQLite's automatic checkpoint threshold (wal_autocheckpoint's default, 1,000 pages of 4 KiB). */
const WAL_LIMIT = 1000 * 4096;

/**
 * For a process that exits without closing the database (src/start.ts): closing would checkpoint
 * the WAL into the database and delete it, with four fsyncs, at every command. Left open, the WAL
 * stays for the next process, which must read it whole when it opens the database (it rebuilds
 * the WAL index, and with it forgets what was already copied back): so it must stay small. Once
 * it has grown past SQLite's own checkpoint threshold (every ~10 commits of a VG of 1,000 LVs),
 * fold it in and truncate it to zero (a TRUNCATE checkpoint); otherwise leave it. A checkpoint
 * that fails (busy) changes nothing: the next command tries again.
 */
export function settleWal(db: Db): void {
  try {
    if (statSync(`${db.name}-wal`).size > WAL_LIMIT) db.pragma('wal_checkpoint(TRUNCATE)');
  } catch {
    // no WAL, or the checkpoint could not run now
  }
}

function migrate(db: Db): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version === SCHEMA_VERSION) return;
  if (version > SCHEMA_VERSION) {
    throw new Error(`metadata database version ${version} is newer than this tsvm (${SCHEMA_VERSION})`);
  }
  const run = db.transaction(() => {
    // Re-read under the write lock: another process may have migrated meanwhile.
    let v = db.pragma('user_version', { simple: true }) as number;
    for (; v < SCHEMA_VERSION; v++) db.exec(MIGRATIONS[v]!);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  });
  run.immediate();
}
