// A mirror being written is still in sync (regions a live writer marked dirty are its intent to
// write, not regions left to copy: src/mirror/live-dirty.ts): Cpy%Sync reads 100.00 and
// `lvconvert --splitmirrors` works while a dd writes, as with LVM2. The split-off LV holds exactly
// what the mirror held at the split instant (a prefix of the dd's blocks), the mirror goes on to
// receive everything. A writer killed mid-write leaves its regions out of sync: recopied.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { randomBytes } from 'node:crypto';
import { openSync, readSync, closeSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, CliLab } from './helpers/aux.js';

const MiB = 1024 * 1024;
let lab: CliLab;

beforeAll(() => {
  lab = new CliLab('tsvm-splitlive-');
  lab.prepareDevs(3, 200);
});
afterAll(() => lab.cleanup());

function imageBytes(dev: string, offset: number, length: number): Buffer {
  const fd = openSync(join(lab.devDir, dev), 'r');
  try {
    const b = Buffer.alloc(length);
    readSync(fd, b, 0, length, offset);
    return b;
  } finally {
    closeSync(fd);
  }
}

async function readLv(lv: string): Promise<Buffer> {
  const out = join(lab.dir, `${lv.replace('/', '_')}.bin`);
  await lab.ok('dd', `if=/dev/${lv}`, `of=${out}`, 'bs=1M', 'status=none');
  return readFileSync(out);
}

describe('a mirror being written', () => {
  it('reads 100% in sync and can be split; the copy holds the data of the split instant', async () => {
    await lab.ok('pvcreate', '/dev/loop0', '/dev/loop1', '/dev/loop2');
    await lab.ok('vgcreate', 'vg', '/dev/loop0', '/dev/loop1', '/dev/loop2');
    await lab.ok('lvcreate', '-L', '64m', '-n', 'lv', 'vg', '/dev/loop0');
    await lab.ok('lvconvert', '-y', '-i', '0', '--type', 'mirror', '-m', '1', 'vg/lv', '/dev/loop1', '/dev/loop2');
    expect(await lab.ok('lvs', '--noheadings', '-o', 'copy_percent', 'vg/lv').then((r) => r.stdout.trim())).toBe('100.00');
    const data = randomBytes(64 * MiB);
    writeFileSync(join(lab.dir, 'd'), data);
    // Slow writes to the second leg: the dd takes several seconds.
    await lab.ok('fault', 'add', '/dev/loop1', '--write', '--delay', '60');
    let done = false;
    const dd = execa(BIN, ['dd', `if=${join(lab.dir, 'd')}`, 'of=/dev/vg/lv', 'bs=1M', 'oflag=direct', 'status=none'],
      { env: lab.env, reject: false }).finally(() => (done = true));
    // Wait until a few MiB reached the first leg (lv_mimage_0 is /dev/loop0 from PE 0; pe_start 1 MiB).
    for (let i = 0; i < 600 && !imageBytes('loop0', MiB + 4 * MiB, MiB).equals(data.subarray(4 * MiB, 5 * MiB)); i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(done, 'the dd finished before the split could be tried').toBe(false);
    const pct = (await lab.ok('lvs', '--noheadings', '-o', 'copy_percent', 'vg/lv')).stdout.trim();
    const split = await lab.run('lvconvert', '--splitmirrors', '1', '--name', 'copy', 'vg/lv');
    const duringDd = !done;
    const r = await dd;
    expect(r.exitCode, r.stderr).toBe(0);
    expect(duringDd, 'the split ran after the dd ended: the machine is too fast for this test').toBe(true);
    expect(pct).toBe('100.00');
    expect(split.exitCode, split.stderr).toBe(0);
    expect(split.stdout.trim()).toBe('Logical volume vg/lv converted.');
    await lab.ok('fault', 'clear');

    // The mirror (now linear) has everything; the copy a prefix of whole dd blocks, then zeros.
    expect((await readLv('vg/lv')).equals(data)).toBe(true);
    const copy = await readLv('vg/copy');
    let k = 0;
    while (k < copy.length && copy.subarray(k, k + MiB).equals(data.subarray(k, k + MiB))) k += MiB;
    expect(k).toBeGreaterThanOrEqual(5 * MiB);
    expect(k).toBeLessThan(64 * MiB);
    expect(copy.subarray(k).equals(Buffer.alloc(copy.length - k))).toBe(true);
    // No runtime record of the finished writer is left.
    const run = join(lab.systemDir, 'run');
    const { readdirSync } = await import('node:fs');
    expect(readdirSync(run).filter((f) => f.includes('.live.'))).toEqual([]);
  }, 120_000);
});

describe('a write that fails on one leg', () => {
  it('leaves its regions out of sync (the legs differ there), as dm-raid1 marks them nosync', async () => {
    const l = new CliLab('tsvm-legfail-');
    try {
      l.prepareDevs(3, 100);
      await l.ok('pvcreate', '/dev/loop0', '/dev/loop1', '/dev/loop2');
      await l.ok('vgcreate', 'vg', '/dev/loop0', '/dev/loop1', '/dev/loop2');
      writeFileSync(join(l.systemDir, 'lvm.conf'), 'activation {\n\tmonitoring = 0\n}\n');
      await l.ok('lvcreate', '-L', '16m', '-n', 'lv', 'vg', '/dev/loop0');
      await l.ok('lvconvert', '-y', '-i', '0', '--type', 'mirror', '-m', '1', 'vg/lv', '/dev/loop1', '/dev/loop2');
      expect(await l.lvField('vg/lv', 'copy_percent')).toBe('100.00');
      // Writes to the second leg's extents fail (lv_mimage_1 is /dev/loop1 from PE 0; pe_start 1 MiB).
      await l.ok('fault', 'add', '/dev/loop1', '--write', '--error', '--offset', '1M', '--length', '16M');
      writeFileSync(join(l.dir, 'd'), randomBytes(MiB));
      const r = await l.run('dd', `if=${join(l.dir, 'd')}`, 'of=/dev/vg/lv', 'bs=1M', 'seek=4', 'conv=notrunc,fsync', 'status=none');
      expect(r.exitCode, r.stderr).toBe(0);
      await l.ok('fault', 'clear');
      // 8 regions of 2 MiB: the one written (MiB 4-5, region 2) stays out of sync (no syncer yet).
      const pct = await execa(BIN, ['lvs', '--noheadings', '-o', 'copy_percent', 'vg/lv'], { env: { ...l.env, TSVM_NO_AUTOSYNC: '1' } });
      expect(pct.stdout.trim()).toBe('87.50');
      // Even once the live leg is resynced, the failed image is not split off as a copy.
      await l.ok('lvconvert', '-i', '0', 'vg/lv');
      const s = await l.run('lvconvert', '--splitmirrors', '1', '--name', 'copy', 'vg/lv', '/dev/loop1');
      expect(s.exitCode).toBe(5);
      expect(s.stderr).toContain('Unable to split mirror vg/lv that is not in-sync.');
    } finally {
      l.cleanup();
    }
  }, 60_000);
});
