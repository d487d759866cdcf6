// Automatic raid fault handling in the I/O path (LVM2's dmeventd raid plugin, dmeventd_raid.c:
// "WARNING: Device #N of raid1 array, VG-LV, has failed." then `lvconvert --repair --use-policies`):
// activation/raid_fault_policy "warn" (the default) leaves the LV running degraded and says how to
// repair it; "allocate" replaces the image from free PVs and rebuilds it. Images are checked byte
// for byte straight from the PV image files.
import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RaidLab } from './helpers/raid.js';

const MiB = 1024 * 1024;
let lab: RaidLab;
let data: Buffer;

beforeEach(async () => {
  lab = new RaidLab('tsvm-raid1-policy-');
  lab.prepareDevs(4, 64);
  await lab.ok('vgcreate', 'vg', '/dev/loop0', '/dev/loop1', '/dev/loop2', '/dev/loop3');
  await lab.ok('lvcreate', '-m', '1', '-l', '4', '-n', 'r', 'vg', '/dev/loop0', '/dev/loop1');
  data = randomBytes(16 * MiB);
  await lab.write('vg/r', data);
  await lab.settle('vg/r');
});
afterEach(() => lab.cleanup());

const conf = (policy: string) => writeFileSync(join(lab.systemDir, 'lvm.conf'), `activation {\n  raid_fault_policy = "${policy}"\n}\n`);
const rows = async (...a: string[]) => (await lab.ok(...a, '--noheadings')).stdout.split('\n').map((l) => l.trim().replace(/\s+/g, ' ')).filter(Boolean);

/** Write `more` at `atMiB` through tsvm dd; returns its stderr (dmeventd's and lvconvert's messages). */
async function writeThrough(more: Buffer, atMiB: number): Promise<string> {
  const f = join(lab.dir, 'more');
  writeFileSync(f, more);
  const r = await lab.ok('dd', `if=${f}`, 'of=/dev/vg/r', 'bs=1M', `seek=${atMiB}`, 'conv=notrunc,fsync', 'status=none');
  more.copy(data, atMiB * MiB);
  return r.stderr;
}

describe('raid_fault_policy in the I/O path', { timeout: 300_000 }, () => {
  it('warn (the default): an image failing with EIO during a dd is marked failed, the LV runs degraded and in sync', async () => {
    await lab.ok('fault', 'add', '/dev/loop1', '--error', '--write');
    const err = await writeThrough(randomBytes(4 * MiB), 2);
    expect(err).toBe("  WARNING: Device #1 of raid1 array, vg-r, has failed.\n  Use 'lvconvert --repair vg/r' to replace failed device.");
    // nothing allocated; the image is out of service, the LV in sync on the survivor
    expect(await rows('lvs', '-a', '-o', 'lv_name,lv_attr,copy_percent,devices,lv_health_status', 'vg')).toEqual([
      'r rwi-a-r-r- 100.00 r_rimage_0(0),r_rimage_1(0) refresh needed',
      '[r_rimage_0] iwi-aor--- /dev/loop0(1)', '[r_rimage_1] Iwi-aor-r- /dev/loop1(1) refresh needed',
      '[r_rmeta_0] ewi-aor--- /dev/loop0(0)', '[r_rmeta_1] ewi-aor-r- /dev/loop1(0) refresh needed',
    ]);
    expect((await lab.read('vg/r', 16)).equals(data)).toBe(true);
    expect((await lab.legBytes('vg/r_rimage_0', 0, 16 * MiB)).equals(data)).toBe(true);
    // later writes go on degraded, with the warning once per writer
    expect(await writeThrough(randomBytes(MiB), 9)).toContain('WARNING: Device #1 of raid1 array, vg-r, has failed.');
    expect((await lab.legBytes('vg/r_rimage_0', 0, 16 * MiB)).equals(data)).toBe(true);
    // lvconvert --repair by hand: the replacement avoids the failing PV and gets every byte
    await lab.ok('fault', 'clear');
    expect((await lab.ok('lvconvert', '--repair', '-y', 'vg/r')).stdout).toBe('  Faulty devices in vg/r successfully replaced.');
    await lab.settle('vg/r');
    expect(await rows('lvs', '-a', '-o', 'lv_name,devices', 'vg/r_rimage_1', 'vg/r_rmeta_1')).toEqual(['[r_rimage_1] /dev/loop2(1)', '[r_rmeta_1] /dev/loop2(0)']);
    expect((await lab.legBytes('vg/r_rimage_1', 0, 16 * MiB)).equals(data)).toBe(true);
  });

  it('allocate: the failed image is replaced from free PVs while the dd goes on, and rebuilt byte-identical', async () => {
    conf('allocate');
    await lab.ok('fault', 'add', '/dev/loop1', '--error', '--write');
    const err = await writeThrough(randomBytes(4 * MiB), 2);
    expect(err).toBe('  WARNING: Device #1 of raid1 array, vg-r, has failed.\n  Faulty devices in vg/r successfully replaced.');
    await lab.ok('fault', 'clear');
    await lab.settle('vg/r');
    expect(await rows('lvs', '-a', '-o', 'lv_name,lv_attr,copy_percent,devices', 'vg')).toEqual([
      'r rwi-a-r--- 100.00 r_rimage_0(0),r_rimage_1(0)',
      '[r_rimage_0] iwi-aor--- /dev/loop0(1)', '[r_rimage_1] iwi-aor--- /dev/loop2(1)',
      '[r_rmeta_0] ewi-aor--- /dev/loop0(0)', '[r_rmeta_1] ewi-aor--- /dev/loop2(0)',
    ]);
    expect((await lab.read('vg/r', 16)).equals(data)).toBe(true);
    for (const k of [0, 1]) expect((await lab.legBytes(`vg/r_rimage_${k}`, 0, 16 * MiB)).equals(data)).toBe(true);
    await lab.syncaction('vg/r', 'check');
    expect(await lab.lvField('vg/r', 'raid_mismatch_count')).toBe('0');
  });

  it('allocate: an image whose PV is gone is replaced on the next dd; the missing PV stays in the VG', async () => {
    conf('allocate');
    rmSync(join(lab.devDir, 'loop0'));
    const err = await writeThrough(randomBytes(2 * MiB), 6);
    expect(err).toContain('  WARNING: Device #0 of raid1 array, vg-r, has failed.\n');
    expect(err).toContain('  Faulty devices in vg/r successfully replaced.');
    await lab.settle('vg/r');
    expect(await rows('lvs', '-a', '-o', 'lv_name,devices', 'vg')).toEqual([
      'r r_rimage_0(0),r_rimage_1(0)', '[r_rimage_0] /dev/loop2(1)', '[r_rimage_1] /dev/loop1(1)',
      '[r_rmeta_0] /dev/loop2(0)', '[r_rmeta_1] /dev/loop1(0)',
    ]);
    for (const k of [0, 1]) expect((await lab.legBytes(`vg/r_rimage_${k}`, 0, 16 * MiB)).equals(data)).toBe(true);
    expect((await lab.read('vg/r', 16)).equals(data)).toBe(true);
  });

  it('activation/monitoring = 0: no warning and nothing replaced; the image stays failed until lvconvert --repair', async () => {
    writeFileSync(join(lab.systemDir, 'lvm.conf'), 'activation {\n  raid_fault_policy = "allocate"\n  monitoring = 0\n}\n');
    await lab.ok('fault', 'add', '/dev/loop1', '--error', '--write');
    expect(await writeThrough(randomBytes(MiB), 3)).toBe('');
    expect(await lab.lvField('vg/r_rimage_1', 'devices')).toBe('/dev/loop1(1)');
    expect(await lab.lvField('vg/r', 'lv_health_status')).toBe('refresh needed');
    expect((await lab.legBytes('vg/r_rimage_0', 0, 16 * MiB)).equals(data)).toBe(true);
  });
});
