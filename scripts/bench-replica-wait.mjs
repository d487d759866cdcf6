// Wait until every replica of $TSVM_SYSTEM_DIR has applied everything journaled (lag 0), looking at
// the journals every 10 ms through a build's report code (what `lvs -o repl_lag_writes` reads).
// bench-replica.sh starts it before `tsvm replica resume` and times until it exits: a `tsvm lvs`
// poll takes ~0.2 s of its own, as much as shipping 256 MiB should.
// It also notes when the group config (repl/groups.json, which `replica resume` writes) changes, and
// with OUT given writes to it the seconds from that change to lag 0: the shipping itself, without
// the resume command's own start (~60-100 ms of Node start-up and reading the system dir).
//   node scripts/bench-replica-wait.mjs DIST [OUT]   (DIST: the build's dist directory)
// Says "ready" on stdout once loaded; exits 0 at lag 0, 1 after 10 minutes.
const dist = process.argv[2];
const { replicaStatuses } = await import(`${dist}/src/repl/status.js`);
const { openDb } = await import(`${dist}/src/store/db.js`);
const systemDir = process.env.TSVM_SYSTEM_DIR;
const db = openDb(systemDir);
const { watch, writeFileSync } = await import('node:fs');
let changed = 0;
const watcher = watch(`${systemDir}/repl`, (_, name) => {
  if (!changed && name === 'groups.json') changed = performance.now();
});
process.stdout.write('ready\n');
const deadline = Date.now() + 600_000;
while (!replicaStatuses(systemDir, db).every((s) => s.lagWrites === 0)) {
  if (Date.now() > deadline) process.exit(1);
  await new Promise((r) => setTimeout(r, 10));
}
const done = performance.now();
watcher.close();
if (process.argv[3]) writeFileSync(process.argv[3], changed ? `${((done - changed) / 1000).toFixed(6)}\n` : 'NaN\n');
process.exit(0);
