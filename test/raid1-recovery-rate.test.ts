// raid1 --minrecoveryrate (dm-raid's min_recovery_rate, md's sync_speed_min): a resync yields to
// the LV's writers, but never below the minimum. With no minimum set, md's default floor
// (speed_limit_min, 1000 kiB/s) holds: a full resync under a busy writer crawls; with
// --minrecoveryrate 16M the same resync under the same writer keeps its pace.
import { execa, type ResultPromise } from 'execa';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BIN } from './helpers/aux.js';
import { RaidLab } from './helpers/raid.js';

const MiB = 1024 * 1024;
let lab: RaidLab;
let writer: ResultPromise | undefined;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeEach(async () => {
  lab = new RaidLab('tsvm-raid1-rate-');
  lab.prepareDevs(2, 200);
  await lab.ok('pvcreate', '/dev/loop0', '/dev/loop1');
  await lab.ok('vgcreate', 'vg', '/dev/loop0', '/dev/loop1');
  await lab.ok('lvcreate', '-m', '1', '-L', '64m', '-n', 'lv', 'vg');
  await lab.write('vg/lv', randomBytes(64 * MiB));
  await lab.settle('vg/lv');
});
afterEach(async () => {
  writer?.kill('SIGKILL');
  await writer;
  writer = undefined;
  lab.cleanup();
});

const percent = async () => Number(await lab.lvField('vg/lv', 'copy_percent')) || 0;

describe('raid1 resync against a busy writer', () => {
  it('yields down to the floor without --minrecoveryrate, keeps --minrecoveryrate 16M', async () => {
    // Every region out of sync, nobody resyncing yet.
    lab.extraEnv = { TSVM_NO_AUTOSYNC: '1' };
    await lab.ok('lvchange', '-an', 'vg/lv');
    await lab.ok('lvchange', '-y', '--resync', 'vg/lv');
    await lab.ok('lvchange', '-ay', 'vg/lv');
    expect((await lab.dirtyRegions('vg/lv')).length).toBe(32);
    // A writer of small synchronous writes that keeps the LV busy for the whole test: one process
    // (its lease on the LV lock held from one write to the next), 131,072 writes of 512 bytes
    // (16,384 of 4 KiB once lasted the test, and later took under 7 s).
    const f = join(lab.dir, 'w');
    writeFileSync(f, randomBytes(64 * MiB));
    writer = execa(BIN, ['dd', `if=${f}`, 'of=/dev/vg/lv', 'bs=512', 'oflag=dsync', 'conv=notrunc', 'status=none'], { env: lab.env, reject: false });
    await sleep(1000);

    // No minimum: md's floor of 1000 kiB/s, a region (2 MiB) every two seconds or so.
    const slow = execa(BIN, ['lvconvert', '-i', '0', 'vg/lv'], { env: lab.env, reject: false });
    await sleep(6000);
    const crawled = await percent();
    slow.kill('SIGKILL');
    await slow;
    expect(writer.exitCode).toBeNull(); // still writing
    expect(crawled).toBeLessThanOrEqual(25);

    // --minrecoveryrate 16M (per image): the rest goes at that pace although the writer goes on.
    await lab.ok('lvchange', '--minrecoveryrate', '16M', 'vg/lv');
    expect(await lab.lvField('vg/lv', 'raid_min_recovery_rate')).toBe('16384');
    const t0 = Date.now();
    const fast = execa(BIN, ['lvconvert', '-i', '0', 'vg/lv'], { env: lab.env, reject: false });
    while ((await percent()) < 100 && Date.now() - t0 < 60_000) await sleep(200);
    const secs = (Date.now() - t0) / 1000;
    await fast;
    expect(writer.exitCode).toBeNull();
    const mib = (64 * (100 - crawled)) / 100;
    // At least half the minimum, measured with the polling and process start-up in it (the floor alone would take mib s).
    expect(mib / secs).toBeGreaterThanOrEqual(8);
    writer.kill('SIGKILL');
    await writer;
    writer = undefined;
    lab.extraEnv = {};
    await lab.settle('vg/lv');
    const a = await lab.legBytes('vg/lv_rimage_0', 0, 64 * MiB);
    expect(a.equals(await lab.legBytes('vg/lv_rimage_1', 0, 64 * MiB))).toBe(true);
  }, 180_000);
});
