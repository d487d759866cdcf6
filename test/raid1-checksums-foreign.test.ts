// A raid1 LV written by another writer than tsvm (issue 11): the real LVM2's dm-raid, activating the
// LV, puts md's write-intent bitmap in each rmeta at 4 KiB, where tsvm keeps its own, and writes
// the data without updating tsvm's checksum table. Simulated here straight in the PV image files
// (no device-mapper on this machine): md's bitmap superblock on both rmetas, and newer data written
// to image 0 only, as while image 1 was out of the array. tsvm must take the table for stale, not
// for a judge of which copy is right: the resync keeps the primary's newer data on both images
// (with the old checksums as hints it would copy image 1's old data back over it), reads report no
// rot, and a check afterwards finds nothing.
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { RaidLab } from './helpers/raid.js';

const MiB = 1024 * 1024;
let lab: RaidLab;

beforeEach(async () => {
  lab = new RaidLab('tsvm-raid1-foreign-');
  lab.prepareDevs(2, 100);
  mkdirSync(lab.systemDir, { recursive: true });
  writeFileSync(join(lab.systemDir, 'lvm.conf'), 'activation {\n  monitoring = 0\n}\n');
  await lab.ok('pvcreate', '/dev/loop0', '/dev/loop1');
  await lab.ok('vgcreate', 'vg', '/dev/loop0', '/dev/loop1');
});
afterEach(() => lab.cleanup());

it("md's bitmap in the rmetas: the checksum table is forgotten, the resync keeps the primary's newer data", async () => {
  await lab.ok('lvcreate', '-y', '-m', '1', '-L', '8m', '-n', 'r', 'vg');
  const old = randomBytes(8 * MiB);
  await lab.write('vg/r', old);
  await lab.settle('vg/r');
  await lab.ok('lvchange', '-an', 'vg/r');
  // md's bitmap superblock (bitmap_super_t: le32 magic "bitm", le32 version 4) where tsvm's bitmap was
  const md = Buffer.alloc(256);
  md.writeUInt32LE(0x6d746962, 0);
  md.writeUInt32LE(4, 4);
  for (const k of [0, 1]) await lab.putBytes(`vg/r_rmeta_${k}`, 4096, md);
  // the other writer's data, on image 0 only (image 1 was out of the array meanwhile)
  const newer = randomBytes(MiB);
  await lab.putBytes('vg/r_rimage_0', 2 * MiB, newer);
  const want = Buffer.concat([old.subarray(0, 2 * MiB), newer, old.subarray(3 * MiB)]);
  await lab.ok('lvchange', '-ay', 'vg/r');
  await lab.settle('vg/r');
  for (const k of [0, 1]) expect((await lab.legBytes(`vg/r_rimage_${k}`, 0, 8 * MiB)).equals(want), `image ${k}`).toBe(true);
  const r = await lab.ok('dd', 'if=/dev/vg/r', 'of=/dev/null', 'bs=1M', 'status=none');
  expect(r.stderr).toBe('');
  expect((await lab.read('vg/r', 8)).equals(want)).toBe(true);
  await lab.syncaction('vg/r', 'check');
  expect(await lab.lvField('vg/r', 'raid_mismatch_count')).toBe('0');
  // the resync recorded the checksums of what it copied: rot in the newer data is healed again
  await lab.rot('vg/r_rimage_0', 2 * MiB + 100);
  const back = await lab.run('dd', 'if=/dev/vg/r', 'of=/dev/null', 'bs=1M', 'status=none');
  expect(back.stderr).toContain('WARNING: vg/r: checksum mismatch at offset 2097152 on vg/r_rimage_0: rewritten from vg/r_rimage_1.');
  expect((await lab.legBytes('vg/r_rimage_0', 0, 8 * MiB)).equals(want)).toBe(true);
}, 180_000);

// The LV resized by a metadata change alone, tsvm's bitmap and checksum table left for the old size
// (the real LVM2's lvextend of the inactive LV does this; here tsvm's own vgcfgrestore of a backup
// taken before an lvreduce). No other writer wrote (its bitmap would be md's): the regions kept keep
// their sync state and their checksums, and only the new regions are resynced. Before, this looked
// like another writer's LV: the table was forgotten and the full resync copied the primary blindly,
// rot on it included, over the other image.
it('resized behind the table (vgcfgrestore of a larger size): rot on the primary is not copied over the good image', async () => {
  await lab.ok('lvcreate', '-y', '-m', '1', '-L', '12m', '-n', 'r', 'vg');
  const data = randomBytes(12 * MiB);
  await lab.write('vg/r', data);
  await lab.settle('vg/r');
  const backup = join(lab.dir, 'vg-12m');
  await lab.ok('vgcfgbackup', '-f', backup, 'vg');
  await lab.ok('lvreduce', '-y', '-L', '8m', 'vg/r');
  await lab.ok('lvchange', '-an', 'vg/r');
  await lab.ok('vgcfgrestore', '-f', backup, 'vg');
  expect(await lab.lvField('vg/r', 'lv_size', '--units', 'm')).toBe('12.00m');
  await lab.rot('vg/r_rimage_0', 3 * MiB + 100);
  await lab.ok('lvchange', '-ay', 'vg/r');
  await lab.settle('vg/r');
  // The image without rot kept its bytes; the region log lists the kept regions in sync, the new ones were copied.
  expect((await lab.legBytes('vg/r_rimage_1', 0, 12 * MiB)).equals(data)).toBe(true);
  expect(await lab.dirtyRegions('vg/r')).toEqual([]);
  const r = await lab.run('dd', 'if=/dev/vg/r', 'of=/dev/null', 'bs=1M', 'status=none');
  expect(r.stderr).toContain('WARNING: vg/r: checksum mismatch at offset 3145728 on vg/r_rimage_0: rewritten from vg/r_rimage_1.');
  expect((await lab.read('vg/r', 12)).equals(data)).toBe(true);
  for (const k of [0, 1]) expect((await lab.legBytes(`vg/r_rimage_${k}`, 0, 12 * MiB)).equals(data), `image ${k}`).toBe(true);
}, 180_000);
