// A replica cut while several writes were in flight (src/repl/ship-window.ts). Over a plain
// `nbdkit file` export (a server that runs requests in parallel) the replica is then crash-consistent,
// not a strict write-order prefix, and the reports say so (repl_consistency, the JSON, a note under
// `replica status`'s table) until the link is back and the writes are re-sent in order. A link cut
// with nothing in flight, and a tsvm far side (requests run in arrival order), stay a prefix.
import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, readSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CliLab } from './helpers/aux.js';
import { until } from './helpers/serving.js';
import { Procs, hasNbdkit, lvsJson, replStatus } from './helpers/repl-lab.js';

const MiB = 1024 * 1024;
const labs: CliLab[] = [];
const procs = new Procs();

afterEach(() => {
  procs.stopAll();
  for (const l of labs.splice(0)) l.cleanup();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function source(prefix: string): Promise<{ lab: CliLab; random: string }> {
  const lab = new CliLab(prefix);
  labs.push(lab);
  lab.prepareDevs(2, 64);
  await lab.ok('vgcreate', 'vg', '/dev/loop0', '/dev/loop1');
  await lab.ok('lvcreate', '-L', '8M', '-n', 'data', 'vg', '/dev/loop0');
  const random = join(lab.dir, 'random');
  writeFileSync(random, randomBytes(8 * MiB));
  return { lab, random };
}

/** Replicate vg/data through a link proxy to `target` (a unix socket), caught up; returns the link's socket. */
let linkProxy: ChildProcess | undefined;

/** Cut the link (kill -9 of its proxy): connections drop mid-request. */
function cut(): void {
  linkProxy?.kill('SIGKILL');
}

async function replicated(lab: CliLab, uriOf: (sock: string) => string, target: string): Promise<string> {
  const link = join(lab.dir, 'link.sock');
  linkProxy = await procs.proxy(link, target);
  await lab.ok('replica', 'create', 'vg/data', '--target', uriOf(link), '-L', '8M');
  await until(async () => {
    const s = (await replStatus(lab))[0]!;
    return s.repl_state === 'replicating' && s.repl_lag_writes === '0';
  }, 60_000);
  return link;
}

/** Journal 8 MiB with the link down, bring a slow link back and cut it while they are in flight. */
async function cutMidWindow(lab: CliLab, link: string, target: string, random: string): Promise<void> {
  cut();
  await lab.ok('dd', `if=${random}`, 'of=/dev/vg/data', 'bs=4k', 'count=1', 'oflag=sync');
  await until(async () => (await replStatus(lab))[0]!.repl_state === 'degraded', 40_000);
  await lab.ok('dd', `if=${random}`, 'of=/dev/vg/data', 'bs=1M', 'count=8');
  linkProxy = await procs.proxy(link, target, 300);
  await until(async () => (await replStatus(lab))[0]!.repl_state === 'replicating', 40_000);
  await sleep(1500);
  expect(Number((await replStatus(lab))[0]!.repl_lag_writes), 'the writes were all applied before the cut').toBeGreaterThan(0);
  cut();
  await until(async () => (await replStatus(lab))[0]!.repl_state === 'degraded', 40_000);
}

describe.skipIf(!hasNbdkit())('a replica cut mid-window', () => {
  it('over nbdkit is reported crash-consistent, not a prefix, until shipped again', async () => {
    const { lab, random } = await source('tsvm-repl-cut-');
    const image = join(lab.dir, 'far.img');
    execFileSync('truncate', ['-s', '8M', image]);
    const sock = join(lab.dir, 'nbdkit.sock');
    await procs.start('nbdkit', ['-f', '-U', sock, 'file', image], async () => existsSync(sock));
    const uriOf = (s: string) => `nbd+unix:///?socket=${s}`;
    const link = await replicated(lab, uriOf, sock);

    // A cut with nothing in flight: a prefix, and nothing said.
    cut();
    await lab.ok('dd', `if=${random}`, 'of=/dev/vg/data', 'bs=4k', 'count=1', 'oflag=sync');
    await until(async () => (await replStatus(lab))[0]!.repl_state === 'degraded', 40_000);
    expect((await replStatus(lab))[0]!.repl_consistency).toBe('prefix');
    expect((await lab.ok('replica', 'status')).stdout).not.toMatch(/crash-consistent/);

    // 8 MiB journaled while the link is down, so that the shipper reads them in one batch and sends
    // several requests at once when a slow link comes back; cut while they are in flight.
    await lab.ok('dd', `if=${random}`, 'of=/dev/vg/data', 'bs=1M', 'count=8');
    linkProxy = await procs.proxy(link, sock, 300);
    await until(async () => (await replStatus(lab))[0]!.repl_state === 'replicating', 40_000);
    await sleep(1500);
    expect(Number((await replStatus(lab))[0]!.repl_lag_writes), 'the writes were all applied before the cut').toBeGreaterThan(0);
    cut();
    await until(async () => (await replStatus(lab))[0]!.repl_state === 'degraded', 40_000);

    const row = (await replStatus(lab))[0]!;
    expect(row.repl_consistency).toBe('crash-consistent');
    expect(row.repl_unordered).toMatch(/^\d+-\d+$/);
    const [from, to] = row.repl_unordered!.split('-').map(Number);
    expect(to).toBeGreaterThan(from!);
    expect((await lvsJson(lab, 'vg/data', 'repl_consistency')).repl_consistency).toBe('crash-consistent');
    expect((await lab.ok('replica', 'status')).stdout).toMatch(
      new RegExp(`Replica 0 of replication group data is crash-consistent, not a write-order prefix: the link went down with writes ${from}-${to} in flight`));

    // The link back: re-sent in order, a prefix again, and the same bytes.
    linkProxy = await procs.proxy(link, sock);
    await until(async () => {
      const s = (await replStatus(lab))[0]!;
      return s.repl_state === 'replicating' && s.repl_lag_writes === '0';
    }, 60_000);
    cut();
    await until(async () => (await replStatus(lab))[0]!.repl_state === 'degraded', 40_000);
    expect((await replStatus(lab))[0]!.repl_consistency).toBe('prefix');
    const dst = Buffer.alloc(8 * MiB);
    const fd = openSync(image, 'r');
    readSync(fd, dst, 0, dst.length, 0);
    closeSync(fd);
    expect((await lab.legBytes('vg/data', 0, 8 * MiB)).equals(dst), 'the nbdkit image differs from the source').toBe(true);
  }, 240_000);

  it('to another tsvm (requests in arrival order) stays a prefix', async () => {
    const { lab, random } = await source('tsvm-repl-cut-tsvm-');
    await lab.ok('lvcreate', '-L', '8M', '-n', 'copy', 'vg', '/dev/loop1');
    const sock = join(lab.systemDir, 'run', 'nbd', 'vg.sock');
    const link = await replicated(lab, (s) => `nbd+unix:///vg/copy?socket=${s}`, sock);
    await cutMidWindow(lab, link, sock, random);
    expect((await replStatus(lab))[0]!.repl_consistency).toBe('prefix');
  }, 240_000);
});
