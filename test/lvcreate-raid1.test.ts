// raid1 as LVM2 2.03 makes it (lvcreate --type raid1, and -m N without --type): layout, reports,
// data on every image, the rmeta superblock and write-intent bitmap, and the refusals of
// tools/lvcreate.c. Expected report lines are derived from LVM2's test suite (test/shell/
// lvcreate-raid.sh, lvcreate-mirror.sh: "lv_rimage_0"/"lv_rmeta_0" on the same PV, attrs rwi-a-r---,
// iwi-aor---, ewi-aor---), not recorded: the metadata-only oracle cannot create raid LVs.
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RaidLab } from './helpers/raid.js';

const MiB = 1024 * 1024;

let lab: RaidLab;
beforeEach(async () => {
  lab = new RaidLab('tsvm-raid1-');
  lab.prepareDevs(4, 200);
  await lab.ok('pvcreate', '/dev/loop0', '/dev/loop1', '/dev/loop2', '/dev/loop3');
  await lab.ok('vgcreate', 'vg', '/dev/loop0', '/dev/loop1', '/dev/loop2', '/dev/loop3');
});
afterEach(() => lab.cleanup());

describe('lvcreate -m 1 without --type (global/mirror_segtype_default = raid1)', () => {
  it('makes a raid1 LV laid out as LVM2 lays it out, with LVM2 attrs', async () => {
    const r = await lab.ok('lvcreate', '-m', '1', '-L', '40m', '-n', 'lv', 'vg');
    expect(r.stdout).toBe('  Logical volume "lv" created.');
    await lab.settle('vg/lv');
    const lvs = await lab.ok('lvs', '-a', '-o', 'name,attr,size,copy_percent,devices', 'vg');
    expect(lvs.stdout).toBe([
      '  LV            Attr       LSize  Cpy%Sync Devices                      ',
      '  lv            rwi-a-r--- 40.00m   100.00 lv_rimage_0(0),lv_rimage_1(0)',
      '  [lv_rimage_0] iwi-aor--- 40.00m          /dev/loop0(1)                ',
      '  [lv_rimage_1] iwi-aor--- 40.00m          /dev/loop1(1)                ',
      '  [lv_rmeta_0]  ewi-aor---  4.00m          /dev/loop0(0)                ',
      '  [lv_rmeta_1]  ewi-aor---  4.00m          /dev/loop1(0)                ',
    ].join('\n'));
    const f = await lab.ok('lvs', '--noheadings', '--separator', '|', '-o',
      'segtype,lv_layout,region_size,data_copies,raid_sync_action,raid_mismatch_count,lv_health_status,raid_write_behind,raid_min_recovery_rate,raid_max_recovery_rate',
      'vg/lv');
    expect(f.stdout.trim()).toBe('raid1|raid,raid1|2.00m|2|idle|0||||');
    const roles = await lab.ok('lvs', '-a', '--noheadings', '-o', 'lv_role', 'vg');
    expect(roles.stdout.split('\n').map((l) => l.trim())).toEqual(['public', 'private,raid,image', 'private,raid,image', 'private,raid,metadata', 'private,raid,metadata']);
  });

  it('honours global/mirror_segtype_default = "mirror"', async () => {
    await lab.ok('lvcreate', '--config', 'global/mirror_segtype_default="mirror"', '-m', '1', '-L', '8m', '-n', 'm', 'vg');
    expect(await lab.lvField('vg/m', 'segtype')).toBe('mirror');
  });

  it('-m 2 --nosync: three images, NOTSYNCED, "R" attr, 100% at once', async () => {
    const r = await lab.ok('lvcreate', '--type', 'raid1', '-m', '2', '--nosync', '-L', '12m', '-n', 'lv', 'vg');
    expect(r.stderr).toContain("WARNING: New raid1 won't be synchronised. Don't read what you didn't write!");
    expect(await lab.lvField('vg/lv', 'lv_attr')).toBe('Rwi-a-r---');
    expect(await lab.lvField('vg/lv', 'copy_percent')).toBe('100.00');
    expect(await lab.lvField('vg/lv', 'devices')).toBe('lv_rimage_0(0),lv_rimage_1(0),lv_rimage_2(0)');
  });

  it('-R sets the region size; --maxrecoveryrate is kept in kiB/sec as LVM2 records it', async () => {
    await lab.ok('lvcreate', '--type', 'raid1', '-m', '1', '-R', '512k', '--maxrecoveryrate', '10M', '-L', '12m', '-n', 'lv', 'vg');
    expect(await lab.lvField('vg/lv', 'region_size')).toBe('512.00k');
    expect(await lab.lvField('vg/lv', 'raid_max_recovery_rate')).toBe('10240');
  });
});

describe('raid1 data', () => {
  it('every write lands on every image; the rmetas hold the superblock and the bitmap', async () => {
    await lab.ok('lvcreate', '-m', '1', '-L', '40m', '-n', 'lv', 'vg');
    const data = randomBytes(40 * MiB);
    await lab.write('vg/lv', data);
    await lab.settle('vg/lv');
    expect((await lab.read('vg/lv', 40)).equals(data)).toBe(true);
    for (const img of ['vg/lv_rimage_0', 'vg/lv_rimage_1']) expect((await lab.legBytes(img, 0, 40 * MiB)).equals(data)).toBe(true);
    for (const k of [0, 1]) {
      const sb = await lab.legBytes(`vg/lv_rmeta_${k}`, 0, 128);
      expect(sb.toString('latin1', 0, 4)).toBe('DmRd');
      expect(sb.readUInt32LE(8)).toBe(2); // num_devices
      expect(sb.readUInt32LE(12)).toBe(k); // array_position
      expect(sb.toString('latin1', 64, 64 + 38)).toBe(await lab.lvField('vg/lv', 'lv_uuid'));
      expect(await lab.dirtyRegions('vg/lv', k)).toEqual([]);
    }
  }, 60_000);

  it('lvrename renames the sub-LVs and the rmeta references; lvremove frees everything', async () => {
    await lab.ok('lvcreate', '-m', '1', '-L', '8m', '-n', 'lv', 'vg');
    await lab.ok('lvrename', 'vg', 'lv', 'lv2');
    expect((await lab.ok('lvs', '-a', '--noheadings', '-o', 'name', 'vg')).stdout.split('\n').map((s) => s.trim()))
      .toEqual(['lv2', '[lv2_rimage_0]', '[lv2_rimage_1]', '[lv2_rmeta_0]', '[lv2_rmeta_1]']);
    expect(await lab.failsUnchanged(5, 'lvremove', '-y', 'vg/lv2_rmeta_0')).toContain("Can't remove logical volume vg/lv2_rmeta_0 used as RAID device.");
    await lab.ok('lvremove', '-y', 'vg/lv2');
    expect((await lab.ok('lvs', '-a', '--noheadings', 'vg')).stdout).toBe('');
    expect((await lab.ok('vgs', '--noheadings', '-o', 'vg_free_count', 'vg')).stdout.trim()).toBe('196');
  });
});

describe('lvcreate raid1 refusals (tools/lvcreate.c) change nothing', () => {
  it.each([
    [['--type', 'raid1', '-m', '0', '-L', '8m', 'vg'], '--mirrors must be at least 1 with segment type raid1.'],
    // (oracle: no variant of lvcreate --type raid1 takes --mirrorlog, nor a linear one --maxrecoveryrate)
    [['--type', 'raid1', '-m', '1', '--mirrorlog', 'core', '-L', '8m', 'vg'], 'Command does not accept option: --mirrorlog core.'],
    [['--type', 'raid1', '-m', '1', '--minrecoveryrate', '10M', '-L', '8m', 'vg'], 'Minimum recovery rate cannot be higher than maximum.'],
    [['-L', '8m', '--maxrecoveryrate', '1M', 'vg'], 'Command does not accept option: --maxrecoveryrate 1M.'],
    [['--type', 'raid1', '-m', '64', '-L', '8m', 'vg'], 'Only up to 64 mirrors in raid1 supported currently.'],
  ])('lvcreate %j', async (args, msg) => {
    expect(await lab.failsUnchanged(3, 'lvcreate', ...args)).toContain(msg);
  });

  it('not enough PVs for the images: LVM2 allocation error, exit 5', async () => {
    const err = await lab.failsUnchanged(5, 'lvcreate', '-m', '4', '-L', '8m', '-n', 'lv', 'vg');
    expect(err).toContain('Insufficient suitable allocatable extents');
  });
});
