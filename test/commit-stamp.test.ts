// The commit stamp (src/store/commit-stamp.ts): SQLite's WAL index header tells whether anything was
// committed to the metadata database since the last look, by this connection or another process's.
import { afterEach, beforeEach, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execaSync } from 'execa';
import { CommitStamp } from '../src/store/commit-stamp.js';
import { dbFile, openDb, type Db } from '../src/store/db.js';

let dir: string;
let db: Db;
let stamp: CommitStamp;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tsvm-stamp-'));
  db = openDb(dir);
  db.exec('CREATE TABLE t (x)');
  stamp = new CommitStamp(dbFile(dir));
});
afterEach(() => {
  stamp.close();
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

/** What the caller does: look, and when it moved, query and keep. */
function moved(): boolean {
  if (stamp.unchanged()) return false;
  db.prepare('SELECT count(*) FROM t').get();
  stamp.keep();
  return true;
}

it("moves with every commit, this connection's or another process's, and stays put otherwise", () => {
  expect(moved()).toBe(true); // nothing kept yet
  expect(moved()).toBe(false);
  db.prepare('SELECT * FROM t').all();
  expect(moved()).toBe(false);
  db.prepare('INSERT INTO t VALUES (1)').run();
  expect(moved()).toBe(true);
  expect(moved()).toBe(false);
  // another process's commit, and a checkpoint that restarts the WAL before the next one
  const other = `const D = require('better-sqlite3'); const d = new D(${JSON.stringify(dbFile(dir))});
    d.prepare('INSERT INTO t VALUES (2)').run(); d.pragma('wal_checkpoint(TRUNCATE)'); d.prepare('INSERT INTO t VALUES (3)').run();`;
  for (let i = 0; i < 3; i++) {
    execaSync('node', ['-e', other], { cwd: process.cwd() });
    expect(moved()).toBe(true);
    expect(moved()).toBe(false);
  }
  // a failed read of the header vouches for nothing
  stamp.close();
  rmSync(`${dbFile(dir)}-shm`);
  expect(moved()).toBe(true);
  expect(moved()).toBe(true);
});
