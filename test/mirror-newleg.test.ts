// A leg added by an up-convert holds valid data only where the copy reached (dm-raid1: an
// out-of-sync region is read from and recovered from the original leg only). When the original leg
// disappears before the copy finished, the regions not yet copied must not be read from the new leg
// nor marked in sync by a resync: reads fail with EIO, Cpy%Sync stays below 100; copied regions
// still read right, and a write of a whole region makes it valid again (a partial one does not).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, CliLab } from './helpers/aux.js';
import { convertKilledMidCopy } from './helpers/mid-copy.js';

const MiB = 1024 * 1024;
let lab: CliLab;

// (The lab runs every command with TSVM_NO_AUTOSYNC: no background syncer copies behind the test.)
const run = (...args: string[]) => lab.run(...args);
const ok = (...args: string[]) => lab.ok(...args);
async function pct(): Promise<number> {
  return Number((await run('lvs', '--noheadings', '-o', 'copy_percent', 'vg/lv')).stdout.trim()) || 0;
}
async function readMiB(at: number) {
  const out = join(lab.dir, `r${at}`);
  const r = await run('dd', 'if=/dev/vg/lv', `of=${out}`, 'bs=1M', `skip=${at}`, 'count=1', 'status=none');
  return { ...r, data: r.exitCode === 0 ? readFileSync(out) : null };
}

beforeAll(() => {
  lab = new CliLab('tsvm-newleg-');
  lab.prepareDevs(3, 200);
  lab.extraEnv = { TSVM_NO_AUTOSYNC: '1' };
});
afterAll(() => lab.cleanup());

describe('original leg lost while a new leg is being copied', () => {
  it('uncopied regions fail with EIO, copied ones read right, no resync blesses them', async () => {
    // The mirror is kept as it is (no dmeventd-like policy removing the lost leg: that case, where
    // the LV becomes linear and keeps its stale regions as lost ones, is in mirror-lost-regions.test.ts).
    mkdirSync(lab.systemDir, { recursive: true });
    writeFileSync(join(lab.systemDir, 'lvm.conf'), 'activation {\n\tmonitoring = 0\n}\n');
    await ok('pvcreate', '/dev/loop0', '/dev/loop1', '/dev/loop2');
    await ok('vgcreate', 'vg', '/dev/loop0', '/dev/loop1', '/dev/loop2');
    const { data, percent: before } = await convertKilledMidCopy(lab);
    const uuid = (await ok('lvs', '--noheadings', '-o', 'lv_uuid', 'vg/lv')).stdout.trim();
    expect(existsSync(join(lab.systemDir, 'mirror', `${uuid}.newlegs.json`))).toBe(true);

    // The original leg's image disappears.
    renameSync(join(lab.devDir, 'loop0'), join(lab.dir, 'loop0.gone'));

    const copied = await readMiB(0);
    expect(copied.exitCode).toBe(0);
    expect(copied.data!.equals(data.subarray(0, MiB))).toBe(true);
    const stale = await readMiB(63);
    expect(stale.exitCode).not.toBe(0);
    expect(stale.stderr).toContain('Input/output error');

    // A resync finds no valid source for those regions: they stay out of sync.
    await run('lvconvert', '-i', '0', 'vg/lv');
    const after = await pct();
    expect(after).toBeLessThan(100);
    expect((await run('lvs', '--noheadings', '-o', 'copy_percent', 'vg/lv')).stdout).not.toContain('100.00');
    expect((await run('lvs', '--noheadings', '-o', 'lv_attr', 'vg/lv')).stdout.trim()).toMatch(/^.{8}p/);
    expect((await readMiB(63)).exitCode).not.toBe(0);
    expect((await readMiB(0)).data!.equals(data.subarray(0, MiB))).toBe(true);

    // A partial write of a stale region leaves it failed; a whole-region write makes it valid.
    const fresh = randomBytes(2 * MiB);
    writeFileSync(join(lab.dir, 'f'), fresh);
    await ok('dd', `if=${join(lab.dir, 'f')}`, 'of=/dev/vg/lv', 'bs=1M', 'seek=60', 'count=1', 'conv=notrunc,fsync', 'status=none');
    expect((await readMiB(61)).exitCode).not.toBe(0);
    expect((await readMiB(60)).exitCode).not.toBe(0);
    await ok('dd', `if=${join(lab.dir, 'f')}`, 'of=/dev/vg/lv', 'bs=1M', 'seek=62', 'count=2', 'conv=notrunc,fsync', 'status=none');
    expect((await readMiB(62)).data!.equals(fresh.subarray(0, MiB))).toBe(true);
    expect((await readMiB(63)).data!.equals(fresh.subarray(MiB))).toBe(true);
    expect(await pct()).toBeGreaterThan(after);
    expect(await pct()).toBeLessThan(100);
    expect(readdirSync(join(lab.systemDir, 'mirror')).some((f) => f.endsWith('.newlegs.json'))).toBe(true);
  }, 120_000);

  it('-m +1 through the temporary layer: both original legs lost, uncopied regions of the new leg fail', async () => {
    const l2 = new CliLab('tsvm-newleg3-');
    const saved = lab;
    try {
      lab = l2;
      l2.extraEnv = { TSVM_NO_AUTOSYNC: '1' };
      l2.prepareDevs(4, 200);
      await ok('pvcreate', '/dev/loop0', '/dev/loop1', '/dev/loop2', '/dev/loop3');
      await ok('vgcreate', 'vg', '/dev/loop0', '/dev/loop1', '/dev/loop2', '/dev/loop3');
      await ok('lvcreate', '-y', '--type', 'mirror', '-m', '1', '-L', '64m', '-n', 'lv', 'vg', '/dev/loop0', '/dev/loop1', '/dev/loop3');
      const data = randomBytes(64 * MiB);
      writeFileSync(join(l2.dir, 'd'), data);
      await ok('dd', `if=${join(l2.dir, 'd')}`, 'of=/dev/vg/lv', 'bs=1M', 'conv=fsync', 'status=none');
      await ok('lvconvert', '-i', '0', 'vg/lv');
      await ok('fault', 'add', '/dev/loop2', '--write', '--delay', '200');
      const p = execa(BIN, ['lvconvert', '-y', '-i', '0', '-m', '+1', 'vg/lv', '/dev/loop2'], { env: lab.env, reject: false });
      let before = 0;
      // wait (on a slow or busy machine too) until the conversion has put its temporary layer in
      // place (before that, the old 2-way mirror reads 100.00) and copied its first regions
      for (let i = 0; i < 1800; i++) {
        await new Promise((r) => setTimeout(r, 50));
        const [p1, conv] = (await run('lvs', '--noheadings', '-o', 'copy_percent,convert_lv', 'vg/lv')).stdout.trim().split(/\s+/);
        before = Number(p1) || 0;
        if (conv && before >= 10) break;
      }
      p.kill('SIGKILL');
      await p;
      expect(before, 'the copy never reached 10%').toBeGreaterThanOrEqual(10);
      await ok('fault', 'clear');
      expect(await pct()).toBeLessThan(50);
      renameSync(join(l2.devDir, 'loop0'), join(l2.dir, 'loop0.gone'));
      renameSync(join(l2.devDir, 'loop1'), join(l2.dir, 'loop1.gone'));
      const stale = await readMiB(63);
      expect(stale.exitCode).not.toBe(0);
      expect(stale.stderr).toContain('Input/output error');
      const first = await readMiB(0);
      // (stderr carries the automatic fault handling's lines, as dmeventd logs them)
      expect(first.exitCode, first.stderr).toBe(0);
      expect(first.data!.equals(data.subarray(0, MiB))).toBe(true);
      await run('lvconvert', '-i', '0', 'vg/lv');
      expect(await pct()).toBeLessThan(50);
      expect((await readMiB(63)).exitCode).not.toBe(0);
    } finally {
      lab = saved;
      l2.cleanup();
    }
  }, 240_000);
});
