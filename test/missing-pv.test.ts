// A VG with a PV whose image is gone (LVM2 lib/metadata/metadata.c vg_read, _set_pv_device):
// commands that do not handle missing PVs are refused and change nothing (the golden transcript
// 11-missing-pv pins the messages); a command that handles them and writes the VG flags the PV
// MISSING in the metadata, so when the image comes back the PV stays missing while LVs use it
// ("was previously updated while PV ... was missing") until vgextend --restoremissing; an unused
// one is taken back by the next write. lvconvert --repair works straight after the loss.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CliLab } from './helpers/aux.js';

const MiB = 1024 * 1024;
let lab: CliLab;

beforeEach(async () => {
  lab = new CliLab('tsvm-missing-');
  lab.prepareDevs(4, 100);
  await lab.ok('pvcreate', '/dev/loop0', '/dev/loop1', '/dev/loop2', '/dev/loop3');
  await lab.ok('vgcreate', 'vg', '/dev/loop0', '/dev/loop1', '/dev/loop2', '/dev/loop3');
});
afterEach(() => lab.cleanup());

const hide = (d: string) => renameSync(join(lab.devDir, d), join(lab.dir, `${d}.away`));
const restore = (d: string) => renameSync(join(lab.dir, `${d}.away`), join(lab.devDir, d));

describe('a PV whose image went away', () => {
  it('refuses changes, then after a write with the PV missing needs vgextend --restoremissing', async () => {
    await lab.ok('lvcreate', '-L', '8m', '-n', 'lin', 'vg', '/dev/loop1');
    const uuid1 = (await lab.ok('pvs', '--noheadings', '-o', 'pv_uuid', '/dev/loop1')).stdout.trim();
    const uuid2 = (await lab.ok('pvs', '--noheadings', '-o', 'pv_uuid', '/dev/loop2')).stdout.trim();
    hide('loop1');
    hide('loop2');
    const refused = await lab.failsUnchanged(5, 'lvcreate', '-L', '4m', '-n', 'x', 'vg');
    expect(refused.split('\n').slice(-3)).toEqual([
      '  Cannot change VG vg while PVs are missing.',
      '  See vgreduce --removemissing and vgextend --restoremissing.',
      '  Cannot process volume group vg',
    ]);
    expect(refused).toContain(`  WARNING: VG vg is missing PV ${uuid1} (last written to /dev/loop1).`);
    // lvchange handles missing PVs: the VG is written with both PVs flagged MISSING.
    const ch = await lab.run('lvchange', '-p', 'r', 'vg/lin');
    expect(ch.exitCode, ch.stderr).toBe(0);
    expect((await lab.run('lvs', 'vg')).stderr).toContain(`(last written to [unknown])`);
    restore('loop1');
    restore('loop2');
    const lvs = await lab.run('lvs', '--noheadings', '-o', 'lv_attr,devices', 'vg/lin');
    expect(lvs.stdout.trim()).toMatch(/^-ri-a---p- +\/dev\/loop1\(0\)$/);
    expect(lvs.stderr.split('\n')).toEqual([
      '  WARNING: VG vg was previously updated while PV /dev/loop1 was missing.',
      '  WARNING: VG vg was previously updated while PV /dev/loop2 was missing.',
      `  WARNING: VG vg was missing PV /dev/loop1 ${uuid1}.`,
      `  WARNING: VG vg has unused reappeared PV /dev/loop2 ${uuid2}.`,
    ]);
    expect((await lab.ok('pvs', '--noheadings', '-o', 'pv_name,pv_attr', '/dev/loop1')).stdout.trim()).toMatch(/^\/dev\/loop1 +a-m$/);
    // Still missing in the metadata: changes other than by the commands that handle it are refused.
    await lab.failsUnchanged(5, 'lvextend', '-L', '+4m', 'vg/lin');
    const notMissing = await lab.failsUnchanged(5, 'vgextend', '--restoremissing', 'vg', '/dev/loop3');
    expect(notMissing).toContain('  WARNING: PV /dev/loop3 was not missing in VG vg\n  No PV has been restored.');
    const r = await lab.run('vgextend', '--restoremissing', 'vg', '/dev/loop1');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toBe('  Volume group "vg" successfully extended');
    const clean = await lab.run('lvs', '--noheadings', '-o', 'lv_attr', 'vg/lin');
    expect(clean.stderr).toBe('');
    expect(clean.stdout.trim()).toBe('-ri-a-----');
    expect((await lab.ok('pvs', '--noheadings', '-o', 'pv_attr', '/dev/loop2')).stdout.trim()).toBe('a--');
    await lab.ok('lvextend', '-L', '+4m', 'vg/lin');
  });

  it('lvconvert --repair straight after a leg\'s image is gone replaces it, and the data is whole', async () => {
    writeFileSync(join(lab.systemDir, 'lvm.conf'), 'activation {\n\tmonitoring = 0\n}\n');
    await lab.ok('lvcreate', '-L', '16m', '-n', 'lv', 'vg', '/dev/loop0');
    const data = randomBytes(16 * MiB);
    writeFileSync(join(lab.dir, 'd'), data);
    await lab.ok('dd', `if=${join(lab.dir, 'd')}`, 'of=/dev/vg/lv', 'bs=1M', 'conv=fsync', 'status=none');
    await lab.ok('lvconvert', '-y', '-i', '0', '--type', 'mirror', '-m', '1', 'vg/lv', '/dev/loop1', '/dev/loop2');
    hide('loop0');
    const r = await lab.run('lvconvert', '-y', '-i', '0', '--repair', 'vg/lv');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain('Mirror status: 1 of 2 images failed.');
    expect(r.stderr).toContain('WARNING: Trying to up-convert to 2 images, 1 logs.');
    const devices = (await lab.run('lvs', '--noheadings', '-o', 'devices', 'vg/lv')).stdout.trim();
    expect(devices).toBe('lv_mimage_0(0),lv_mimage_1(0)');
    expect((await lab.run('lvs', '-a', '--noheadings', '-o', 'devices', 'vg')).stdout).not.toContain('unknown');
    await lab.ok('lvconvert', '-i', '0', 'vg/lv');
    expect(await lab.lvField('vg/lv', 'copy_percent')).toBe('100.00');
    const out = join(lab.dir, 'out');
    await lab.ok('dd', 'if=/dev/vg/lv', `of=${out}`, 'bs=1M', 'status=none');
    expect(readFileSync(out).equals(data)).toBe(true);
  });
});
