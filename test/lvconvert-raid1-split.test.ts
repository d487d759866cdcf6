// raid1 splits (LVM2 test/shell/lvconvert-raid.sh "--splitmirrors", "--trackchanges", "--merge" in
// spirit): a plain split makes an independent LV; a tracked split keeps the image in the array's
// metadata while both it and the LV are written (tsvm's addition: LVM2 keeps the image read-only),
// and --mergemirrors recopies exactly the union of the regions written on either side.
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RaidLab } from './helpers/raid.js';

const MiB = 1024 * 1024;

let lab: RaidLab;
beforeEach(async () => {
  lab = new RaidLab('tsvm-raid1-split-');
  lab.prepareDevs(3, 200);
  await lab.ok('pvcreate', '/dev/loop0', '/dev/loop1', '/dev/loop2');
  await lab.ok('vgcreate', 'vg', '/dev/loop0', '/dev/loop1', '/dev/loop2');
  await lab.ok('lvcreate', '-m', '2', '-L', '32m', '-n', 'lv', 'vg');
});
afterEach(() => lab.cleanup());

describe('lvconvert --splitmirrors 1 --name of a raid1 LV', () => {
  it('the last image becomes an independent LV with the data of the split instant', async () => {
    const data = randomBytes(32 * MiB);
    await lab.write('vg/lv', data);
    await lab.settle('vg/lv');
    const r = await lab.ok('lvconvert', '-y', '--splitmirrors', '1', '--name', 'copy', 'vg/lv');
    expect(r.stdout).toBe('');
    expect((await lab.ok('lvs', '-a', '--noheadings', '-o', 'name,attr,devices', 'vg')).stdout.split('\n').map((l) => l.trim().replace(/\s+/g, ' '))).toEqual([
      'copy -wi-a----- /dev/loop2(1)', 'lv rwi-a-r--- lv_rimage_0(0),lv_rimage_1(0)', '[lv_rimage_0] iwi-aor--- /dev/loop0(1)',
      '[lv_rimage_1] iwi-aor--- /dev/loop1(1)', '[lv_rmeta_0] ewi-aor--- /dev/loop0(0)', '[lv_rmeta_1] ewi-aor--- /dev/loop1(0)',
    ]);
    await lab.write('vg/lv', randomBytes(MiB));
    expect((await lab.read('vg/copy', 32)).equals(data)).toBe(true);
    expect(await lab.failsUnchanged(5, 'lvconvert', '-y', '--splitmirrors', '2', '--name', 'c2', 'vg/lv')).toContain('Unable to split images by specified amount.');
  }, 120_000);
});

describe('--splitmirrors 1 --trackchanges, then --mergemirrors', () => {
  it('both halves stay writable; the merge recopies only the union of the written regions', async () => {
    const data = randomBytes(32 * MiB);
    await lab.write('vg/lv', data);
    await lab.settle('vg/lv');
    const r = await lab.ok('lvconvert', '--splitmirrors', '1', '--trackchanges', 'vg/lv');
    expect(r.stdout).toContain('  vg/lv_rimage_2 split from vg/lv for read-only purposes.');
    expect(r.stdout).toContain("  Use 'lvconvert --merge vg/lv_rimage_2' to merge back into vg/lv.");
    expect(await lab.lvField('vg/lv_rimage_2', 'lv_attr')).toBe('Iwi-a-r---');
    expect(await lab.failsUnchanged(5, 'lvconvert', '--splitmirrors', '1', '--trackchanges', 'vg/lv')).toContain('Cannot track more than one split image at a time.');
    // Region 1 (2..4 MiB) and 5 on the LV; region 9 and 5 on the split image.
    const a = randomBytes(MiB);
    const b = randomBytes(MiB);
    await lab.write('vg/lv', a, 2);
    await lab.write('vg/lv', a, 10);
    await lab.write('vg/lv_rimage_2', b, 18);
    await lab.write('vg/lv_rimage_2', b, 11);
    // the image has its own writes and not the LV's
    expect((await lab.read('vg/lv_rimage_2', 1, 18)).equals(b)).toBe(true);
    expect((await lab.read('vg/lv_rimage_2', 1, 2)).equals(data.subarray(2 * MiB, 3 * MiB))).toBe(true);
    const m = await lab.ok('lvconvert', '--mergemirrors', 'vg/lv_rimage_2');
    expect(m.stdout).toContain('  tsvm: 3 regions (6.00 MiB) recopied from vg/lv to vg/lv_rimage_2: 2 written on vg/lv, 2 on vg/lv_rimage_2 since the split.');
    expect(m.stdout).toContain('  vg/lv_rimage_2 successfully merged back into vg/lv.');
    await lab.settle('vg/lv');
    const uuid = await lab.lvField('vg/lv', 'lv_uuid');
    const { readFileSync } = await import('node:fs');
    const st = JSON.parse(readFileSync(`${lab.systemDir}/run/mirror-${uuid}.lastsync.json`, 'utf8'));
    expect(st.regionsSynced).toBe(3);
    // every image holds the LV's content (the image's own writes are overwritten by the LV's)
    const want = Buffer.from(data);
    a.copy(want, 2 * MiB);
    a.copy(want, 10 * MiB);
    for (const img of ['vg/lv_rimage_0', 'vg/lv_rimage_1', 'vg/lv_rimage_2']) {
      expect((await lab.legBytes(img, 0, 32 * MiB)).equals(want), img).toBe(true);
    }
  }, 120_000);
});
