// Replicas on the far side of a real wire (issue 12, item 2): another tsvm "site" (a system dir of
// its own) whose NBD daemon listens on loopback TCP (127.0.0.1, an ephemeral port), and a plain
// `nbdkit file` export (skipped when nbdkit is not installed). Both get the LV's bytes, then later
// writes in order, and the reports name the target. nbdkit (a server that runs requests in
// parallel) gets the shipper's writes in requests of at most 1 MiB (src/repl/target.ts requestBytes),
// as its log filter records.
import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, readSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { CliLab } from './helpers/aux.js';
import { until } from './helpers/serving.js';
import { Procs, lvsJson, replStatus } from './helpers/repl-lab.js';

const MiB = 1024 * 1024;
const labs: CliLab[] = [];
const procs = new Procs();

afterEach(() => {
  procs.stopAll();
  for (const l of labs.splice(0)) l.cleanup();
});

function hasNbdkit(): boolean {
  try {
    execFileSync('nbdkit', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** A TCP port on 127.0.0.1 free a moment ago. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function source(): Promise<{ lab: CliLab; random: string }> {
  const lab = new CliLab('tsvm-repl-remote-');
  labs.push(lab);
  lab.prepareDevs(1, 64);
  await lab.ok('vgcreate', 'vg', '/dev/loop0');
  await lab.ok('lvcreate', '-L', '8M', '-n', 'data', 'vg');
  const random = join(lab.dir, 'random');
  writeFileSync(random, randomBytes(4 * MiB));
  await lab.ok('dd', `if=${random}`, 'of=/dev/vg/data', 'bs=1M', 'count=2');
  return { lab, random };
}

async function caughtUp(lab: CliLab): Promise<void> {
  await until(async () => {
    const s = (await replStatus(lab))[0]!;
    return s.repl_state === 'replicating' && s.repl_lag_writes === '0';
  }, 60_000);
}

describe('replica over loopback TCP to another tsvm site', () => {
  it('copies the LV and ships later writes to nbd://127.0.0.1:PORT/VG/LV', async () => {
    const { lab: a, random } = await source();
    const b = new CliLab('tsvm-repl-site2-');
    labs.push(b);
    b.prepareDevs(1, 64);
    await b.ok('vgcreate', 'site2', '/dev/loop0');
    await b.ok('lvcreate', '-L', '8M', '-n', 'copy', 'site2');
    const port = await freePort();
    await b.ok('nbd', 'listen', `127.0.0.1:${port}`);
    const uri = `nbd://127.0.0.1:${port}/site2/copy`;
    await a.ok('replica', 'create', 'vg/data', '--target', uri, '-L', '8M');
    // Later writes: 64 KiB ones (journaled as references) over bytes of the initial copy, and small ones.
    await a.ok('dd', `if=${random}`, 'of=/dev/vg/data', 'bs=64k', 'count=16', 'skip=40', 'seek=8', 'conv=fsync');
    await a.ok('dd', `if=${random}`, 'of=/dev/vg/data', 'bs=4k', 'count=20', 'skip=3', 'seek=700', 'oflag=sync');
    await caughtUp(a);
    expect((await lvsJson(a, 'vg/data', 'repl_target,repl_state')).repl_target).toBe(uri);
    const src = await a.legBytes('vg/data', 0, 8 * MiB);
    const dst = await b.legBytes('site2/copy', 0, 8 * MiB);
    expect(src.equals(dst), 'the far site differs from the source').toBe(true);
  });
});

describe.skipIf(!hasNbdkit())('replica to a plain nbdkit file export', () => {
  it('copies the LV and ships later writes to nbd+unix:///?socket=PATH', async () => {
    const { lab, random } = await source();
    const image = join(lab.dir, 'far.img');
    writeFileSync(image, Buffer.alloc(0));
    execFileSync('truncate', ['-s', '8M', image]);
    const sock = join(lab.dir, 'nbdkit.sock');
    const log = join(lab.dir, 'nbdkit.log');
    await procs.start('nbdkit', ['-f', '-U', sock, '--filter=log', 'file', image, `logfile=${log}`], async () => existsSync(sock));
    const uri = `nbd+unix:///?socket=${sock}`;
    await lab.ok('replica', 'create', 'vg/data', '--target', uri, '-L', '8M');
    await lab.ok('dd', `if=${random}`, 'of=/dev/vg/data', 'bs=256k', 'count=4', 'skip=5', 'seek=1', 'conv=fsync');
    await lab.ok('dd', `if=${random}`, 'of=/dev/vg/data', 'bs=4k', 'count=20', 'skip=3', 'seek=1500', 'oflag=sync');
    // Three MiB the shipper reads and sends as one write: on the wire, three requests.
    await lab.ok('replica', 'pause', 'vg/data');
    await lab.ok('dd', `if=${random}`, 'of=/dev/vg/data', 'bs=1M', 'count=3', 'skip=1', 'seek=4', 'conv=fsync');
    const logged = readFileSync(log, 'utf8').length;
    await lab.ok('replica', 'resume', 'vg/data');
    await caughtUp(lab);
    const writes = (text: string) => [...text.matchAll(/ Write id=\d+ offset=(0x[0-9a-f]+) count=(0x[0-9a-f]+)/g)]
      .map((m) => ({ offset: Number(m[1]), count: Number(m[2]) }));
    const all = writes(readFileSync(log, 'utf8'));
    expect(Math.max(...all.map((w) => w.count)), 'no request over 1 MiB (the first copy\'s included)').toBeLessThanOrEqual(MiB);
    expect(writes(readFileSync(log, 'utf8').slice(logged)).sort((x, y) => x.offset - y.offset), 'the 3 MiB in three requests')
      .toEqual([4, 5, 6].map((m) => ({ offset: m * MiB, count: MiB })));
    const src = await lab.legBytes('vg/data', 0, 8 * MiB);
    const dst = Buffer.alloc(8 * MiB);
    const fd = openSync(image, 'r');
    readSync(fd, dst, 0, dst.length, 0);
    closeSync(fd);
    expect(src.equals(dst), 'the nbdkit image differs from the source').toBe(true);
  });
});
