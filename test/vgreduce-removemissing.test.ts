// vgreduce --removemissing [--mirrorsonly] [--force] with partial LVs, as LVM2 2.03.16 does it
// (tools/vgreduce.c _consolidate_vg / _make_vg_consistent). The expected lines were captured from
// the real LVM2 2.03.16 on loop devices (metadata only), one PV's loop device detached between
// commands: without --force nothing is mended, mirrors included; every partial LV (hidden ones
// too, visible first) is named; no PV leaves; exit 5. With --force mirrors lose the leg and other
// partial LVs are removed; with --mirrorsonly --force only mirrors are mended.
import { randomBytes } from 'node:crypto';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CliLab } from './helpers/aux.js';

const MiB = 1024 * 1024;
let lab: CliLab;
let data: Buffer;

async function lvsA(): Promise<string> {
  return (await lab.run('lvs', '-a', '-o', 'name,attr,devices', 'vg')).stdout;
}

async function pvCount(): Promise<string> {
  return (await lab.run('vgs', '--noheadings', '-o', 'pv_count', 'vg')).stdout.trim();
}

beforeEach(async () => {
  lab = new CliLab('tsvm-vgrm-');
  lab.prepareDevs(4, 200);
  await lab.ok('pvcreate', '/dev/loop0', '/dev/loop1', '/dev/loop2', '/dev/loop3');
  await lab.ok('vgcreate', 'vg', '/dev/loop0', '/dev/loop1', '/dev/loop2', '/dev/loop3');
  await lab.ok('lvcreate', '-L', '20m', '-n', 'lv', 'vg', '/dev/loop0');
  data = randomBytes(8 * MiB);
  const f = join(lab.dir, 'data');
  writeFileSync(f, data);
  await lab.ok('dd', `if=${f}`, 'of=/dev/vg/lv', 'bs=1M', 'conv=notrunc', 'status=none');
  await lab.ok('lvconvert', '-y', '--type', 'mirror', '-m', '1', 'vg/lv', '/dev/loop1', '/dev/loop2');
});
afterEach(() => lab.cleanup());

const partialLines = (names: string[]) => [
  ...names.map((n) => `  WARNING: Partial LV ${n} needs to be repaired or removed. `),
  '  There are still partial LVs in VG vg.',
  '  To remove them unconditionally use: vgreduce --removemissing --force.',
  '  To remove them unconditionally from mirror LVs use: vgreduce --removemissing --mirrorsonly --force.',
  '  WARNING: Proceeding to remove empty missing PVs.',
].join('\n');

describe('vgreduce --removemissing without --force', () => {
  it('a mirror that lost a leg: LVM2\'s warnings, exit 5, layout and data unchanged', async () => {
    rmSync(join(lab.devDir, 'loop1'));
    await lab.run('lvs', 'vg');
    const before = await lvsA();
    // (the VG is written, as LVM2 writes it there: the metadata areas change, not the data)
    const images = lab.imagesHash(true);
    const r = await lab.run('vgreduce', '--removemissing', 'vg');
    expect(r.exitCode).toBe(5);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(partialLines(['lv', 'lv_mimage_1']));
    expect(r.stderr).toMatch(/^ {2}WARNING: VG vg is missing PV \S+ \(last written to \/dev\/loop1\)\.$/m);
    expect(r.stderr).not.toContain('Wrote out consistent');
    expect(await lvsA()).toBe(before);
    expect(before).toMatch(/\[lv_mimage_1\] +iwi-aom-p- \[unknown\]\(0\)/);
    expect(await pvCount()).toBe('4');
    expect(lab.imagesHash(true)).toBe(images);
    // And again: still nothing changes.
    expect((await lab.run('vgreduce', '--removemissing', 'vg')).exitCode).toBe(5);
    expect(await lvsA()).toBe(before);
    // --force then mends the mirror: linear on the surviving leg, the PV leaves.
    const f = await lab.run('vgreduce', '--removemissing', '--force', 'vg');
    expect(f.exitCode, f.stderr).toBe(0);
    expect(f.stdout).toBe('  Wrote out consistent volume group vg.');
    expect(await lvsA()).toMatch(/^ {2}LV +Attr +Devices *\n {2}lv +-wi-a----- \/dev\/loop0\(0\) *$/);
    expect(await pvCount()).toBe('3');
  });

  it('a linear LV on the lost PV too: named among the partial LVs (visible first); --mirrorsonly --force mends only the mirror', async () => {
    await lab.ok('lvcreate', '-L', '8m', '-n', 'other', 'vg', '/dev/loop1');
    renameSync(join(lab.devDir, 'loop1'), join(lab.dir, 'loop1.gone'));
    const r = await lab.run('vgreduce', '--removemissing', 'vg');
    expect(r.exitCode).toBe(5);
    expect(r.stderr).toContain(partialLines(['lv', 'other', 'lv_mimage_1']));
    const m = await lab.run('vgreduce', '--removemissing', '--mirrorsonly', '--force', 'vg');
    expect(m.exitCode, m.stderr).toBe(0);
    expect(m.stderr).toContain(`  Non-mirror-image LV other found: can't remove.\n${partialLines(['other'])}`);
    expect(m.stdout).toBe('  Wrote out consistent volume group vg.');
    expect(await lab.lvField('vg/lv', 'devices')).toBe('/dev/loop0(0)');
    expect(await lab.lvField('vg/other', 'lv_attr')).toMatch(/p-$/);
    expect(await pvCount()).toBe('4');
    const f = await lab.run('vgreduce', '--removemissing', '--force', 'vg');
    expect(f.exitCode, f.stderr).toBe(0);
    expect(f.stderr).toContain('  WARNING: Removing partial LV vg/other.');
    expect(f.stdout).toBe('  Logical volume "other" successfully removed.\n  Wrote out consistent volume group vg.');
    expect(await pvCount()).toBe('3');
  });

  it('a missing PV no LV uses leaves without --force', async () => {
    rmSync(join(lab.devDir, 'loop3'));
    const r = await lab.run('vgreduce', '--removemissing', 'vg');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toBe('  Wrote out consistent volume group vg.');
    expect(await pvCount()).toBe('3');
  });

  it('usage errors as LVM2', async () => {
    // The oracle: no vgreduce variant with a PV argument takes --mirrorsonly, so LVM2 refuses it
    // while matching the command line (exit 3), before vgreduce's own check could run.
    const ms = await lab.run('vgreduce', '--mirrorsonly', 'vg', '/dev/loop3');
    expect(ms.stderr).toBe('  Command does not accept option: --mirrorsonly.');
    expect(ms.exitCode).toBe(3);
    const rm = await lab.run('vgreduce', '--removemissing', 'vg', '/dev/loop3');
    expect(rm.stderr).toBe('  Command does not accept argument: /dev/loop3.');
    expect(rm.exitCode).toBe(3);
  });
});
