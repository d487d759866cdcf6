// vgsplit and vgmerge where the metadata-only oracle cannot go (golden 13-vgsplit-vgmerge covers
// the rest): active LVs refused, a refusal changes nothing, the data of a moved LV is where it
// was (now under the new VG's name), a mirror moves whole and keeps its sync state.
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BIN, CliLab } from './helpers/aux.js';

let lab: CliLab;
beforeEach(async () => {
  lab = new CliLab('tsvm-vgsplit-');
  lab.prepareDevs(5, 64);
  await lab.ok('vgcreate', 'vg', '/dev/loop0', '/dev/loop1', '/dev/loop2', '/dev/loop3');
});
afterEach(() => lab.cleanup());

const names = async (...a: string[]) => (await lab.ok(...a, '--noheadings')).stdout.split('\n').map((l) => l.trim()).filter(Boolean);

describe('vgsplit', () => {
  it('refuses to move an active LV, or a mirror image of an active mirror, changing nothing', async () => {
    await lab.ok('lvcreate', '-l', '2', '-n', 'act', 'vg', '/dev/loop0');
    expect(await lab.failsUnchanged(5, 'vgsplit', 'vg', 'new', '/dev/loop0')).toBe('  Logical volume vg/act must be inactive.');
    await lab.ok('lvchange', '-an', 'vg/act');
    await lab.ok('lvcreate', '--type', 'mirror', '-m', '1', '--nosync', '-l', '2', '-n', 'm', 'vg', '/dev/loop1', '/dev/loop2', '/dev/loop3');
    expect(await lab.failsUnchanged(5, 'vgsplit', 'vg', 'new', '/dev/loop1', '/dev/loop2', '/dev/loop3'))
      .toMatch(/^  Logical volume vg\/m_m(image_0|log) \(part of m\) must be inactive\.$/);
    // into an existing VG, any active LV of the source VG is refused (vgs_are_compatible)
    await lab.ok('vgcreate', 'other', '/dev/loop4');
    expect(await lab.failsUnchanged(5, 'vgsplit', 'vg', 'other', '/dev/loop0')).toBe('  Logical volumes in "vg" must be inactive');
  });

  it('refuses a VG that is not resizeable', async () => {
    await lab.ok('vgchange', '-x', 'n', 'vg');
    expect(await lab.failsUnchanged(5, 'vgsplit', 'vg', 'new', '/dev/loop0')).toBe('  Volume group vg is not resizeable.');
    await lab.ok('lvcreate', '-an', '-Zn', '-l', '1', '-n', 'a', 'vg', '/dev/loop0');
    expect(await lab.failsUnchanged(5, 'vgsplit', '-n', 'a', 'vg', 'new')).toBe('  Cannot move PV(s) from non resize volume group vg.');
  });

  it('moves the data with the LV: the same bytes read back through the new VG', async () => {
    await lab.ok('lvcreate', '-l', '3', '-n', 'data', 'vg', '/dev/loop1');
    await execa(BIN, ['dd', 'if=/dev/urandom', 'of=/dev/vg/data', 'bs=64k', 'count=100', 'conv=fsync'], { env: lab.env });
    const before = (await execa(BIN, ['dd', 'if=/dev/vg/data', 'bs=64k', 'count=100', 'status=none'], { env: lab.env, encoding: 'buffer' })).stdout;
    await lab.ok('lvchange', '-an', 'vg/data');
    expect((await lab.ok('vgsplit', 'vg', 'new', '/dev/loop1')).stdout).toBe('  New volume group "new" successfully split from "vg"');
    await lab.ok('lvchange', '-ay', 'new/data');
    const after = (await execa(BIN, ['dd', 'if=/dev/new/data', 'bs=64k', 'count=100', 'status=none'], { env: lab.env, encoding: 'buffer' })).stdout;
    expect(Buffer.compare(after, before)).toBe(0);
    expect(await names('lvs', '-o', 'vg_name,lv_name')).toEqual(['new data']);
    expect(await names('pvs', '-o', 'pv_name,vg_name')).toEqual(['/dev/loop0 vg', '/dev/loop1 new', '/dev/loop2 vg', '/dev/loop3 vg']);
  });

  it('moves a mirror with its images and log, which stays in sync', async () => {
    await lab.ok('lvcreate', '--type', 'mirror', '-m', '1', '-l', '2', '-n', 'm', 'vg', '/dev/loop1', '/dev/loop2', '/dev/loop3');
    // (waits for the initial sync)
    await lab.ok('lvconvert', '-i', '0', 'vg/m');
    await lab.ok('lvchange', '-an', 'vg/m');
    await lab.ok('vgsplit', '-n', 'm', 'vg', 'new');
    expect(await names('lvs', '-a', '-o', 'lv_name,vg_name')).toEqual(['m            new', '[m_mimage_0] new', '[m_mimage_1] new', '[m_mlog]     new']);
    await lab.ok('lvchange', '-ay', 'new/m');
    expect((await lab.ok('lvs', '-o', 'copy_percent', '--noheadings', 'new/m')).stdout.trim()).toBe('100.00');
    // (a syncer started by the activation is done before the lab goes)
    await lab.ok('lvconvert', '-i', '0', 'new/m');
    await lab.ok('lvchange', '-an', 'new/m');
  });
});

describe('vgmerge', () => {
  it('refuses a source VG with an active LV, changing nothing; merges once it is inactive', async () => {
    await lab.ok('vgreduce', 'vg', '/dev/loop3');
    await lab.ok('vgcreate', 'small', '/dev/loop3');
    await lab.ok('lvcreate', '-l', '1', '-n', 'b', 'small');
    expect(await lab.failsUnchanged(5, 'vgmerge', 'vg', 'small')).toBe('  Logical volumes in "small" must be inactive');
    await lab.ok('lvchange', '-an', 'small/b');
    expect((await lab.ok('vgmerge', 'vg', 'small')).stdout).toBe('  Volume group "small" successfully merged into "vg"');
    expect(await names('vgs', '-o', 'vg_name,pv_count,lv_count')).toEqual(['vg   4   1']);
    expect(await names('lvs', '-o', 'lv_name,vg_name,devices')).toEqual(['b    vg /dev/loop3(0)']);
  });
});
