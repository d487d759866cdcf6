// pvmove --atomic moving real data under a writer (LVM2's pvmove-abort-all.sh, pvmove-restart.sh
// with --atomic): all LVs move through one mirror, so a move killed late and then aborted leaves
// everything on the source, and resumed moves everything; a segment-by-segment move killed as late
// and aborted keeps on the destination what it had committed (LVM2's remove_mirrors_from_segments).
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { CliLab } from './helpers/aux.js';
import * as move from './helpers/pvmove.js';

const MiB = 1024 * 1024;
const T = 400_000;
let lab: CliLab;
beforeEach(async () => {
  lab = new CliLab('tsvm-pvmove-atomic-');
  lab.prepareDevs(5, 200);
  lab.extraEnv = { TSVM_NO_AUTOSYNC: '1' };
  await lab.ok('pvcreate', '/dev/loop0', '/dev/loop1', '/dev/loop2', '/dev/loop3', '/dev/loop4');
  await lab.ok('vgcreate', 'vg', '/dev/loop0', '/dev/loop1', '/dev/loop2', '/dev/loop3');
  await lab.ok('lvcreate', '-L', '32m', '-n', 'a', 'vg', '/dev/loop0');
  await lab.ok('lvcreate', '-L', '32m', '-n', 'b', 'vg', '/dev/loop0');
}, T);
afterEach(() => lab.cleanup());

/** Two LVs on loop0 under writers, pvmove (args) to loop3 killed past 65% (a's segment done). */
async function killedLate(...args: string[]): Promise<{ da: Buffer; db: Buffer }> {
  const da = randomBytes(32 * MiB);
  const db = randomBytes(32 * MiB);
  // Both LVs written whole first: every region of the move must be copied (a region never written
  // is in sync at once, and the move could end before the kill). 32 regions of 2 MiB at 500 ms a
  // write, copied 8 at a time: the progress goes 25, 50, 75%, and the last batch leaves 4 s for
  // the kill at "past 65%" to land.
  for (const lv of ['a', 'b']) {
    writeFileSync(join(lab.dir, `${lv}0`), randomBytes(32 * MiB));
    await lab.ok('dd', `if=${join(lab.dir, `${lv}0`)}`, `of=/dev/vg/${lv}`, 'bs=4M', 'conv=fsync', 'status=none');
  }
  await lab.ok('fault', 'add', '/dev/loop3', '--write', '--delay', '500');
  await lab.ok('fault', 'add', '/dev/loop0', '--write', '--delay', '15');
  const wa = move.writer(lab, 'a', da, 'da');
  const wb = move.writer(lab, 'b', db, 'db');
  await move.sleep(300);
  await move.pvmoveKilledAt(lab, 65, ...args, '/dev/loop0', '/dev/loop3');
  const [ra, rb] = await Promise.all([wa, wb]);
  expect(ra.exitCode, ra.stderr).toBe(0);
  expect(rb.exitCode, rb.stderr).toBe(0);
  await lab.ok('fault', 'clear');
  return { da, db };
}

async function expectData(da: Buffer, db: Buffer): Promise<void> {
  expect((await lab.legBytes('vg/a', 0, 32 * MiB)).equals(da), 'a holds what dd wrote').toBe(true);
  expect((await lab.legBytes('vg/b', 0, 32 * MiB)).equals(db), 'b holds what dd wrote').toBe(true);
}

it('--atomic killed late: nothing has moved yet; --abort puts every LV back on the source with every write', async () => {
  const { da, db } = await killedLate('--atomic');
  // The metadata of the interrupted move: one mirror over the two images, the LVs still on it.
  const lvs = await lab.ok('lvs', '-a', '--noheadings', '--separator', ',', '-o', 'lv_name,lv_attr,devices', 'vg');
  const rows = lvs.stdout.trim().split('\n').map((l) => l.trim());
  expect(rows).toContain('[pvmove0],p-C-a-m---,pvmove0_mimage_0(0),pvmove0_mimage_1(0)');
  expect(rows.some((r) => /^\[pvmove0_mimage_0\],[iI]wi-aom---,\/dev\/loop0\(0\)$/.test(r)), rows.join('\n')).toBe(true);
  expect(rows.filter((r) => /^[ab],-wI-a-----,pvmove0\(0\)$/.test(r))).toHaveLength(2);
  expect(await move.pvUsed(lab, '/dev/loop0')).toBe(64 * MiB);
  const ab = await lab.run('pvmove', '--abort', '/dev/loop0');
  expect(ab.exitCode, ab.stderr).toBe(0);
  await move.expectNoMoveLeft(lab);
  expect(await lab.lvField('vg/a', 'devices')).toBe('/dev/loop0(0)');
  expect(await lab.lvField('vg/b', 'devices')).toBe('/dev/loop0(8)');
  expect(await move.pvUsed(lab, '/dev/loop3')).toBe(0);
  await expectData(da, db);
}, T);

it('--atomic killed late: a bare pvmove resumes and moves every LV; the destination holds every write', async () => {
  const { da, db } = await killedLate('--atomic');
  const resumed = await lab.run('pvmove', '-i', '1');
  expect(resumed.exitCode, resumed.stderr).toBe(0);
  expect(resumed.stdout).toContain('/dev/loop0: Moved: 100.00%');
  await move.expectNoMoveLeft(lab);
  expect(await move.pvUsed(lab, '/dev/loop0')).toBe(0);
  expect(await lab.lvField('vg/a', 'devices')).toBe('/dev/loop3(0)');
  expect(await lab.lvField('vg/b', 'devices')).toBe('/dev/loop3(8)');
  await expectData(da, db);
}, T);

it('segment by segment (no --atomic) killed as late: --abort keeps the committed segment on the destination', async () => {
  const { da, db } = await killedLate();
  const ab = await lab.run('pvmove', '--abort', '/dev/loop0');
  expect(ab.exitCode, ab.stderr).toBe(0);
  await move.expectNoMoveLeft(lab);
  expect(await lab.lvField('vg/a', 'devices')).toBe('/dev/loop3(0)');
  expect(await lab.lvField('vg/b', 'devices')).toBe('/dev/loop0(8)');
  expect(await move.pvUsed(lab, '/dev/loop3')).toBe(32 * MiB);
  await expectData(da, db);
}, T);
