// Entry point of the start-up snapshot: scripts/build-snapshot.mjs bundles this module (and, lazily,
// every command) into one CommonJS file and runs `node --build-snapshot` on it; dist/tsvm then
// starts `node --snapshot-blob dist/tsvm.blob`, which deserializes the heap instead of loading and
// compiling some hundred modules. Only modules free of run-time state are evaluated while the
// snapshot is built (start.ts and its static imports): argv, env, the terminal, the clock and the
// native SQLite addon are all read when a command runs, never at module load. better-sqlite3's
// JavaScript is in the snapshot too (it loads its addon only when a database is opened, and db.ts
// hands it the addon from node_modules then).
import Database from 'better-sqlite3';
import { startupSnapshot } from 'node:v8';
import { useBundledSqlite } from './store/db.js';
import { start } from './start.js';

useBundledSqlite(Database);
startupSnapshot.setDeserializeMainFunction(() => start());
