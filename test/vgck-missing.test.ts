// vgck (LVM2 tools/vgck.c vgck_single, test/shell/vgextend-restoremissing.sh): a VG missing PVs
// fails the check, before and after the device comes back while still flagged MISSING.
import { renameSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { CliLab } from './helpers/aux.js';

let lab: CliLab;
afterEach(() => lab?.cleanup());

it('vgck fails while a PV is missing', async () => {
  lab = new CliLab('tsvm-vgck-');
  lab.prepareDevs(3, 100);
  await lab.ok('vgcreate', 'vg', '/dev/loop0', '/dev/loop1', '/dev/loop2');
  await lab.ok('lvcreate', '-an', '-l1', '-n', 'lv', 'vg', '/dev/loop1');
  expect((await lab.run('vgck', 'vg')).exitCode).toBe(0);
  renameSync(join(lab.devDir, 'loop0'), join(lab.dir, 'loop0.gone'));
  const gone = await lab.run('vgck', 'vg');
  expect(gone.exitCode).toBe(5);
  expect(gone.stderr).toContain('  The volume group is missing 1 physical volumes.');
  // written while the PV was missing: it stays MISSING when it comes back
  await lab.ok('lvremove', '-f', 'vg/lv');
  renameSync(join(lab.dir, 'loop0.gone'), join(lab.devDir, 'loop0'));
  const back = await lab.run('vgck', 'vg');
  expect(back.exitCode).toBe(5);
  expect(back.stderr).toContain('  The volume group is missing 1 physical volumes.');
  await lab.ok('vgextend', '--restoremissing', 'vg', '/dev/loop0');
  expect((await lab.run('vgck', 'vg')).exitCode).toBe(0);
}, 60_000);
