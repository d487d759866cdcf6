// A shipper killed between two writes of its progress to the journal's header (which it makes at most
// every 10 ms: src/repl/shipper.ts PROGRESS_EVERY_MS) goes on from its last retired request, kept in
// the group's run-time directory (src/repl/run-progress.ts), and re-sends nothing the replica
// already applied: re-applying older records over blocks later ones had changed would show the
// replica states the source never went through. The far side is `nbdkit memory` behind its log
// filter, which lists every write it was sent. The kill is made deterministic by putting the
// header's applied progress back to where it was before the writes (as a kill -9 before the
// deferred header write leaves it); without the run-time file the same restart re-sends them all.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CliLab } from './helpers/aux.js';
import { until } from './helpers/serving.js';
import { Procs, hasNbdkit, replStatus } from './helpers/repl-lab.js';

const dist = '../dist/src/';
const labs: CliLab[] = [];
const procs = new Procs();

afterEach(() => {
  procs.stopAll();
  for (const l of labs.splice(0)) {
    const pid = shipperPid(l);
    if (pid) process.kill(pid, 'SIGKILL');
    l.cleanup();
  }
});

function shipperPid(lab: CliLab): number {
  try {
    const pid = Number(readFileSync(join(lab.systemDir, 'run', 'repl', 'shipper.pid'), 'utf8'));
    process.kill(pid, 0);
    return pid;
  } catch {
    return 0;
  }
}

/** Write requests the far side was sent so far (the log filter's request lines). */
function writesSent(log: string): number {
  return (readFileSync(log, 'utf8').match(/ Write id=\d+ offset=/g) ?? []).length;
}

describe.skipIf(!hasNbdkit())('a shipper killed between two header writes', () => {
  it('goes on from its last retired request and re-sends nothing applied', async () => {
    const lab = new CliLab('tsvm-run-progress-');
    labs.push(lab);
    lab.prepareDevs(2, 64);
    await lab.ok('vgcreate', 'vg', '/dev/loop0', '/dev/loop1');
    await lab.ok('lvcreate', '-L', '8M', '-n', 'data', 'vg', '/dev/loop0');
    const sock = join(lab.dir, 'far.sock');
    const log = join(lab.dir, 'far.log');
    await procs.start('nbdkit', ['-f', '-U', sock, '--filter=log', 'memory', '8M', `logfile=${log}`], async () => existsSync(sock));
    await lab.ok('replica', 'create', 'vg/data', '--target', `nbd+unix:///?socket=${sock}`, '-L', '8M');
    const caughtUp = () => until(async () => {
      const s = (await replStatus(lab))[0]!;
      return s.repl_state === 'replicating' && s.repl_lag_writes === '0';
    }, 60_000);
    await caughtUp();

    // The journal's view of the replica before the writes (dist: the built code the CLI runs).
    const { loadGroups } = await import(`${dist}repl/config.js`);
    const { Journal } = await import(`${dist}repl/journal.js`);
    const { appliedOffset } = await import(`${dist}repl/journal-format.js`);
    const group = loadGroups(lab.systemDir)[0];
    const journalOf = () => {
      process.env.TSVM_DEV_DIR = lab.devDir;
      return Journal.openStandalone(lab.systemDir, group);
    };
    let j = journalOf();
    const before = j.applied(0);
    j.close();

    const input = join(lab.dir, 'in');
    writeFileSync(input, randomBytes(64 * 4096));
    await lab.ok('dd', `if=${input}`, 'of=/dev/vg/data', 'bs=4k', 'count=64', 'oflag=sync');
    await caughtUp();
    const kill = async () => {
      const pid = shipperPid(lab);
      expect(pid).toBeGreaterThan(0);
      process.kill(pid, 'SIGKILL');
      await until(async () => shipperPid(lab) === 0, 10_000);
    };
    const rewind = () => {
      j = journalOf();
      expect(j.applied(0).nextSeq).toBeGreaterThanOrEqual(before.nextSeq + 64);
      j.writeProgress(appliedOffset(0), before);
      j.dev.flush();
      j.close();
    };
    await kill();
    const sent = writesSent(log);
    expect(sent).toBeGreaterThanOrEqual(64);
    rewind();
    await lab.ok('replica', 'resume', 'vg/data');
    await caughtUp();
    expect(writesSent(log), 'writes sent again after the restart').toBe(sent);

    // Without the run-time file the restarted shipper has only the header: it re-sends them all
    // (the end state is still right; the instants in between are what the file saves).
    await kill();
    rewind();
    rmSync(join(lab.systemDir, 'repl', group.uuid, 'applied'));
    await lab.ok('replica', 'resume', 'vg/data');
    await caughtUp();
    expect(writesSent(log) - sent).toBeGreaterThanOrEqual(64);
  });
});
