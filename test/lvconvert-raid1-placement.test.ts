// Where `lvconvert -m +N` puts the images it adds to a raid1 LV, as LVM2 2.03.16 allocates them
// (raid_manip.c _raid_add_images -> _alloc_image_components: build_parallel_areas_from_lv(lv, 0, 1)
// keeps every PV of the LV out; normal allocation sorts the candidate areas by what they can give,
// largest first, keeping the VG's PV order among equals; each area is
// an rmeta followed by its rimage; the rmeta is sized by _raid_rmeta_extents for the image extents
// times the count, as for raid0_meta). The metadata-only oracle refuses raid conversions ("vg/r must
// be active to perform this operation."), so these come from the source, not from a transcript.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RaidLab } from './helpers/raid.js';

let lab: RaidLab;
beforeEach(() => {
  lab = new RaidLab('tsvm-raid1-place-');
});
afterEach(() => lab.cleanup());

const rows = async (...a: string[]) => (await lab.ok(...a, '--noheadings')).stdout.split('\n').map((l) => l.trim().replace(/\s+/g, ' ')).filter(Boolean);

describe('lvconvert -m +N of raid1: placement', { timeout: 300_000 }, () => {
  it('new images avoid the LV\'s PVs and take the first PV (VG order) with room for rmeta + rimage', async () => {
    lab.prepareDevs(5, 64);
    await lab.ok('vgcreate', 'vg', '/dev/loop0', '/dev/loop1', '/dev/loop2', '/dev/loop3', '/dev/loop4');
    await lab.ok('lvcreate', '-m', '1', '-l', '2', '-n', 'r', 'vg', '/dev/loop0', '/dev/loop1');
    // loop2 keeps 2 free extents (too few for a 1-extent rmeta and a 2-extent rimage), loop4 10
    await lab.ok('lvcreate', '-l', '13', '-n', 'big', 'vg', '/dev/loop2');
    await lab.ok('lvcreate', '-l', '5', '-n', 'mid', 'vg', '/dev/loop4');
    await lab.settle('vg/r');
    await lab.ok('lvconvert', '-y', '-m', '+1', 'vg/r');
    await lab.settle('vg/r');
    await lab.ok('lvconvert', '-y', '-m', '+1', 'vg/r');
    await lab.settle('vg/r');
    // (LVM2 sorts candidate areas by the extents they can give, largest first, stably: every PV
    // with room gives the whole request, so the first such PV in the VG wins)
    expect(await rows('lvs', '-a', '-o', 'lv_name,devices', 'vg/r_rimage_2', 'vg/r_rmeta_2', 'vg/r_rimage_3', 'vg/r_rmeta_3')).toEqual([
      '[r_rimage_2] /dev/loop3(1)', '[r_rimage_3] /dev/loop4(6)', '[r_rmeta_2] /dev/loop3(0)', '[r_rmeta_3] /dev/loop4(5)',
    ]);
    // no PV left without an image of r but loop2, too small: refused, nothing changed
    const err = await lab.failsUnchanged(5, 'lvconvert', '-y', '-m', '+1', 'vg/r');
    expect(err).toContain('Insufficient suitable allocatable extents');
  });

  it('the added rmeta is sized for the image as it is now (an lvextend never grew the old ones)', async () => {
    lab.prepareDevs(3, 400);
    await lab.ok('vgcreate', '-s', '8k', 'vg', '/dev/loop0', '/dev/loop1', '/dev/loop2');
    await lab.ok('lvcreate', '-m', '1', '-R', '4k', '-L', '100m', '-n', 'r', 'vg', '/dev/loop0', '/dev/loop1');
    await lab.settle('vg/r');
    await lab.ok('lvextend', '-L', '300m', 'vg/r');
    await lab.settle('vg/r');
    await lab.ok('lvconvert', '-y', '-m', '+1', 'vg/r');
    await lab.settle('vg/r');
    // 76800 regions: 8 KiB of superblocks + 9600 bytes of bitmap = 35 sectors = 3 extents of 8 KiB
    expect(await rows('lvs', '-a', '-o', 'lv_name,lv_size', 'vg/r_rmeta_0', 'vg/r_rmeta_2')).toEqual(['[r_rmeta_0] 16.00k', '[r_rmeta_2] 24.00k']);
    expect(await lab.lvField('vg/r', 'copy_percent')).toBe('100.00');
  });
});
