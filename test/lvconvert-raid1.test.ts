// lvconvert and raid1 (LVM2 test/shell/lvconvert-raid.sh, lvconvert-mirror-raid1.sh in spirit):
// linear <-> raid1 with -m and with --type, raid1 -m +N/-N, mirror <-> raid1, with LVM2's prompts,
// refusals and messages (tools/lvconvert.c _lvconvert_raid, lib/metadata/raid_manip.c), and the
// data checked on every image's bytes.
import { randomBytes } from 'node:crypto';
import { renameSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RaidLab } from './helpers/raid.js';

const MiB = 1024 * 1024;

let lab: RaidLab;
beforeEach(async () => {
  lab = new RaidLab('tsvm-lvconvert-raid1-');
  lab.prepareDevs(4, 200);
  await lab.ok('pvcreate', '/dev/loop0', '/dev/loop1', '/dev/loop2', '/dev/loop3');
  await lab.ok('vgcreate', 'vg', '/dev/loop0', '/dev/loop1', '/dev/loop2', '/dev/loop3');
});
afterEach(() => lab.cleanup());

async function names(): Promise<string[]> {
  return (await lab.ok('lvs', '-a', '--noheadings', '-o', 'name,devices', 'vg')).stdout.split('\n').map((l) => l.trim().replace(/\s+/g, ' '));
}

async function imagesHold(data: Buffer, images: string[]): Promise<void> {
  for (const img of images) expect((await lab.legBytes(img, 0, data.length)).equals(data), img).toBe(true);
}

describe('linear -> raid1 -> linear', () => {
  it('-m 1 without --type makes raid1 (rmeta_0 after the LV on its PV), copies the data, and back', async () => {
    await lab.ok('lvcreate', '-L', '40m', '-n', 'lv', 'vg', '/dev/loop0');
    const data = randomBytes(40 * MiB);
    await lab.write('vg/lv', data);
    const r = await lab.ok('lvconvert', '-y', '-m', '1', 'vg/lv');
    expect(r.stdout).toBe('  Logical volume vg/lv successfully converted.');
    expect(await names()).toEqual([
      'lv lv_rimage_0(0),lv_rimage_1(0)', '[lv_rimage_0] /dev/loop0(0)', '[lv_rimage_1] /dev/loop1(1)',
      '[lv_rmeta_0] /dev/loop0(10)', '[lv_rmeta_1] /dev/loop1(0)',
    ]);
    await lab.settle('vg/lv');
    expect(await lab.lvField('vg/lv', 'lv_attr')).toBe('rwi-a-r---');
    await imagesHold(data, ['vg/lv_rimage_0', 'vg/lv_rimage_1']);
    // up to three, down to two, then linear again
    expect((await lab.ok('lvconvert', '-y', '-m', '+1', 'vg/lv')).stdout).toBe('  Logical volume vg/lv successfully converted.');
    await lab.settle('vg/lv');
    await imagesHold(data, ['vg/lv_rimage_0', 'vg/lv_rimage_1', 'vg/lv_rimage_2']);
    await lab.ok('lvconvert', '-y', '-m', '-1', 'vg/lv');
    expect(await lab.lvField('vg/lv', 'devices')).toBe('lv_rimage_0(0),lv_rimage_1(0)');
    await lab.ok('lvconvert', '-y', '-m', '0', 'vg/lv');
    expect(await names()).toEqual(['lv /dev/loop0(0)']);
    expect((await lab.read('vg/lv', 40)).equals(data)).toBe(true);
  }, 120_000);

  it('--type raid1 without -m: two images', async () => {
    await lab.ok('lvcreate', '-L', '8m', '-n', 'lv', 'vg');
    await lab.ok('lvconvert', '-y', '--type', 'raid1', 'vg/lv');
    expect(await lab.lvField('vg/lv', 'devices')).toBe('lv_rimage_0(0),lv_rimage_1(0)');
  });

  it('prompts as LVM2 does; "n" changes nothing', async () => {
    await lab.ok('lvcreate', '-L', '8m', '-n', 'lv', 'vg');
    const before = lab.state();
    const r = await lab.run('lvconvert', '-m', '1', 'vg/lv');
    expect(r.exitCode).toBe(5);
    expect(r.stderr).toContain('Are you sure you want to convert linear LV vg/lv to raid1 with 2 images enhancing resilience? [y/n]: [n]');
    expect(r.stderr).toContain('Logical volume vg/lv NOT converted.');
    expect(lab.state()).toBe(before);
  });
});

describe('raid1 refusals change nothing', () => {
  it('an inactive raid1 cannot change its image count', async () => {
    await lab.ok('lvcreate', '-an', '-Zn', '--type', 'raid1', '-m', '1', '-L', '8m', '-n', 'lv', 'vg');
    expect(await lab.failsUnchanged(5, 'lvconvert', '-y', '-m', '+1', 'vg/lv')).toContain('vg/lv must be active to perform this operation.');
  });

  it('--type linear with mirrors, and more images than there are PVs', async () => {
    await lab.ok('lvcreate', '--type', 'raid1', '-m', '1', '-L', '8m', '-n', 'lv', 'vg');
    await lab.settle('vg/lv');
    // (oracle: lvconvert_raid_types' --type linear variant takes no --mirrors)
    expect(await lab.failsUnchanged(3, 'lvconvert', '-y', '--type', 'linear', '-m', '1', 'vg/lv')).toContain('Command does not accept option: --mirrors 1.');
    expect(await lab.failsUnchanged(5, 'lvconvert', '-y', '-m', '+3', 'vg/lv')).toContain('Insufficient suitable allocatable extents');
  });
});

describe('mirror <-> raid1', () => {
  it('keeps the data and the images, swaps the log for rmetas and back', async () => {
    await lab.ok('lvcreate', '--type', 'mirror', '-m', '1', '-L', '24m', '-n', 'lv', 'vg');
    const data = randomBytes(24 * MiB);
    await lab.write('vg/lv', data);
    await lab.settle('vg/lv');
    expect((await lab.ok('lvconvert', '-y', '--type', 'raid1', 'vg/lv')).stdout).toBe('  Logical volume vg/lv successfully converted.');
    expect(await names()).toEqual([
      'lv lv_rimage_0(0),lv_rimage_1(0)', '[lv_rimage_0] /dev/loop0(0)', '[lv_rimage_1] /dev/loop1(0)',
      '[lv_rmeta_0] /dev/loop0(6)', '[lv_rmeta_1] /dev/loop1(6)',
    ]);
    expect(await lab.lvField('vg/lv', 'copy_percent')).toBe('100.00');
    await imagesHold(data, ['vg/lv_rimage_0', 'vg/lv_rimage_1']);
    expect((await lab.ok('lvconvert', '-y', '--type', 'mirror', 'vg/lv')).stdout).toBe('  Logical volume vg/lv successfully converted.');
    expect(await lab.lvField('vg/lv', 'segtype')).toBe('mirror');
    expect(await lab.lvField('vg/lv', 'mirror_log')).toBe('[lv_mlog]');
    await lab.settle('vg/lv');
    expect((await lab.read('vg/lv', 24)).equals(data)).toBe(true);
  }, 120_000);
});

describe('lvconvert --repair of a raid1 LV', () => {
  it('raid_fault_policy "warn" only says so; --repair replaces the image of a lost PV and rebuilds it', async () => {
    await lab.ok('lvcreate', '-m', '1', '-L', '16m', '-n', 'lv', 'vg', '/dev/loop0', '/dev/loop1');
    const data = randomBytes(16 * MiB);
    await lab.write('vg/lv', data);
    await lab.settle('vg/lv');
    renameSync(join(lab.devDir, 'loop1'), join(lab.devDir, 'gone'));
    expect(await lab.lvField('vg/lv', 'lv_attr')).toBe('rwi-a-r-p-');
    const w = await lab.run('lvconvert', '--repair', '--usepolicies', 'vg/lv');
    expect(w.exitCode).toBe(0);
    expect(w.stderr).toContain("Use 'lvconvert --repair vg/lv' to replace failed device.");
    const r = await lab.ok('lvconvert', '-y', '--repair', 'vg/lv');
    expect(r.stdout).toContain('  Faulty devices in vg/lv successfully replaced.');
    await lab.settle('vg/lv');
    expect(await lab.lvField('vg/lv', 'devices')).toBe('lv_rimage_0(0),lv_rimage_1(0)');
    expect(await lab.lvField('vg/lv_rimage_1', 'devices', '-a')).toBe('/dev/loop2(1)');
    await imagesHold(data, ['vg/lv_rimage_0', 'vg/lv_rimage_1']);
  }, 120_000);
});

describe('lvextend / lvreduce of a raid1 LV', () => {
  it('every image grows and shrinks; the data stays and the images agree', async () => {
    await lab.ok('lvcreate', '-m', '1', '-L', '8m', '-n', 'lv', 'vg');
    const data = randomBytes(8 * MiB);
    await lab.write('vg/lv', data);
    const r = await lab.ok('lvextend', '-L', '24m', 'vg/lv');
    expect(r.stdout).toContain('  Logical volume vg/lv successfully resized.');
    await lab.settle('vg/lv');
    expect(await lab.lvField('vg/lv_rimage_1', 'lv_size', '-a')).toBe('24.00m');
    const more = randomBytes(16 * MiB);
    await lab.write('vg/lv', more, 8);
    await lab.settle('vg/lv');
    await imagesHold(Buffer.concat([data, more]), ['vg/lv_rimage_0', 'vg/lv_rimage_1']);
    await lab.ok('lvreduce', '-y', '-L', '12m', 'vg/lv');
    expect(await lab.lvField('vg/lv_rimage_0', 'lv_size', '-a')).toBe('12.00m');
    expect((await lab.read('vg/lv', 8)).equals(data)).toBe(true);
  }, 120_000);
});
