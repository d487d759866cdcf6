// Entry point of the start-up snapshot: scripts/build-snapshot.mjs bundles this module (and, lazily,
// every command) into one CommonJS file and runs `node --build-snapshot` on it; dist/tsvm then
// starts `node --snapshot-blob dist/tsvm.blob`, which deserializes the heap instead of loading and
// compiling some hundred modules. Only modules free of run-time state are evaluated while the
// snapshot is built (start.ts and its static imports): argv, env, the terminal, the clock and the
// native SQLite addon are all read when a command runs, never at module load. better-sqlite3's
// JavaScript is in the snapshot too (it loads its addon only when a database is opened, and db.ts
// hands it the addon from node_modules then).
import Database from 'better-sqlite3';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { startupSnapshot } from 'node:v8';
import { useBundledSqlite } from './store/db.js';
import { start } from './start.js';
import { warmUp } from './cli/warm-up.js';
import { hashModuleBytes } from './checksum/block-hash.js';

// The addon of the package whose JavaScript is bundled, found while the snapshot is built; loaded
// as Node's require would load it, without the module resolution (db.ts checks that it exists).
const addon = join(dirname(createRequire(import.meta.url).resolve('better-sqlite3')), '..', 'build', 'Release', 'better_sqlite3.node');
useBundledSqlite({
  Database,
  addon,
  load() {
    const module = { exports: {} };
    process.dlopen(module, addon);
    return module.exports;
  },
});
startupSnapshot.setDeserializeMainFunction(() => start());
// The block hashes' WebAssembly bytes, assembled now and kept in the snapshot (plain data: every
// command reading or writing an LV with checksums needs one of them; block-hash.ts).
hashModuleBytes(1);
hashModuleBytes(2);
// The report commands run once on build-snapshot.mjs's small VG: their functions compiled in the
// snapshot (cli/warm-up.ts). A failure fails the build, which is then made without the warm-up.
if (process.env.TSVM_WARM_UP_SYSTEM_DIR && process.env.TSVM_WARM_UP_DEV_DIR) {
  warmUp(process.env.TSVM_WARM_UP_SYSTEM_DIR, process.env.TSVM_WARM_UP_DEV_DIR).catch((e: Error) => {
    process.stderr.write(`${e.message}\n`);
    process.exit(1);
  });
}
