// Wait until every replica of $TSVM_SYSTEM_DIR has applied everything journaled (lag 0), looking at
// the journals every 10 ms through a build's report code (what `lvs -o repl_lag_writes` reads).
// bench-replica.sh starts it before `tsvm replica resume` and times until it exits: a `tsvm lvs`
// poll takes ~0.2 s of its own, as much as shipping 256 MiB should.
//   node scripts/bench-replica-wait.mjs DIST      (DIST: the build's dist directory)
// Says "ready" on stdout once loaded; exits 0 at lag 0, 1 after 10 minutes.
const dist = process.argv[2];
const { replicaStatuses } = await import(`${dist}/src/repl/status.js`);
const { openDb } = await import(`${dist}/src/store/db.js`);
const systemDir = process.env.TSVM_SYSTEM_DIR;
const db = openDb(systemDir);
process.stdout.write('ready\n');
const deadline = Date.now() + 600_000;
while (!replicaStatuses(systemDir, db).every((s) => s.lagWrites === 0)) {
  if (Date.now() > deadline) process.exit(1);
  await new Promise((r) => setTimeout(r, 10));
}
process.exit(0);
