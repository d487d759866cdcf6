// The original image of a mirror is lost while a new image is being copied (mirror-newleg.test.ts
// covers the mirror while it keeps its not-yet-copied record). Here, the commands that end that
// record: vgreduce --removemissing --force (the LV becomes linear on the new image), lvchange
// --resync (everything copied again from the new image), lvconvert --repair. In each case the
// regions the copy had not reached must keep failing reads (src/lv-io/lost-regions.ts) until they
// are written again, and the copied ones must keep reading right. Also: a not-yet-copied image
// cannot be split off, and a split-off copy inherits the lost regions.
import { afterEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CliLab } from './helpers/aux.js';
import { convertKilledMidCopy } from './helpers/mid-copy.js';

const MiB = 1024 * 1024;
let lab: CliLab;

// (The lab runs every command with TSVM_NO_AUTOSYNC: no background syncer copies behind the test.)
const run = (...args: string[]) => lab.run(...args);
const ok = (...args: string[]) => lab.ok(...args);
async function pct(lv = 'vg/lv'): Promise<number> {
  return Number((await run('lvs', '--noheadings', '-o', 'copy_percent', lv)).stdout.trim()) || 0;
}
async function readMiB(at: number, lv = 'vg/lv') {
  const out = join(lab.dir, `r${at}`);
  const r = await run('dd', `if=/dev/${lv}`, `of=${out}`, 'bs=1M', `skip=${at}`, 'count=1', 'status=none');
  return { ...r, data: r.exitCode === 0 ? readFileSync(out) : null };
}

/**
 * vg/lv (64 MiB of random data on loop0) converted to a mirror whose copy to loop1 stopped early;
 * loop0 then lost: its image gone (a missing PV), or (`failing`) every I/O to its data area failing.
 */
async function originalLostMidCopy(how: 'missing' | 'failing' = 'missing'): Promise<{ data: Buffer; copiedMiB: number }> {
  lab = new CliLab('tsvm-lost-');
  lab.prepareDevs(4, 200);
  lab.extraEnv = { TSVM_NO_AUTOSYNC: '1' };
  await ok('pvcreate', '/dev/loop0', '/dev/loop1', '/dev/loop2', '/dev/loop3');
  await ok('vgcreate', 'vg', '/dev/loop0', '/dev/loop1', '/dev/loop2', '/dev/loop3');
  const { data, percent: now } = await convertKilledMidCopy(lab);
  // Regions of 2 MiB copied from the start: the first MiBs are on loop1, the last are not.
  const copiedMiB = Math.floor((now / 100) * 32) * 2;
  if (how === 'missing') renameSync(join(lab.devDir, 'loop0'), join(lab.dir, 'loop0.gone'));
  else await ok('fault', 'add', '/dev/loop0', '--error', '--offset', '1M');
  return { data, copiedMiB };
}

async function expectLostAndCopied(data: Buffer, copiedMiB: number, lv = 'vg/lv', staleMiB = 63) {
  const first = await readMiB(0, lv);
  expect(first.exitCode, first.stderr).toBe(0);
  expect(first.data!.equals(data.subarray(0, MiB))).toBe(true);
  if (copiedMiB > 1) expect((await readMiB(copiedMiB - 1, lv)).data!.equals(data.subarray((copiedMiB - 1) * MiB, copiedMiB * MiB))).toBe(true);
  const stale = await readMiB(staleMiB, lv);
  expect(stale.exitCode).not.toBe(0);
  expect(stale.stderr).toContain('Input/output error');
}

afterEach(() => lab?.cleanup());

describe('regions not copied when the original image was lost stay unreadable', () => {
  it('vgreduce --removemissing --force: the LV becomes linear on the new image, its stale regions fail reads until rewritten', async () => {
    const { data, copiedMiB } = await originalLostMidCopy();
    const r = await run('vgreduce', '--removemissing', '--force', 'vg');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/WARNING: \d+ regions of vg\/lv had not been copied to its remaining images when the original images were lost/);
    expect((await ok('lvs', '--noheadings', '-o', 'lv_layout,devices', 'vg/lv')).stdout.trim()).toMatch(/^linear\s+\/dev\/loop1\(0\)$/);
    await expectLostAndCopied(data, copiedMiB);

    // A partial rewrite of a lost region leaves it lost; a whole one makes it readable.
    const fresh = randomBytes(2 * MiB);
    writeFileSync(join(lab.dir, 'f'), fresh);
    await ok('dd', `if=${join(lab.dir, 'f')}`, 'of=/dev/vg/lv', 'bs=1M', 'seek=60', 'count=1', 'conv=notrunc,fsync', 'status=none');
    expect((await readMiB(60)).exitCode).not.toBe(0);
    await ok('dd', `if=${join(lab.dir, 'f')}`, 'of=/dev/vg/lv', 'bs=1M', 'seek=62', 'count=2', 'conv=notrunc,fsync', 'status=none');
    expect((await readMiB(62)).data!.equals(fresh.subarray(0, MiB))).toBe(true);
    expect((await readMiB(63)).data!.equals(fresh.subarray(MiB))).toBe(true);
    expect((await readMiB(61)).exitCode).not.toBe(0);

    // The record follows the LV through a conversion back to a mirror and a split.
    await ok('lvconvert', '-y', '-i', '0', '--type', 'mirror', '-m', '1', 'vg/lv');
    expect(await pct()).toBe(100);
    await expectLostAndCopied(data, copiedMiB, 'vg/lv', 61);
    await ok('lvconvert', '--splitmirrors', '1', '--name', 'copy', 'vg/lv');
    await expectLostAndCopied(data, copiedMiB, 'vg/copy', 61);
    expect((await readMiB(62, 'vg/copy')).data!.equals(fresh.subarray(0, MiB))).toBe(true);

    // lvreduce drops the record past the new end: extended again, those extents read.
    await ok('lvreduce', '-f', '-L', '60m', 'vg/copy');
    await ok('lvextend', '-L', '64m', 'vg/copy');
    expect((await readMiB(61, 'vg/copy')).exitCode).toBe(0);
    expect((await readMiB(58, 'vg/copy')).exitCode).not.toBe(0);
  }, 180_000);

  it('lvchange --resync copies everything again from the new image but keeps its stale regions unreadable', async () => {
    // A failing (not missing) device: LVM2 refuses --resync while PVs are missing.
    const { data, copiedMiB } = await originalLostMidCopy('failing');
    writeFileSync(join(lab.systemDir, 'lvm.conf'), 'activation {\n\tmonitoring = 0\n}\n');
    expect((await readMiB(63)).exitCode).not.toBe(0);
    // Split refuses an image that was never fully copied.
    const s = await run('lvconvert', '--splitmirrors', '1', '--name', 'x', 'vg/lv');
    expect(s.exitCode).toBe(5);
    expect(s.stderr).toContain('Unable to split mirror vg/lv that is not in-sync.');
    const r = await run('lvchange', '-y', '--resync', 'vg/lv');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toContain('had not been copied to its remaining images');
    await expectLostAndCopied(data, copiedMiB);
  }, 180_000);

  it('the automatic fault policy (mirror_image_fault_policy = remove) makes the LV linear and keeps the stale regions unreadable', async () => {
    const { data, copiedMiB } = await originalLostMidCopy();
    // The first read meets the lost image: dmeventd's part runs (watched-mirror.ts), the lost image goes.
    await readMiB(63);
    expect((await ok('lvs', '--noheadings', '-o', 'lv_layout,devices', 'vg/lv')).stdout.trim()).toMatch(/^linear\s+\/dev\/loop1\(0\)$/);
    await expectLostAndCopied(data, copiedMiB);
  }, 180_000);

  it('lvconvert --repair replaces the lost image and keeps the stale regions unreadable', async () => {
    const { data, copiedMiB } = await originalLostMidCopy('failing');
    writeFileSync(join(lab.systemDir, 'lvm.conf'), 'activation {\n\tmonitoring = 0\n}\n');
    expect((await readMiB(63)).exitCode).not.toBe(0);
    const r = await run('lvconvert', '-y', '-i', '0', '--repair', 'vg/lv');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toContain('had not been copied to its remaining images');
    await ok('lvconvert', '-i', '0', 'vg/lv');
    expect(await pct()).toBe(100);
    expect((await ok('lvs', '--noheadings', '-o', 'devices', 'vg/lv')).stdout).not.toContain('loop0');
    await ok('fault', 'clear');
    await expectLostAndCopied(data, copiedMiB);
  }, 180_000);
});
