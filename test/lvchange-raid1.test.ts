// lvchange's raid1 options (LVM2 test/shell/lvchange-raid.sh, lvchange-raid1-writemostly.sh in
// spirit): --syncaction check|repair counting and repairing mismatched regions (dm-raid's rule:
// copies that differ from the primary), --writemostly, --writebehind, recovery rates, --rebuild.
import { openSync, closeSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RaidLab } from './helpers/raid.js';

const MiB = 1024 * 1024;

let lab: RaidLab;
beforeEach(async () => {
  lab = new RaidLab('tsvm-lvchange-raid1-');
  lab.prepareDevs(3, 200);
  await lab.ok('pvcreate', '/dev/loop0', '/dev/loop1', '/dev/loop2');
  await lab.ok('vgcreate', 'vg', '/dev/loop0', '/dev/loop1', '/dev/loop2');
  await lab.ok('lvcreate', '-m', '1', '-L', '16m', '-n', 'lv', 'vg');
});
afterEach(() => lab.cleanup());

async function idle(): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if ((await lab.lvField('vg/lv', 'raid_sync_action')) === 'idle') return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('lvchange --syncaction', () => {
  it('check counts the regions whose copies differ, repair mends them, a second check finds none', async () => {
    await lab.write('vg/lv', randomBytes(16 * MiB));
    await lab.settle('vg/lv');
    // Rot in rimage_1 (loop1, extent 1 onwards) at 5 MiB of the LV: region 2.
    const fd = openSync(join(lab.devDir, 'loop1'), 'r+');
    writeSync(fd, Buffer.from('rot!'), 0, 4, MiB + 4 * MiB + 5 * MiB);
    closeSync(fd);
    await lab.ok('lvchange', '--syncaction', 'check', 'vg/lv');
    await idle();
    expect(await lab.lvField('vg/lv', 'raid_mismatch_count')).toBe('1');
    expect(await lab.lvField('vg/lv', 'lv_attr')).toBe('rwi-a-r-m-');
    expect(await lab.lvField('vg/lv', 'lv_health_status')).toBe('mismatches exist');
    await lab.ok('lvchange', '--syncaction', 'repair', 'vg/lv');
    await idle();
    await lab.ok('lvchange', '--syncaction', 'check', 'vg/lv');
    await idle();
    expect(await lab.lvField('vg/lv', 'raid_mismatch_count')).toBe('0');
    expect((await lab.legBytes('vg/lv_rimage_0', 0, 16 * MiB)).equals(await lab.legBytes('vg/lv_rimage_1', 0, 16 * MiB))).toBe(true);
  }, 120_000);

  it('refusals as lv_raid_message gives them', async () => {
    await lab.ok('lvcreate', '-L', '4m', '-n', 'lin', 'vg');
    expect(await lab.failsUnchanged(5, 'lvchange', '--syncaction', 'check', 'vg/lin')).toContain('vg/lin must be a RAID logical volume to perform this action.');
    await lab.ok('lvchange', '-an', 'vg/lv');
    expect(await lab.failsUnchanged(5, 'lvchange', '--syncaction', 'check', 'vg/lv')).toContain('Unable to send message to an inactive logical volume.');
  });
});

describe('raid1 settings', () => {
  it('--writemostly, --writebehind and the recovery rates are kept in metadata and reported', async () => {
    await lab.settle('vg/lv');
    expect((await lab.ok('lvchange', '--writemostly', '/dev/loop1', 'vg/lv')).stdout).toBe('  Logical volume vg/lv changed.');
    expect(await lab.lvField('vg/lv_rimage_1', 'lv_attr', '-a')).toBe('iwi-aor-w-');
    expect(await lab.failsUnchanged(5, 'lvchange', '--writemostly', '/dev/loop0', 'vg/lv')).toContain("Can't set all images of raid1 LV vg/lv to writemostly.");
    await lab.ok('lvchange', '--writemostly', '/dev/loop1:n', '--writebehind', '512', 'vg/lv');
    expect(await lab.lvField('vg/lv_rimage_1', 'lv_attr', '-a')).toBe('iwi-aor---');
    expect(await lab.lvField('vg/lv', 'raid_write_behind')).toBe('512');
    await lab.ok('lvchange', '--maxrecoveryrate', '10M', '--minrecoveryrate', '1M', 'vg/lv');
    expect(await lab.lvField('vg/lv', 'raid_max_recovery_rate')).toBe('10240');
    expect(await lab.lvField('vg/lv', 'raid_min_recovery_rate')).toBe('1024');
    expect(await lab.failsUnchanged(5, 'lvchange', '--minrecoveryrate', '20M', 'vg/lv')).toContain('Minimum recovery rate cannot be higher than maximum.');
  });

  it('--rebuild PV recopies that image from the other', async () => {
    const data = randomBytes(16 * MiB);
    await lab.write('vg/lv', data);
    await lab.settle('vg/lv');
    const fd = openSync(join(lab.devDir, 'loop1'), 'r+');
    writeSync(fd, Buffer.alloc(MiB, 7), 0, MiB, MiB + 4 * MiB);
    closeSync(fd);
    await lab.ok('lvchange', '-y', '--rebuild', '/dev/loop1', 'vg/lv');
    await lab.settle('vg/lv');
    expect((await lab.legBytes('vg/lv_rimage_1', 0, 16 * MiB)).equals(data)).toBe(true);
    expect(await lab.failsUnchanged(5, 'lvchange', '-y', '--rebuild', '/dev/loop2', 'vg/lv')).toContain('Logical volume vg/lv does not contain devices specified to rebuild.');
  }, 120_000);
});
