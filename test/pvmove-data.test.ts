// pvmove moving real data while a `tsvm dd` writes (LVM2's pvmove-*.sh tests, with the data checked):
// kill -9 of the pvmove at chosen points, then a bare `pvmove` or the next activation resumes it;
// --abort mid-way; refusals that change nothing; the replace-a-disk lab. After the move, the bytes
// read from the destination PV images are exactly what dd wrote (dd exits 0 only when every write
// was acknowledged), the source extents are free, and no pvmove0 or locked LV is left.
import { execa } from 'execa';
import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { BIN, CliLab } from './helpers/aux.js';
import * as move from './helpers/pvmove.js';

const MiB = 1024 * 1024;
/** The machine may be loaded: copies are slowed on purpose, and every lvs poll costs a start-up. */
const T = 400_000;
let lab: CliLab;
beforeEach(async () => {
  lab = new CliLab('tsvm-pvmove-');
  lab.prepareDevs(5, 200);
  lab.extraEnv = { TSVM_NO_AUTOSYNC: '1' };
  await lab.ok('pvcreate', '/dev/loop0', '/dev/loop1', '/dev/loop2', '/dev/loop3', '/dev/loop4');
  await lab.ok('vgcreate', 'vg', '/dev/loop0', '/dev/loop1', '/dev/loop2', '/dev/loop3');
}, T);
afterEach(() => lab.cleanup());

it('pvmove --abort mid-way under a writer: the LV is back on the source with every write; the destination is free', async () => {
  await lab.ok('lvcreate', '-L', '64m', '-n', 'a', 'vg', '/dev/loop0');
  // The whole LV is written before the move, so every region of the move must be copied and the
  // copy goes at the pace the destination's delay sets. (A region never written needs no copy and
  // is in sync at once: when the writer had written little before the move's log was made, the
  // copy was over in a few regions and the move finished before the abort came — how far the
  // writer got depended on the load and on the tests run before, so the test failed at random.)
  const d0 = randomBytes(64 * MiB);
  writeFileSync(join(lab.dir, 'd0'), d0);
  await lab.ok('dd', `if=${join(lab.dir, 'd0')}`, 'of=/dev/vg/a', 'bs=4M', 'conv=fsync', 'status=none');
  const d = randomBytes(64 * MiB);
  // A process reads the fault rules when it opens its devices, so the mover keeps this delay for
  // its whole one-segment copy (changing the rules mid-way would not reach it): 32 regions of 2 MiB,
  // one write of 1 s each, copied in batches of 8 under the LV lock. The first progress is seen
  // after 8 s; the abort then has the other 24 s to come in (a process start, and at most the
  // batch in progress to wait for).
  await lab.ok('fault', 'add', '/dev/loop3', '--write', '--delay', '1000');
  await lab.ok('fault', 'add', '/dev/loop0', '--write', '--delay', '15');
  const w = move.writer(lab, 'a', d, 'd');
  await move.sleep(300);
  const mover = execa(BIN, ['pvmove', '-i', '0', '/dev/loop0', '/dev/loop3'], { env: lab.env, reject: false });
  let pct = -1;
  for (let i = 0; i < 4000 && pct < 5; i++) {
    await move.sleep(25);
    pct = await move.movePercent(lab);
  }
  expect(pct).toBeGreaterThanOrEqual(5);
  expect(pct).toBeLessThan(100);
  const ab = await lab.run('pvmove', '--abort');
  expect(ab.exitCode, ab.stderr).toBe(0);
  const m = await mover;
  expect(m.exitCode, m.stderr).toBe(0);
  // The mover saw its move aborted (it prints nothing when it finishes the copy itself with -i 0).
  expect(m.stdout).toContain('/dev/loop0: No pvmove in progress - already finished or aborted.');
  const r = await w;
  expect(r.exitCode, r.stderr).toBe(0);
  await lab.ok('fault', 'clear');
  await move.expectNoMoveLeft(lab);
  expect(await lab.lvField('vg/a', 'devices')).toBe('/dev/loop0(0)');
  expect(await move.pvUsed(lab, '/dev/loop3')).toBe(0);
  expect((await lab.legBytes('vg/a', 0, 64 * MiB)).equals(d)).toBe(true);
}, T);

it.each([
  ['in the first segment', 15],
  ['after the first segment was committed', 65],
])('linear LVs under a writer, pvmove killed %s: a bare pvmove resumes; the destination holds every write', async (_what, at) => {
  await lab.ok('lvcreate', '-L', '32m', '-n', 'a', 'vg', '/dev/loop0');
  await lab.ok('lvcreate', '-L', '32m', '-n', 'b', 'vg', '/dev/loop0');
  const da = randomBytes(32 * MiB);
  const db = randomBytes(32 * MiB);
  // b is written before the move, so its segment must be copied too, at the destination's pace (a
  // segment never written is in sync at once: the move would end as soon as a's segment is done,
  // before the kill at 65% could come).
  writeFileSync(join(lab.dir, 'b0'), randomBytes(32 * MiB));
  await lab.ok('dd', `if=${join(lab.dir, 'b0')}`, 'of=/dev/vg/b', 'bs=4M', 'conv=fsync', 'status=none');
  await lab.ok('fault', 'add', '/dev/loop3', '--write', '--delay', '150');
  await lab.ok('fault', 'add', '/dev/loop0', '--write', '--delay', '15');
  const w = move.writer(lab, 'a', da, 'da');
  await move.sleep(300);
  await move.pvmoveKilledAt(lab, at, '/dev/loop0', '/dev/loop3');
  // The metadata of a move in progress, as LVM2 leaves it after a crash.
  const lvs = await lab.ok('lvs', '-a', '-o', 'lv_name,lv_attr,move_pv,devices', 'vg');
  expect(lvs.stdout).toMatch(/\[pvmove0\]\s+p-C-a-m---\s+\/dev\/loop0/);
  expect(lvs.stdout).toMatch(/\ba\s+-wI-a-----/);
  const wb = move.writer(lab, 'b', db, 'db');
  const [ra, rb] = await Promise.all([w, wb]);
  expect(ra.exitCode, ra.stderr).toBe(0);
  expect(rb.exitCode, rb.stderr).toBe(0);
  await lab.ok('fault', 'clear');
  const resumed = await lab.run('pvmove', '-i', '1');
  expect(resumed.exitCode, resumed.stderr).toBe(0);
  expect(resumed.stdout).toContain('/dev/loop0: Moved: 100.00%');
  await move.expectNoMoveLeft(lab);
  expect(await move.pvUsed(lab, '/dev/loop0')).toBe(0);
  expect((await lab.lvField('vg/a', 'devices')).startsWith('/dev/loop3')).toBe(true);
  expect((await lab.legBytes('vg/a', 0, 32 * MiB)).equals(da), 'a on the destination holds what dd wrote').toBe(true);
  expect((await lab.legBytes('vg/b', 0, 32 * MiB)).equals(db), 'b on the destination holds what dd wrote').toBe(true);
}, T);

it('a mirror image under a writer, pvmove killed mid-way: the next activation resumes (core log gone: the segment is copied again)', async () => {
  await lab.ok('lvcreate', '-L', '32m', '-n', 'm', 'vg', '/dev/loop0');
  await lab.ok('lvconvert', '-y', '-i', '0', '--type', 'mirror', '-m', '1', 'vg/m', '/dev/loop1', '/dev/loop2');
  const d = randomBytes(32 * MiB);
  await lab.ok('fault', 'add', '/dev/loop3', '--write', '--delay', '150');
  await lab.ok('fault', 'add', '/dev/loop0', '--write', '--delay', '15');
  const w = move.writer(lab, 'm', d, 'd');
  await move.sleep(300);
  await move.pvmoveKilledAt(lab, 30, '/dev/loop0');
  // The mirror's PVs (loop0-2) are avoided: the image goes to loop3.
  expect(await lab.lvField('vg/pvmove0', 'devices', '-a')).toContain('/dev/loop3(0)');
  const r = await w;
  expect(r.exitCode, r.stderr).toBe(0);
  await lab.ok('fault', 'clear');
  lab.extraEnv = {};
  await lab.ok('vgchange', '-an', 'vg');
  await lab.ok('vgchange', '-ay', 'vg');
  await move.waitMoved(lab);
  await move.expectNoMoveLeft(lab);
  expect(await move.pvUsed(lab, '/dev/loop0')).toBe(0);
  expect(await lab.lvField('vg/m_mimage_0', 'devices', '-a')).toBe('/dev/loop3(0)');
  for (let i = 0; i < 100 && (await lab.lvField('vg/m', 'copy_percent')) !== '100.00'; i++) await move.sleep(100);
  expect((await lab.legBytes('vg/m_mimage_0', 0, 32 * MiB)).equals(d), 'the moved image holds what dd wrote').toBe(true);
  expect((await lab.legBytes('vg/m_mimage_1', 0, 32 * MiB)).equals(d), 'the other image too').toBe(true);
}, T);

it("a mirror's log moves under a writer: the log on the new PV keeps the mirror's state, the data is whole", async () => {
  await lab.ok('lvcreate', '--type', 'mirror', '-m', '1', '-L', '32m', '-n', 'm', 'vg', '/dev/loop0', '/dev/loop1', '/dev/loop2');
  await lab.ok('lvconvert', '-i', '0', 'vg/m');
  const d = randomBytes(32 * MiB);
  await lab.ok('fault', 'add', '/dev/loop2', '--write', '--delay', '10');
  const w = move.writer(lab, 'm', d, 'd');
  await move.sleep(300);
  const mv = await lab.run('pvmove', '-i', '0', '/dev/loop2');
  expect(mv.exitCode, mv.stderr).toBe(0);
  const r = await w;
  expect(r.exitCode, r.stderr).toBe(0);
  await lab.ok('fault', 'clear');
  await move.expectNoMoveLeft(lab);
  // The mirror's other PVs are avoided: the log goes to loop3, and it was carried over, not rebuilt.
  expect(await lab.lvField('vg/m_mlog', 'devices', '-a')).toBe('/dev/loop3(0)');
  expect(await lab.lvField('vg/m', 'copy_percent')).toBe('100.00');
  expect((await lab.legBytes('vg/m_mimage_0', 0, 32 * MiB)).equals(d)).toBe(true);
  expect((await lab.legBytes('vg/m_mimage_1', 0, 32 * MiB)).equals(d)).toBe(true);
}, T);

it('refusals change nothing: same PV, a PV with no extents, no room, a missing PV, a PV of a VG missing a PV', async () => {
  // Smaller images: each refusal hashes every image before and after.
  lab.cleanup();
  lab = new CliLab('tsvm-pvmove-');
  lab.prepareDevs(5, 48);
  await lab.ok('pvcreate', '/dev/loop0', '/dev/loop1', '/dev/loop2', '/dev/loop3', '/dev/loop4');
  await lab.ok('vgcreate', 'vg', '/dev/loop0', '/dev/loop1', '/dev/loop2', '/dev/loop3');
  await lab.ok('lvcreate', '-L', '32m', '-n', 'a', 'vg', '/dev/loop0');
  await lab.ok('lvcreate', '-L', '8m', '-n', 'b', 'vg', '/dev/loop2');
  expect(await lab.failsUnchanged(5, 'pvmove', '/dev/loop0', '/dev/loop0')).toBe('  No extents available for allocation.');
  expect(await lab.failsUnchanged(5, 'pvmove', '/dev/loop1')).toBe('  No data to move for vg.');
  expect(await lab.failsUnchanged(5, 'pvmove', '/dev/loop0', '/dev/loop3:0-1')).toBe([
    '  Insufficient free space: 8 extents needed, but only 2 available',
    '  Unable to allocate mirror extents for vg/pvmove0.',
    '  Failed to convert pvmove LV to mirrored.',
  ].join('\n'));
  expect(await lab.failsUnchanged(5, 'pvmove', '/dev/loop4')).toBe('  No extents available for allocation.');
  rmSync(join(lab.devDir, 'loop2'));
  expect(await lab.failsUnchanged(3, 'pvmove', '/dev/loop2')).toBe("  Cannot use /dev/loop2: device not found\n  Run `pvmove --help' for more information.");
  const err = await lab.failsUnchanged(3, 'pvmove', '/dev/loop0');
  expect(err).toContain('Cannot change VG vg while PVs are missing.');
  expect(err).toContain('Failed to find physical volume "/dev/loop0".');
}, T);

it('the replace-a-disk lab: pvcreate new; vgextend vg new; pvmove old; vgreduce vg old, with a writer running', async () => {
  await lab.ok('vgreduce', 'vg', '/dev/loop1', '/dev/loop2', '/dev/loop3');
  await lab.ok('lvcreate', '-L', '24m', '-n', 'data', 'vg');
  await lab.ok('lvcreate', '-L', '16m', '-n', 'logs', 'vg');
  const d1 = randomBytes(24 * MiB);
  const d2 = randomBytes(16 * MiB);
  writeFileSync(join(lab.dir, 'd2'), d2);
  await lab.ok('dd', `if=${join(lab.dir, 'd2')}`, 'of=/dev/vg/logs', 'bs=1M', 'conv=fsync', 'status=none');
  await lab.ok('pvcreate', '-ff', '-y', '/dev/loop4');
  await lab.ok('vgextend', 'vg', '/dev/loop4');
  await lab.ok('fault', 'add', '/dev/loop4', '--write', '--delay', '20');
  const w = move.writer(lab, 'data', d1, 'd1');
  await move.sleep(200);
  const mv = await lab.run('pvmove', '-i', '1', '/dev/loop0');
  expect(mv.exitCode, mv.stderr).toBe(0);
  expect(mv.stdout.split('\n')[0]).toBe('  /dev/loop0: Moved: 0.00%');
  expect(mv.stdout.trim().split('\n').pop()).toBe('  /dev/loop0: Moved: 100.00%');
  const r = await w;
  expect(r.exitCode, r.stderr).toBe(0);
  await lab.ok('fault', 'clear');
  expect((await lab.ok('vgreduce', 'vg', '/dev/loop0')).stdout.trim()).toBe('Removed "/dev/loop0" from volume group "vg"');
  await move.expectNoMoveLeft(lab);
  expect(await lab.lvField('vg/data', 'devices')).toBe('/dev/loop4(0)');
  expect(await lab.lvField('vg/logs', 'devices')).toBe('/dev/loop4(6)');
  expect((await lab.legBytes('vg/data', 0, 24 * MiB)).equals(d1)).toBe(true);
  expect((await lab.legBytes('vg/logs', 0, 16 * MiB)).equals(d2)).toBe(true);
}, T);
