// lvchange --syncaction check|repair of a raid1 LV with checksums, through the CLI (issue 11):
// check names the bad image per region in `raid_mismatch_regions`, repair rewrites only the bad
// copies (the primary is the bad one in half of the regions, so a blind primary copy would spread
// the rot), a second check finds nothing; and a kill -9 of the repair leaves the region it was
// rewriting marked out of sync, which the resync finishes from the copy whose checksum matches
// (not from the primary, which holds the rot):
// afterwards the images agree and hold what was written.
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RaidLab } from './helpers/raid.js';

const MiB = 1024 * 1024;
const REGION = 2 * MiB;
let lab: RaidLab;
let data: Buffer;

async function waitScrub(): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if ((await lab.lvField('vg/lv', 'raid_sync_action')) === 'idle') return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('scrub did not finish');
}

async function images(): Promise<Buffer[]> {
  return Promise.all(['vg/lv_rimage_0', 'vg/lv_rimage_1'].map((i) => lab.legBytes(i, 0, data.length)));
}

/** Rot: region r's block 5 on the primary in even regions, block 9 on rimage_1 in odd ones. */
async function rotAll(n: number): Promise<void> {
  for (let r = 0; r < n; r++) await lab.rot(r % 2 ? 'vg/lv_rimage_1' : 'vg/lv_rimage_0', r * REGION + (r % 2 ? 9 : 5) * 4096 + 11);
}

beforeEach(async () => {
  lab = new RaidLab('tsvm-raid1-repair-');
  lab.prepareDevs(2, 200);
  await lab.ok('pvcreate', '/dev/loop0', '/dev/loop1');
  await lab.ok('vgcreate', 'vg', '/dev/loop0', '/dev/loop1');
});
afterEach(() => lab.cleanup());

describe('raid1 with checksums: lvchange --syncaction', () => {
  it('check names the bad images, repair rewrites only the bad copies, a second check finds nothing', async () => {
    await lab.ok('lvcreate', '-y', '-m', '1', '-L', '16m', '-n', 'lv', 'vg');
    await lab.settle('vg/lv');
    data = randomBytes(16 * MiB);
    await lab.write('vg/lv', data);
    await rotAll(4);
    await lab.ok('lvchange', '--syncaction', 'check', 'vg/lv');
    await waitScrub();
    expect(await lab.lvField('vg/lv', 'raid_mismatch_count')).toBe('4');
    expect(await lab.lvField('vg/lv', 'raid_mismatch_regions')).toBe('0:lv_rimage_0,1:lv_rimage_1,2:lv_rimage_0,3:lv_rimage_1');
    expect(await lab.lvField('vg/lv', 'lv_attr')).toBe('rwi-a-r-m-');
    expect((await images()).some((b) => b.equals(data))).toBe(false);
    await lab.ok('lvchange', '--syncaction', 'repair', 'vg/lv');
    await waitScrub();
    for (const b of await images()) expect(b.equals(data)).toBe(true);
    await lab.ok('lvchange', '--syncaction', 'check', 'vg/lv');
    await waitScrub();
    expect(await lab.lvField('vg/lv', 'raid_mismatch_count')).toBe('0');
    expect(await lab.lvField('vg/lv', 'raid_mismatch_regions')).toBe('');
  }, 180_000);

  it('a block wrong on every image is named with "!" and left alone by repair', async () => {
    await lab.ok('lvcreate', '-y', '-m', '1', '-L', '8m', '-n', 'lv', 'vg');
    await lab.settle('vg/lv');
    data = randomBytes(8 * MiB);
    await lab.write('vg/lv', data);
    for (const i of ['vg/lv_rimage_0', 'vg/lv_rimage_1']) await lab.rot(i, REGION + 4096);
    const before = await images();
    await lab.ok('lvchange', '--syncaction', 'repair', 'vg/lv');
    await waitScrub();
    expect(await lab.lvField('vg/lv', 'raid_mismatch_regions')).toBe('1:lv_rimage_0+lv_rimage_1!');
    const after = await images();
    expect(after.every((b, k) => b.equals(before[k]!))).toBe(true);
  }, 180_000);

  it('kill -9 during repair: the interrupted region is finished by the resync from the right copy; images agree', async () => {
    await lab.ok('lvcreate', '-y', '-m', '1', '-L', '32m', '-n', 'lv', 'vg');
    await lab.settle('vg/lv');
    data = randomBytes(32 * MiB);
    await lab.write('vg/lv', data);
    const uuid = await lab.lvField('vg/lv', 'lv_uuid');
    // The primary is the bad copy in every region: a resync copying the primary blindly would spread it.
    for (let r = 0; r < 16; r++) await lab.rot('vg/lv_rimage_0', r * REGION + 5 * 4096 + 11);
    // Slow writes: the repair is killed while it rewrites a region.
    await lab.ok('fault', 'add', '/dev/loop0', '--delay', '150', '--write');
    await lab.ok('fault', 'add', '/dev/loop1', '--delay', '150', '--write');
    lab.extraEnv = { TSVM_NO_AUTOSYNC: '1' };
    await lab.ok('lvchange', '--syncaction', 'repair', 'vg/lv');
    const pid = JSON.parse(readFileSync(join(lab.systemDir, 'mirror', `${uuid}.scrub.json`), 'utf8')).pid as number;
    expect(pid).toBeGreaterThan(0);
    // Kill it while a region is marked out of sync for its rewrite: the bitmap read straight from
    // rmeta_0's bytes on its image (rmeta_0 is extent 0 of loop0, after the 1 MiB pe_start).
    const fd = openSync(join(lab.devDir, 'loop0'), 'r');
    const bits = Buffer.alloc(4);
    let marked = false;
    try {
      for (let i = 0; i < 20_000 && !marked; i++) {
        readSync(fd, bits, 0, 4, MiB + 4096 + 1024);
        marked = (bits.readUInt32LE(0) & 0xffff) !== 0xffff; // 16 regions
        if (!marked) await new Promise((r) => setTimeout(r, 5));
      }
    } finally {
      closeSync(fd);
    }
    expect(marked).toBe(true);
    process.kill(pid, 'SIGKILL');
    await lab.ok('fault', 'clear');
    const dirty = await lab.dirtyRegions('vg/lv');
    expect(dirty.length).toBeGreaterThan(0);
    lab.extraEnv = {};
    await lab.settle('vg/lv');
    const mid = await images();
    // The regions left out of sync were finished from the copy whose checksum matches (rimage_1,
    // not the primary): right on both images.
    for (const r of dirty) {
      for (const b of mid) expect(b.subarray(r * REGION, (r + 1) * REGION).equals(data.subarray(r * REGION, (r + 1) * REGION))).toBe(true);
    }
    await lab.ok('lvchange', '--syncaction', 'repair', 'vg/lv');
    await waitScrub();
    const [a, b] = await images();
    expect(a!.equals(b!)).toBe(true);
    expect(a!.equals(data)).toBe(true);
    await lab.ok('lvchange', '--syncaction', 'check', 'vg/lv');
    await waitScrub();
    expect(await lab.lvField('vg/lv', 'raid_mismatch_count')).toBe('0');
  }, 300_000);
});
