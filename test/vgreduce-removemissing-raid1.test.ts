// vgreduce --removemissing of a raid1 LV that lost an image with its PV (LVM2 raid_manip.c
// lv_raid_remove_missing, called by vgreduce.c _make_vg_consistent): without --force nothing is
// mended; with --force the lost rimage and rmeta become "error" segments (the LV keeps its images
// and runs degraded), the missing PV leaves the VG; `lvconvert --repair` then replaces the image.
// fixtures/ondisk/06-raid1-life has LVM2's own answers for the metadata; here the bytes.
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RaidLab } from './helpers/raid.js';

const MiB = 1024 * 1024;
let lab: RaidLab;
let data: Buffer;
beforeEach(async () => {
  lab = new RaidLab('tsvm-raid1-rmmiss-');
  lab.prepareDevs(4, 64);
  await lab.ok('vgcreate', 'vg', '/dev/loop0', '/dev/loop1', '/dev/loop2', '/dev/loop3');
  await lab.ok('lvcreate', '-m', '2', '-l', '3', '-n', 'r', 'vg', '/dev/loop0', '/dev/loop1', '/dev/loop2');
  data = randomBytes(12 * MiB);
  await lab.write('vg/r', data);
  await lab.settle('vg/r');
});
afterEach(() => lab.cleanup());

const rows = async (...a: string[]) => (await lab.ok(...a, '--noheadings')).stdout.split('\n').map((l) => l.trim().replace(/\s+/g, ' ')).filter(Boolean);

describe('vgreduce --removemissing with a raid1 LV', { timeout: 300_000 }, () => {
  it('--force turns the lost image into error segments; the data stays; lvconvert --repair replaces it', async () => {
    rmSync(join(lab.devDir, 'loop1'));
    const plain = await lab.run('vgreduce', '--removemissing', 'vg');
    expect(plain.exitCode).toBe(5);
    expect(plain.stderr).toContain('  WARNING: Partial LV r_rimage_1 needs to be repaired or removed. \n');
    const r = await lab.ok('vgreduce', '--removemissing', '--force', 'vg');
    expect(r.stdout).toBe('  Wrote out consistent volume group vg.');
    expect(await rows('lvs', '-a', '-o', 'lv_name,seg_type,devices', 'vg')).toEqual([
      'r raid1 r_rimage_0(0),r_rimage_1(0),r_rimage_2(0)',
      '[r_rimage_0] linear /dev/loop0(1)', '[r_rimage_1] error', '[r_rimage_2] linear /dev/loop2(1)',
      '[r_rmeta_0] linear /dev/loop0(0)', '[r_rmeta_1] error', '[r_rmeta_2] linear /dev/loop2(0)',
    ]);
    expect(await rows('vgs', '-o', 'pv_count', 'vg')).toEqual(['3']);
    // degraded, not lost: every byte reads back, and the surviving images hold it
    expect(await lab.lvField('vg/r', 'lv_health_status')).toBe('refresh needed');
    expect((await lab.read('vg/r', 12)).equals(data)).toBe(true);
    for (const k of [0, 2]) expect((await lab.legBytes(`vg/r_rimage_${k}`, 0, 12 * MiB)).equals(data)).toBe(true);
    // writes go on to the live images
    const more = randomBytes(2 * MiB);
    await lab.write('vg/r', more, 4);
    more.copy(data, 4 * MiB);
    expect((await lab.read('vg/r', 12)).equals(data)).toBe(true);
    // the error images are what lvconvert --repair replaces (LVM2 _sublv_is_degraded: lv_is_virtual)
    expect((await lab.ok('lvconvert', '--repair', '-y', 'vg/r')).stdout).toBe('  Faulty devices in vg/r successfully replaced.');
    await lab.settle('vg/r');
    expect(await rows('lvs', '-a', '-o', 'lv_name,seg_type,devices', 'vg/r_rimage_1', 'vg/r_rmeta_1'))
      .toEqual(['[r_rimage_1] linear /dev/loop3(1)', '[r_rmeta_1] linear /dev/loop3(0)']);
    for (const k of [0, 1, 2]) expect((await lab.legBytes(`vg/r_rimage_${k}`, 0, 12 * MiB)).equals(data)).toBe(true);
    expect(await lab.lvField('vg/r', 'lv_health_status')).toBe('');
    await lab.syncaction('vg/r', 'check');
    expect(await lab.lvField('vg/r', 'raid_mismatch_count')).toBe('0');
  });

  it('the error segments go through vgcfgbackup and vgcfgrestore', async () => {
    rmSync(join(lab.devDir, 'loop1'));
    await lab.ok('vgreduce', '--removemissing', '--force', 'vg');
    const file = join(lab.dir, 'vg.backup');
    await lab.ok('vgcfgbackup', '-f', file, 'vg');
    const before = await rows('lvs', '-a', '-o', 'lv_name,seg_type,devices,seg_size', 'vg');
    await lab.ok('vgchange', '-an', 'vg');
    await lab.ok('vgcfgrestore', '-f', file, 'vg');
    expect(await rows('lvs', '-a', '-o', 'lv_name,seg_type,devices,seg_size', 'vg')).toEqual(before);
    expect(before).toContain('[r_rmeta_1] error 4.00m');
  });
});
