// Reading commands read the metadata areas first, as LVM2 always reads the disks: one header per
// area compared with what the database last wrote; a VG changed elsewhere (here by a second tsvm
// with its own database, as the real LVM2 would change it) is brought into the database before
// lvs/vgs/pvs answer, without pvscan --cache. A VG with no sound area left is not shown at all.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { closeSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { CliLab } from './helpers/aux.js';

let lab: CliLab;

beforeEach(async () => {
  lab = new CliLab('tsvm-readareas-');
  lab.prepareDevs(2, 100);
  await lab.ok('vgcreate', 'vg', '/dev/loop0', '/dev/loop1');
  await lab.ok('lvcreate', '-L', '8m', '-n', 'lv', 'vg');
});
afterEach(() => lab.cleanup());

/** Run tsvm with another database on the same disks: "the other machine". */
async function elsewhere(...args: string[]): Promise<void> {
  const saved = lab.extraEnv;
  lab.extraEnv = { ...saved, TSVM_SYSTEM_DIR: join(lab.dir, 'other') };
  try {
    await lab.ok(...args);
  } finally {
    lab.extraEnv = saved;
  }
}

describe('reports read the metadata areas', () => {
  it('see a change made to the disks by someone else, without pvscan --cache', async () => {
    await elsewhere('pvscan', '--cache');
    await elsewhere('lvcreate', '-L', '4m', '-n', 'other', 'vg');
    await elsewhere('lvremove', '-y', 'vg/lv');
    const r = await lab.ok('lvs', '--noheadings', '-o', 'lv_name,vg_seqno');
    expect(r.stdout.trim().split(/\s+/)).toEqual(['other', '4']);
    expect(r.stderr).toBe('');
    // the database has it now: a change goes on from there
    await lab.ok('lvcreate', '-L', '4m', '-n', 'mine', 'vg');
    expect((await lab.ok('vgs', '--noheadings', '-o', 'lv_count,vg_seqno', 'vg')).stdout.trim().split(/\s+/)).toEqual(['2', '5']);
  });

  it('leave out a VG whose every area is damaged, as LVM2 finds no VG', async () => {
    for (const dev of ['loop0', 'loop1']) {
      const fd = openSync(join(lab.devDir, dev), 'r+');
      writeSync(fd, Buffer.alloc(512), 0, 512, 4096);
      closeSync(fd);
    }
    const vgs = await lab.run('vgs');
    expect(vgs.exitCode).toBe(0);
    expect(vgs.stdout).toBe('');
    expect(vgs.stderr).toContain('  WARNING: bad metadata header on /dev/loop1 at 4096.');
    const lvs = await lab.run('lvs', 'vg');
    expect(lvs.exitCode).toBe(5);
    expect(lvs.stderr.split('\n').slice(-2)).toEqual(['  Volume group "vg" not found', '  Cannot process volume group vg']);
  });
});
