// A power loss of the source host (src/repl/host-restart.ts). A kill -9 loses no write (the page
// cache stays); a power loss loses every write not flushed since the last flush, from the LV and
// from the journal alike, though the shipper may have sent it already. Simulated here: the source's
// PV image is copied right after a flush (a state a power loss may leave), more is written without
// a flush and shipped, then every process of the source site is stopped and the image put back, and
// the site "boots" again (another TSVM_BOOT_ID). The replica then holds writes the source lost: the
// first writer after the boot must drop it to a resync of the activity log's extents (every extent
// written since the source and the replica were last both caught up; src/repl/activity-log.ts),
// after which both sides are equal.
import { afterEach, describe, expect, it } from 'vitest';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CliLab } from './helpers/aux.js';
import { stopServing, stopShipping, until } from './helpers/serving.js';
import { replicaSite, replStatus } from './helpers/repl-lab.js';
import { activeExtents, alGeneration } from '../src/repl/activity-log.js';
import { markedRegions } from '../src/repl/region-map.js';
import type { Group } from '../src/repl/config.js';

const R = 512 * 1024;
const MiB = 1024 * 1024;
let labs: CliLab[] = [];

afterEach(() => {
  for (const l of labs) l.cleanup();
  labs = [];
});

function pattern(tag: string, region: number): Buffer {
  const b = Buffer.alloc(R);
  for (let i = 0; i < R; i += 64) b.write(`${tag}:${region}:${i}`.padEnd(64, '.'), i, 'latin1');
  return b;
}

async function write(lab: CliLab, region: number, tag: string, ...flags: string[]): Promise<void> {
  const file = join(lab.dir, `w-${tag}-${region}`);
  writeFileSync(file, Buffer.concat([pattern(tag, region), pattern(tag, region + 1)]));
  await lab.ok('dd', `if=${file}`, 'of=/dev/vg/data', 'bs=1M', 'count=1', `seek=${region / 2}`, ...flags);
}

const site = (prefix: string, vg: string): Promise<CliLab> => replicaSite(labs, prefix, vg);

/** Site A's vg/data replicated to site B's dr/data (B's export), caught up; `caughtUp` waits for it again. */
async function replicatedSites(tag: string): Promise<{ a: CliLab; b: CliLab; caughtUp: () => Promise<void> }> {
  const a = await site(`tsvm-repl-${tag}-a-`, 'vg');
  const b = await site(`tsvm-repl-${tag}-b-`, 'dr');
  await a.ok('replica', 'create', 'vg/data', '--target', `nbd+unix:///dr/data?socket=${join(b.systemDir, 'run', 'nbd', 'dr.sock')}`, '-L', '4M');
  const caughtUp = async () => until(async () => {
    const s = (await replStatus(a))[0]!;
    return s.repl_state === 'replicating' && s.repl_lag_writes === '0';
  }, 60_000);
  await caughtUp();
  return { a, b, caughtUp };
}

/** Site A's group as the activity log's functions take it (they use its uuid). */
async function groupOf(lab: CliLab): Promise<Group> {
  return { uuid: await groupUuid(lab) } as unknown as Group;
}

/** The shipper, idle and caught up, has started the activity log (or a generation after `than`). */
async function alStarted(lab: CliLab, than = 0): Promise<number> {
  const g = await groupOf(lab);
  await until(async () => (alGeneration(lab.systemDir, g, 0) ?? 0) > than, 30_000);
  return alGeneration(lab.systemDir, g, 0)!;
}

describe('power loss of the source host', () => {
  it('resyncs the extents a replica may hold writes the source lost in', async () => {
    const { a, b, caughtUp } = await replicatedSites('power');
    await alStarted(a);

    // Flushed: this survives the power loss.
    await write(a, 2, 'KEPT', 'conv=fsync');
    await caughtUp();
    const image = join(a.devDir, 'loop0');
    const durable = join(a.dir, 'loop0.durable');
    copyFileSync(image, durable);
    const resyncs = Number((await replStatus(a))[0]!.repl_resyncs);

    // Not flushed (1 MiB: journaled by reference, its bytes read from the LV), but shipped.
    await write(a, 4, 'LOST');
    await caughtUp();
    expect((await b.legBytes('dr/data', 4 * R, R)).equals(pattern('LOST', 4))).toBe(true);

    // Power loss: every process of site A is gone and the writes since the flush with them.
    stopShipping(a.systemDir);
    stopServing(a.systemDir);
    copyFileSync(durable, image);
    a.extraEnv.TSVM_BOOT_ID = 'the boot after the power loss';
    expect((await a.legBytes('vg/data', 4 * R, R)).equals(pattern('LOST', 4))).toBe(false);
    expect((await a.legBytes('vg/data', 2 * R, R)).equals(pattern('KEPT', 2))).toBe(true);

    // The first write after the boot drops the replica to a full resync; then both sides are equal.
    // (Paused meanwhile, so that the report is read before the resync, which an 8 MiB LV can finish
    // before the next command runs.)
    await a.ok('replica', 'pause', 'vg/data');
    await write(a, 10, 'AFTER', 'conv=fsync');
    const now = (await replStatus(a))[0]!;
    expect(now.repl_reason).toBe('source host restarted: unflushed writes may be lost');
    expect(now.repl_consistency).toBe('inconsistent');
    // Marked for the resync: the first 4 MiB extent (both writes since the log's start were there;
    // regions 0-7 of 512 KiB), and the write after the boot (regions 10-11), not the whole 8 MiB LV.
    const map = join(a.systemDir, 'repl', await groupUuid(a), 'r0.m0.map');
    expect(markedRegions(map)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 10, 11]);
    await a.ok('replica', 'resume', 'vg/data');
    await caughtUp();
    expect(Number((await replStatus(a))[0]!.repl_resyncs)).toBeGreaterThan(resyncs);
    const src = await a.legBytes('vg/data', 0, 8 * MiB);
    const dst = await b.legBytes('dr/data', 0, 8 * MiB);
    const differing = [];
    for (let r = 0; r < 16; r++) if (!src.subarray(r * R, (r + 1) * R).equals(dst.subarray(r * R, (r + 1) * R))) differing.push(r);
    expect(differing, 'regions where the replica differs from the source').toEqual([]);

    // Another write in the same boot: no resync.
    await write(a, 12, 'SAME', 'conv=fsync');
    await caughtUp();
    expect(Number((await replStatus(a))[0]!.repl_resyncs)).toBe(resyncs + 1);
    expect(await a.lvField('vg/data', 'repl_resyncs')).toBe(String(resyncs + 1));
  }, 240_000);

  it('keeps a cleanly stopped source\'s replica in the journal after a reboot, and only then', async () => {
    const { a, b, caughtUp } = await replicatedSites('clean');
    const resyncs = Number((await replStatus(a))[0]!.repl_resyncs);

    // Written without a flush, shipped, then a clean stop (SIGTERM: a shutdown) and a boot: the
    // stop flushed it, so nothing can be lost and nothing is resynced.
    await write(a, 2, 'CLEAN');
    await caughtUp();
    stopShipping(a.systemDir);
    stopServing(a.systemDir);
    expect(existsSync(join(a.systemDir, 'repl', (await groupUuid(a)), 'clean')), 'the clean stop is marked').toBe(true);
    a.extraEnv.TSVM_BOOT_ID = 'the boot after a clean shutdown';
    await write(a, 6, 'NEXT', 'conv=fsync');
    await caughtUp();
    const s = (await replStatus(a))[0]!;
    expect(s.repl_reason).not.toBe('source host restarted: unflushed writes may be lost');
    expect(Number(s.repl_resyncs)).toBe(resyncs);
    expect((await b.legBytes('dr/data', 2 * R, R)).equals(pattern('CLEAN', 2))).toBe(true);

    // A clean stop, then a write (it takes the mark away before it writes), then a power loss
    // (every process killed, no stop): resynced.
    stopShipping(a.systemDir);
    const mark = join(a.systemDir, 'repl', (await groupUuid(a)), 'clean');
    expect(existsSync(mark)).toBe(true);
    await write(a, 8, 'AFTER');
    expect(existsSync(mark), 'the first write after the mark removes it').toBe(false);
    let pid = 0;
    try {
      pid = Number(readFileSync(join(a.systemDir, 'run', 'repl', 'shipper.pid'), 'utf8'));
    } catch {
      /* not started (yet) */
    }
    if (pid) process.kill(pid, 'SIGKILL');
    stopServing(a.systemDir);
    a.extraEnv.TSVM_BOOT_ID = 'the boot after a power loss';
    await a.ok('replica', 'pause', 'vg/data');
    await write(a, 10, 'LAST', 'conv=fsync');
    expect((await replStatus(a))[0]!.repl_reason).toBe('source host restarted: unflushed writes may be lost');
    await a.ok('replica', 'resume', 'vg/data');
    await caughtUp();
    expect(Number((await replStatus(a))[0]!.repl_resyncs)).toBeGreaterThan(resyncs);
  }, 240_000);
});

async function groupUuid(lab: CliLab): Promise<string> {
  return (JSON.parse(readFileSync(join(lab.systemDir, 'repl', 'groups.json'), 'utf8')) as { groups: Array<{ uuid: string }> }).groups[0]!.uuid;
}

describe('activity log', () => {
  it('marks the extents written since the source and the replica were last caught up, and starts again when idle', async () => {
    const { a, caughtUp } = await replicatedSites('al');
    const gen = await alStarted(a);
    const g = await groupOf(a);
    expect(activeExtents(a.systemDir, g, 0)).toEqual([]);
    // Regions 10-11 (5-6 MiB): the second 4 MiB extent, marked before the write.
    await write(a, 10, 'X');
    expect(activeExtents(a.systemDir, g, 0)).toEqual([1]);
    await write(a, 2, 'Y');
    expect(activeExtents(a.systemDir, g, 0)).toEqual([0, 1]);
    // Caught up and idle: the shipper flushes the LV and starts a new generation with nothing marked.
    await caughtUp();
    const next = await alStarted(a, gen);
    expect(activeExtents(a.systemDir, g, 0)).toEqual([]);
    // A writer of the new generation marks again.
    await write(a, 12, 'Z');
    expect(activeExtents(a.systemDir, g, 0)).toEqual([1]);
    expect(alGeneration(a.systemDir, g, 0)).toBe(next);
    // Paused (a replica in the journal behind): never started afresh while it is behind.
    await a.ok('replica', 'pause', 'vg/data');
    await write(a, 0, 'W');
    await new Promise((r) => setTimeout(r, 2500));
    expect(alGeneration(a.systemDir, g, 0)).toBe(next);
    expect(activeExtents(a.systemDir, g, 0)).toEqual([0, 1]);
  }, 120_000);
});
