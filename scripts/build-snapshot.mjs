// The start-up snapshot of tsvm (called by post-build.mjs after tsc): node's own start-up is most of
// a command's time, and loading and compiling ~150 ES modules was most of the rest. So:
//   1. esbuild bundles dist/src/snapshot.js (and, lazily, every command: dynamic imports become
//      functions in the same file) into dist/tsvm.cjs, with better-sqlite3's JavaScript; its native
//      addon is required from node_modules when a command opens the database (src/store/db.ts).
//   2. `node --snapshot-blob dist/tsvm.blob --build-snapshot dist/tsvm.cjs` runs it and saves the
//      heap; `node --snapshot-blob dist/tsvm.blob ARGS` deserializes it and runs src/start.ts.
// The bundle is minified (identifiers too; keepNames keeps every function's and class's `name`):
// the blob holds the whole bundle's source (V8 compiles a function from it on its first call) and
// every command pays for reading and deserializing the blob before its first line of JavaScript;
// at 1.5 MB of source that was ~2.4 MB of isolate snapshot, ~1.7 MB minified, ~6 ms less CPU per
// command. TSVM_SNAPSHOT_MINIFY=0 builds it unminified, for readable --cpu-prof profiles (see
// README, "Profiling a command").
// `import.meta.url` has no meaning in a CommonJS bundle: each module's own file URL is written in
// its place, so paths relative to a module (help texts, the sync daemon's script, node_modules) stay
// what they are in the plain build. The blob is tied to this node binary and to this folder.
// Exported for post-build.mjs; throws (with node's output) when something fails.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const dist = fileURLToPath(new URL('../dist/', import.meta.url));

/**
 * V8 flags the snapshot is built with and run with (a blob only loads with the flags that made it;
 * the launcher passes the same). A young generation of 1 MiB semi-spaces instead of up to 16:
 * peak memory of a report on 10,000 LVs drops from ~97 to ~83 MiB, for a few per cent more CPU in
 * allocation-heavy runs (1,000 lvcreate lines through the lvm shell: 100 -> 75 MiB, +8% user time).
 * An old generation that starts at 32 MiB: a command that touches one LV of 10,000 (lvcreate) did
 * one full mark-compact of ~10-15 ms on the main thread when the heap of the 10,000 unread LVs
 * outgrew V8's small starting limit; it now ends before the old generation reaches 32 MiB. Only
 * memory used counts in RSS: +0-3.6 MiB at 10,000 LVs (README, "At 10,000 LVs, session 10").
 */
export const V8_FLAGS = ['--max-semi-space-size=1', '--initial-old-space-size=32'];
export const BUNDLE = `${dist}tsvm.cjs`;
export const BLOB = `${dist}tsvm.blob`;

const importMetaUrl = {
  name: 'import-meta-url',
  setup(build) {
    build.onLoad({ filter: /\.(m?js|cjs)$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      if (!text.includes('import.meta.url')) return undefined;
      return { contents: text.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)), loader: 'js' };
    });
  },
};

export async function buildSnapshot({ bundle = BUNDLE, blob = BLOB, log = (line) => console.error(line) } = {}) {
  rmSync(blob, { force: true });
  const { build } = await import('esbuild');
  await build({
    entryPoints: [`${dist}src/snapshot.js`],
    outfile: bundle,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    plugins: [importMetaUrl],
    minify: process.env.TSVM_SNAPSHOT_MINIFY !== '0',
    keepNames: true,
    logLevel: 'error',
  });
  const snapshot = (env) => spawnSync(process.execPath, [...V8_FLAGS, '--snapshot-blob', blob, '--build-snapshot', bundle], { encoding: 'utf8', env });
  // The warm-up (src/cli/warm-up.ts): the report commands run once while the snapshot is built, on
  // a VG made here by the plain build, so that their functions are compiled in the snapshot
  // (TSVM_SNAPSHOT_WARM_UP=0: without).
  const lab = mkdtempSync(join(tmpdir(), 'tsvm-warm-up-'));
  try {
    let r;
    let why = '';
    try {
      if (process.env.TSVM_SNAPSHOT_WARM_UP === '0') throw new Error('TSVM_SNAPSHOT_WARM_UP=0');
      const env = warmUpLab(lab);
      r = snapshot({ ...process.env, TSVM_WARM_UP_SYSTEM_DIR: env.TSVM_SYSTEM_DIR, TSVM_WARM_UP_DEV_DIR: env.TSVM_DEV_DIR });
      if (r.status !== 0) why = `${r.stdout}${r.stderr}`.trim();
    } catch (e) {
      why = String(e.message).trim();
    }
    if (why) {
      log(`build-snapshot: snapshot made without the warm-up (${why})`);
      r = snapshot(process.env);
    }
    if (r.status !== 0) {
      rmSync(blob, { force: true });
      throw new Error(`node --build-snapshot failed (${r.status ?? r.signal}):\n${r.stdout}${r.stderr}`);
    }
  } finally {
    rmSync(lab, { recursive: true, force: true });
  }
  return blob;
}

/** The warm-up's VG `warm` (one linear LV on a sparse 16 MiB PV), made by the plain build in `lab`; returns its environment. */
function warmUpLab(lab) {
  const env = { PATH: process.env.PATH ?? '', HOME: lab, TSVM_SYSTEM_DIR: join(lab, 'sys'), TSVM_DEV_DIR: join(lab, 'dev') };
  mkdirSync(env.TSVM_SYSTEM_DIR);
  mkdirSync(env.TSVM_DEV_DIR);
  writeFileSync(join(env.TSVM_DEV_DIR, 'warm0'), '');
  truncateSync(join(env.TSVM_DEV_DIR, 'warm0'), 16 << 20);
  const tsvm = (...args) => execFileSync(process.execPath, [`${dist}src/main.js`, ...args], { env, stdio: 'pipe' });
  tsvm('pvcreate', '/dev/warm0');
  tsvm('vgcreate', 'warm', '/dev/warm0');
  tsvm('lvcreate', '-an', '-Zn', '-L', '4m', '-n', 'lv1', 'warm');
  return env;
}
