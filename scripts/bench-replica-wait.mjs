// Wait until every replica of $TSVM_SYSTEM_DIR has applied everything journaled (lag 0), looking at
// the journals through a build's report code (what `lvs -o repl_lag_writes` reads) whenever a file
// in $TSVM_DEV_DIR changes (the shipper's progress goes to the journal's header, in a PV image
// there: inotify tells at once) and at least every 50 ms. bench-replica.sh starts it before
// `tsvm replica resume` and times until it exits: a `tsvm lvs` poll takes ~0.2 s of its own, as
// much as shipping 256 MiB should, and a 10 ms poll made the end ~5 ms late on average and spent
// ~1 ms of CPU per look on the two cores the shipper and nbdkit share.
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
const watchers = [watch(`${systemDir}/repl`, (_, name) => {
  if (!changed && name === 'groups.json') changed = performance.now();
})];
const deadline = Date.now() + 600_000;
let timer;
function look() {
  clearTimeout(timer);
  if (replicaStatuses(systemDir, db).every((s) => s.lagWrites === 0)) {
    const done = performance.now();
    for (const w of watchers) w.close();
    if (process.argv[3]) writeFileSync(process.argv[3], changed ? `${((done - changed) / 1000).toFixed(6)}\n` : 'NaN\n');
    process.exit(0);
  }
  if (Date.now() > deadline) process.exit(1);
  timer = setTimeout(look, 50);
}
// Several changes in a row make one look (the first after the current turn of the event loop).
let queued = false;
if (process.env.TSVM_DEV_DIR) {
  watchers.push(watch(process.env.TSVM_DEV_DIR, () => {
    if (queued) return;
    queued = true;
    setImmediate(() => {
      queued = false;
      look();
    });
  }));
}
process.stdout.write('ready\n');
look();
