// Fencing of the old source (src/repl/fence.ts): once its shipper finds the replica promoted on the
// far site, writes to its LVs are refused (EROFS), through tsvm dd and through its own NBD daemon,
// which had the LV open before; reads go on, and nothing is written. Writes while the link was down
// (it could not know) are kept and count at the failback. Demoting ends the fence; the failback
// then makes both sides equal.
import { afterEach, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { CliLab } from './helpers/aux.js';
import { until } from './helpers/serving.js';
import { lvsJson, Procs, replicaSite, replStatus } from './helpers/repl-lab.js';
import { NbdClient } from '../src/nbd/client.js';
import { LockManager } from '../src/store/locks.js';
import { parseNbdUri } from '../src/nbd/uri.js';

const R = 512 * 1024;
const MiB = 1024 * 1024;
let labs: CliLab[] = [];
const procs = new Procs();

afterEach(() => {
  procs.stopAll();
  for (const l of labs) l.cleanup();
  labs = [];
});

const uri = (lv: string, socket: string) => `nbd+unix:///${lv}?socket=${socket}`;
const vgSocket = (lab: CliLab, vg: string) => join(lab.systemDir, 'run', 'nbd', `${vg}.sock`);

function pattern(tag: string, region: number): Buffer {
  const b = Buffer.alloc(R);
  for (let i = 0; i < R; i += 64) b.write(`${tag}:${region}:${i}`.padEnd(64, '.'), i, 'latin1');
  return b;
}

function dd(lab: CliLab, lv: string, region: number, data: Buffer) {
  const file = join(lab.dir, `w-${region}`);
  writeFileSync(file, data);
  return lab.run('dd', `if=${file}`, `of=/dev/${lv}`, `bs=${R}`, 'count=1', `seek=${region}`, 'conv=fsync');
}

const site = (prefix: string, vg: string): Promise<CliLab> => replicaSite(labs, prefix, vg);

describe('fencing of the old source after a failover', () => {
  it('refuses writes on the old source once it finds its replica promoted, until it is demoted', async () => {
    const a = await site('tsvm-repl-fence-a-', 'vg');
    const b = await site('tsvm-repl-fence-b-', 'dr');
    const link = join(a.dir, 'link.sock');
    let linkProxy: ChildProcess = await procs.proxy(link, vgSocket(b, 'dr'));
    await a.ok('replica', 'create', 'vg/data', '--target', uri('dr/data', link), '-L', '4M');
    await until(async () => (await replStatus(a))[0]!.repl_state === 'replicating', 60_000);

    // A client of A's NBD daemon holds vg/data open (as a mounted file system would) from before.
    const client = await NbdClient.open(parseNbdUri(uri('vg/data', vgSocket(a, 'vg'))));
    try {
      await client.pwrite(pattern('N', 6), 6 * R);
      await client.flush();
      await until(async () => (await replStatus(a))[0]!.repl_lag_writes === '0', 60_000);

      // The link is cut: A cannot know, it writes on (journaled; counted at the failback).
      linkProxy.kill('SIGKILL');
      expect((await dd(a, 'vg/data', 1, pattern('A', 1))).exitCode).toBe(0);
      await until(async () => (await replStatus(a))[0]!.repl_state === 'degraded', 40_000);
      await b.ok('replica', 'promote', 'dr/data', '--target', uri('vg/data', vgSocket(a, 'vg')));
      expect((await dd(b, 'dr/data', 5, pattern('B', 5))).exitCode).toBe(0);

      // The link is back: A's shipper finds B promoted, A is split and fenced.
      linkProxy = await procs.proxy(link, vgSocket(b, 'dr'));
      await until(async () => (await replStatus(a))[0]!.repl_fenced !== '', 60_000);
      expect((await replStatus(a))[0]!.repl_state).toBe('split');
      const before = a.imagesHash();
      const refused = await dd(a, 'vg/data', 2, pattern('A', 2));
      expect(refused.exitCode).not.toBe(0);
      expect(refused.stderr).toMatch(/error writing '\/dev\/vg\/data': Read-only file system/);
      await expect(client.pwrite(pattern('N', 7), 7 * R)).rejects.toThrow();
      expect(a.imagesHash(), 'a fenced write reached the image').toBe(before);
      // Reads go on.
      expect((await client.pread(6 * R, R)).equals(pattern('N', 6))).toBe(true);
      expect((await a.legBytes('vg/data', R, R)).equals(pattern('A', 1))).toBe(true);
      expect((await lvsJson(a, 'vg/data', 'repl_fenced')).repl_fenced).not.toBe('');
      expect((await a.ok('replica', 'status')).stdout).toMatch(/Replication group data is fenced since .*: a replica was found promoted, writes to its logical volumes are refused/);
    } finally {
      await client.disconnect().catch(() => client.destroy());
    }

    // Demoted, A is a replica of B: not fenced; the failback recopies A's write from before the
    // split and B's, and both sides are equal.
    await a.ok('replica', 'demote', '-y', 'vg/data');
    expect((await replStatus(a))[0]!.repl_fenced).toBe('');
    const fb = await b.ok('replica', 'failback', 'dr/data');
    expect(fb.stdout).toMatch(/recopied 2 region\(s\), 1\.00 MiB \(1 written here since the split, 1 on the old source, 0 on both\)\./);
    await until(async () => (await replStatus(b))[0]!.repl_state === 'replicating', 60_000);
    expect((await a.legBytes('vg/data', 0, 8 * MiB)).equals(await b.legBytes('dr/data', 0, 8 * MiB))).toBe(true);
  }, 300_000);
  // The fence is set in the group config under the group lock, with the split: a writer that gave
  // its lease up to the shipper takes the lock again only once it can see the fence. Here the config
  // lock (R_groups) is held by the test while A's shipper splits, so a fence set after the group
  // lock is let go would leave a window in which a write is acknowledged after the split.
  it('refuses a write issued after the split even while the fence is still being set', async () => {
    const a = await site('tsvm-repl-fence-order-a-', 'vg');
    const b = await site('tsvm-repl-fence-order-b-', 'dr');
    const link = join(a.dir, 'link.sock');
    let linkProxy: ChildProcess = await procs.proxy(link, vgSocket(b, 'dr'));
    await a.ok('replica', 'create', 'vg/data', '--target', uri('dr/data', link), '-L', '4M');
    await until(async () => (await replStatus(a))[0]!.repl_state === 'replicating', 60_000);
    linkProxy.kill('SIGKILL');
    await until(async () => (await replStatus(a))[0]!.repl_state === 'degraded', 40_000);
    await b.ok('replica', 'promote', 'dr/data', '--target', uri('vg/data', vgSocket(a, 'vg')));

    const groupsLock = new LockManager(a.systemDir);
    groupsLock.lock('R_groups');
    let held = true;
    try {
      linkProxy = await procs.proxy(link, vgSocket(b, 'dr'));
      // The journal says split (the shipper found B promoted); the config is not written yet.
      await until(async () => (await replStatus(a))[0]!.repl_state === 'split', 60_000);
      expect((await replStatus(a))[0]!.repl_fenced).toBe('');
      const before = await a.legBytes('vg/data', 2 * R, R);
      const write = dd(a, 'vg/data', 2, pattern('A', 2));
      const early = await Promise.race([write.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 2000))]);
      groupsLock.unlock('R_groups');
      held = false;
      const r = await write;
      expect(early, 'a write issued after the split completed before the fence was set').toBe(false);
      expect(r.exitCode).not.toBe(0);
      expect(r.stderr).toMatch(/Read-only file system/);
      expect((await a.legBytes('vg/data', 2 * R, R)).equals(before), 'a write after the split reached the LV').toBe(true);
      expect((await replStatus(a))[0]!.repl_fenced).not.toBe('');
    } finally {
      if (held) groupsLock.unlock('R_groups');
    }
  }, 300_000);
});
