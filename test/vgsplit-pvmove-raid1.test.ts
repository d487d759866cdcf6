// vgsplit, vgmerge and pvmove of raid1 LVs, as LVM2 2.03.16 does them (tools/vgsplit.c _move_raids
// before _move_lvs, lv_is_on_pvs walking the rmeta sub-LVs; tools/pvmove.c trimming every PV of a
// raid LV from the destinations, _remove_sibling_pvs_from_trim_list for `-n LV_rimage_N`). The
// metadata-only oracle cannot create raid LVs, so these rules come from the source; the data and
// rmeta bytes are checked right afterwards.
import { createHash } from 'node:crypto';
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RaidLab } from './helpers/raid.js';

const MiB = 1024 * 1024;
let lab: RaidLab;
beforeEach(async () => {
  lab = new RaidLab('tsvm-raid1-move-');
  lab.prepareDevs(5, 64);
  await lab.ok('vgcreate', 'vg', '/dev/loop0', '/dev/loop1', '/dev/loop2', '/dev/loop3');
});
afterEach(() => lab.cleanup());

const rows = async (...a: string[]) => (await lab.ok(...a, '--noheadings')).stdout.split('\n').map((l) => l.trim().replace(/\s+/g, ' ')).filter(Boolean);
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** A 2-way raid1 vg/r on loop0+loop1, 8 MiB of random data written and synced. */
async function raidWithData(): Promise<Buffer> {
  await lab.ok('lvcreate', '-m', '1', '-l', '2', '-n', 'r', 'vg', '/dev/loop0', '/dev/loop1');
  const data = randomBytes(8 * MiB);
  await lab.write('vg/r', data);
  await lab.settle('vg/r');
  return data;
}

/** Each rmeta's bytes (superblock, bitmap, checksum table) and each image's, hashed. */
async function subLvHashes(vg: string): Promise<string[]> {
  const out: string[] = [];
  for (const n of ['r_rmeta_0', 'r_rmeta_1']) out.push(sha(await lab.legBytes(`${vg}/${n}`, 0, 4 * MiB)));
  for (const n of ['r_rimage_0', 'r_rimage_1']) out.push(sha(await lab.legBytes(`${vg}/${n}`, 0, 8 * MiB)));
  return out;
}

describe('vgsplit and vgmerge of raid1', { timeout: 300_000 }, () => {
  it('splits PVs no raid LV uses (a raid1 elsewhere in the VG does not stand in the way)', async () => {
    await raidWithData();
    await lab.ok('lvcreate', '-an', '-Zn', '-l', '2', '-n', 'lin', 'vg', '/dev/loop2');
    await lab.ok('vgchange', '-an', 'vg');
    expect((await lab.ok('vgsplit', 'vg', 'new', '/dev/loop2')).stdout).toBe('  New volume group "new" successfully split from "vg"');
    expect(await rows('lvs', '-a', '-o', 'lv_name,vg_name')).toEqual(['lin new', 'r vg', '[r_rimage_0] vg', '[r_rimage_1] vg', '[r_rmeta_0] vg', '[r_rmeta_1] vg']);
  });

  it('refuses to split a raid1 LV between two VGs (an image PV alone, or with the active LV), changing nothing', async () => {
    await raidWithData();
    expect(await lab.failsUnchanged(5, 'vgsplit', 'vg', 'new', '/dev/loop0', '/dev/loop1')).toBe('  Logical volume vg/r must be inactive.');
    await lab.ok('lvchange', '-an', 'vg/r');
    expect(await lab.failsUnchanged(5, 'vgsplit', 'vg', 'new', '/dev/loop1')).toBe("  Can't split LV r between two Volume Groups");
    // an image moved away from its rmeta by pvmove: that PV alone also holds part of r
    await lab.ok('lvchange', '-ay', 'vg/r');
    await lab.ok('pvmove', '-n', 'r_rimage_1', '/dev/loop1', '/dev/loop3');
    await lab.ok('lvchange', '-an', 'vg/r');
    expect(await lab.failsUnchanged(5, 'vgsplit', 'vg', 'new', '/dev/loop0', '/dev/loop1')).toBe("  Can't split LV r between two Volume Groups");
    expect(await lab.failsUnchanged(5, 'vgsplit', 'vg', 'new', '/dev/loop3')).toBe("  Can't split LV r between two Volume Groups");
  });

  it('moves a raid1 LV with its images and rmetas, data and rmeta bytes unchanged, and back with vgmerge', async () => {
    const data = await raidWithData();
    await lab.ok('lvchange', '-an', 'vg/r');
    const before = await subLvHashes('vg');
    await lab.ok('vgsplit', '-n', 'r', 'vg', 'new');
    expect(await rows('lvs', '-a', '-o', 'lv_name,vg_name,devices', 'new')).toEqual([
      'r new r_rimage_0(0),r_rimage_1(0)', '[r_rimage_0] new /dev/loop0(1)', '[r_rimage_1] new /dev/loop1(1)',
      '[r_rmeta_0] new /dev/loop0(0)', '[r_rmeta_1] new /dev/loop1(0)',
    ]);
    expect(await subLvHashes('new')).toEqual(before);
    await lab.ok('lvchange', '-ay', 'new/r');
    expect((await lab.read('new/r', 8)).equals(data)).toBe(true);
    expect(await lab.lvField('new/r', 'copy_percent')).toBe('100.00');
    // the rmetas still belong to the LV: a check finds the images identical and the checksums right
    await lab.syncaction('new/r', 'check');
    expect(await lab.lvField('new/r', 'raid_mismatch_count')).toBe('0');
    await lab.ok('lvchange', '-an', 'new/r');
    await lab.ok('vgmerge', 'vg', 'new');
    expect(await subLvHashes('vg')).toEqual(before);
    await lab.ok('lvchange', '-ay', 'vg/r');
    expect((await lab.read('vg/r', 8)).equals(data)).toBe(true);
  });
});

describe('pvmove of raid1 sub-LVs', { timeout: 300_000 }, () => {
  it('keeps the images on distinct PVs: every PV of the raid LV is avoided', async () => {
    const data = await raidWithData();
    await lab.ok('pvmove', '/dev/loop1');
    expect(await rows('lvs', '-a', '-o', 'lv_name,devices', 'vg')).toEqual([
      'r r_rimage_0(0),r_rimage_1(0)', '[r_rimage_0] /dev/loop0(1)', '[r_rimage_1] /dev/loop2(0)',
      '[r_rmeta_0] /dev/loop0(0)', '[r_rmeta_1] /dev/loop2(2)',
    ]);
    expect((await lab.read('vg/r', 8)).equals(data)).toBe(true);
    expect((await lab.legBytes('vg/r_rimage_1', 0, 8 * MiB)).equals(data)).toBe(true);
    expect((await lab.legBytes('vg/r_rmeta_1', 0, 4 * MiB)).equals(await lab.legBytes('vg/r_rmeta_0', 0, 4 * MiB))).toBe(false);
    // the moved rmeta's bitmap and checksum table are those of image 1: a check is clean
    expect(sha((await lab.legBytes('vg/r_rmeta_1', 4096, MiB - 4096)))).toBe(sha(await lab.legBytes('vg/r_rmeta_0', 4096, MiB - 4096)));
    await lab.syncaction('vg/r', 'check');
    expect(await lab.lvField('vg/r', 'raid_mismatch_count')).toBe('0');
  });

  it('refuses a destination holding another image; -n LV_rimage_N may go beside its own rmeta', async () => {
    const data = await raidWithData();
    // LVM2 2.03.16 builds the sibling of an rmeta wrongly (the oracle's answer): -n LV_rmeta_N never works
    expect(await lab.failsUnchanged(5, 'pvmove', '-n', 'r_rmeta_1', '/dev/loop1', '/dev/loop2')).toBe("  Can't find sub LV r_rimage__.");
    await lab.ok('pvmove', '-n', 'r_rimage_1', '/dev/loop1', '/dev/loop2');
    const err = await lab.failsUnchanged(5, 'pvmove', '-n', 'r_rimage_0', '/dev/loop0', '/dev/loop2');
    expect(err).toBe('  Insufficient free space: 2 extents needed, but only 0 available\n'
      + '  Unable to allocate mirror extents for vg/pvmove0.\n  Failed to convert pvmove LV to mirrored.');
    // rimage_1 back to loop1 where its rmeta_1 is: the sibling's PV is allowed
    await lab.ok('pvmove', '-n', 'r_rimage_1', '/dev/loop2', '/dev/loop1');
    expect(await rows('lvs', '-a', '-o', 'lv_name,devices', 'vg/r_rimage_1')).toEqual(['[r_rimage_1] /dev/loop1(1)']);
    expect((await lab.legBytes('vg/r_rimage_1', 0, 8 * MiB)).equals(data)).toBe(true);
    await lab.syncaction('vg/r', 'check');
    expect(await lab.lvField('vg/r', 'raid_mismatch_count')).toBe('0');
  });
});
