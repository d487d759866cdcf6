// Converting a linear LV on sparse images copies only what was ever written on some leg: the new
// leg ends up byte-identical to the original everywhere (holes are zeros on both), including where
// its extents held an old, removed LV's data, and the images stay sparse.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CliLab } from './helpers/aux.js';

const MiB = 1024 * 1024;
let lab: CliLab;

async function readLv(lv: string): Promise<Buffer> {
  const out = join(lab.dir, `${lv.replace('/', '_')}.img`);
  await lab.ok('dd', `if=/dev/${lv}`, `of=${out}`, 'bs=1M', 'status=none');
  return readFileSync(out);
}

beforeAll(() => {
  lab = new CliLab('tsvm-sparse-');
  lab.prepareDevs(3, 1024);
});
afterAll(() => lab.cleanup());

describe('lvconvert --type mirror over sparse images', () => {
  it('skips regions that are zeros on every leg and copies the rest', async () => {
    await lab.ok('vgcreate', 'vg', '/dev/loop0', '/dev/loop1', '/dev/loop2');
    // Old data on loop1, then removed: the new leg will land on those extents.
    await lab.ok('lvcreate', '-L', '64m', '-n', 'old', 'vg', '/dev/loop1');
    const junk = join(lab.dir, 'junk');
    writeFileSync(junk, randomBytes(8 * MiB));
    await lab.ok('dd', `if=${junk}`, 'of=/dev/vg/old', 'bs=1M', 'seek=20', 'conv=notrunc', 'status=none');
    await lab.ok('lvremove', '-y', 'vg/old');
    await lab.ok('lvcreate', '-L', '256m', '-n', 'lv', 'vg', '/dev/loop0');
    const data = join(lab.dir, 'data');
    writeFileSync(data, randomBytes(3 * MiB));
    await lab.ok('dd', `if=${data}`, 'of=/dev/vg/lv', 'bs=1M', 'seek=100', 'conv=notrunc,fsync', 'status=none');

    const conv = await lab.ok('lvconvert', '-y', '--type', 'mirror', '-m', '1', 'vg/lv', '/dev/loop1', '/dev/loop2');
    expect(conv.stdout).toContain('vg/lv: Converted: 100.00%');
    expect((await lab.ok('lvs', '--noheadings', '-a', '-o', 'lv_name,devices', 'vg')).stdout).toMatch(/\[lv_mimage_1\]\s+\/dev\/loop1\(0\)/);

    const original = await readLv('vg/lv');
    await lab.ok('lvconvert', '--splitmirrors', '1', '--name', 'copy', 'vg/lv');
    const copy = await readLv('vg/copy');
    expect(copy.length).toBe(256 * MiB);
    expect(copy.equals(original)).toBe(true);
    expect(original.subarray(100 * MiB, 103 * MiB).equals(readFileSync(data))).toBe(true);
    // the old LV's bytes were overwritten with the original's zeros, not left behind
    expect(copy.subarray(20 * MiB, 28 * MiB).every((b) => b === 0)).toBe(true);
    // the new leg's image holds only what had to be written: far less than the LV's 256 MiB
    expect(statSync(join(lab.devDir, 'loop1')).blocks * 512).toBeLessThan(40 * MiB);
  }, 300_000);
});


describe('extents that held a mirror log', () => {
  it('are not taken for never-written zeros when a new leg lands on them', async () => {
    const l = new CliLab('tsvm-sparse-log-');
    try {
      l.prepareDevs(3, 256);
      await l.ok('vgcreate', 'vg', '/dev/loop0', '/dev/loop1', '/dev/loop2');
      // a mirror whose disk log sits at loop2(0); its bitmap bytes are written there
      await l.ok('lvcreate', '-y', '--type', 'mirror', '-m', '1', '-L', '64m', '-n', 'm', 'vg', '/dev/loop0', '/dev/loop1', '/dev/loop2');
      expect((await l.ok('lvs', '--noheadings', '-a', '-o', 'lv_name,devices', 'vg')).stdout).toMatch(/\[m_mlog\]\s+\/dev\/loop2\(0\)/);
      await l.ok('lvremove', '-y', 'vg/m');
      // a linear LV on extents nothing ever wrote (not zeroed either), then a mirror leg placed
      // on loop2 from extent 0: where the log was
      await l.ok('lvcreate', '-Zn', '-L', '64m', '-n', 'lv', 'vg', '/dev/loop1:30-45');
      await l.ok('lvconvert', '-y', '--type', 'mirror', '-m', '1', '--mirrorlog', 'core', 'vg/lv', '/dev/loop2');
      expect((await l.ok('lvs', '--noheadings', '-a', '-o', 'lv_name,devices', 'vg')).stdout).toMatch(/\[lv_mimage_1\]\s+\/dev\/loop2\(0\)/);
      await l.ok('lvconvert', '--splitmirrors', '1', '--name', 'copy', 'vg/lv');
      const read = async (lv: string) => {
        const out = join(l.dir, lv.replace('/', '_'));
        await l.ok('dd', `if=/dev/${lv}`, `of=${out}`, 'bs=1M', 'status=none');
        return readFileSync(out);
      };
      expect((await read('vg/copy')).equals(await read('vg/lv'))).toBe(true);
    } finally {
      l.cleanup();
    }
  }, 300_000);
});
