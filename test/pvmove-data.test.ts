// pvmove moving real data while a `tsvm dd` writes (LVM2's pvmove-*.sh tests, with the data checked):
// kill -9 of the pvmove at chosen points, then a bare `pvmove` or the next activation resumes it;
// --abort mid-way; refusals that change nothing; the replace-a-disk lab. After the move, the bytes
// read from the destination PV images are exactly what dd wrote (dd exits 0 only when every write
// was acknowledged), the source extents are free, and no pvmove0 or locked LV is left.
import { execa, type ResultPromise } from 'execa';
import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { BIN, CliLab } from './helpers/aux.js';

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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Cpy%Sync of the pvmove LV, or -1 when there is none. */
async function movePercent(): Promise<number> {
  const r = await lab.run('lvs', '-a', '--noheadings', '--separator', ',', '-o', 'lv_name,copy_percent', 'vg');
  const row = r.stdout.split('\n').map((l) => l.trim().split(',')).find((f) => f[0] === '[pvmove0]');
  return row ? Number(row[1]) || 0 : -1;
}

/** A dd of `data` (written to a file first) into vg/lv, started now. */
function writer(lv: string, data: Buffer, name: string): ResultPromise {
  const f = join(lab.dir, name);
  writeFileSync(f, data);
  return execa(BIN, ['dd', `if=${f}`, `of=/dev/vg/${lv}`, 'bs=256k', 'conv=notrunc,fsync'], { env: lab.env, reject: false });
}

/** Start `pvmove args`, kill -9 it once the move is at least `at` percent done. */
async function pvmoveKilledAt(at: number, ...args: string[]): Promise<number> {
  const p = execa(BIN, ['pvmove', '-i', '0', ...args], { env: lab.env, reject: false });
  let pct = 0;
  let seen = false;
  for (let i = 0; i < 4000 && pct < at; i++) {
    await sleep(25);
    pct = await movePercent();
    if (pct >= 0) seen = true;
    else if (seen) break; // finished before we looked: the copy was not slow enough
  }
  p.kill('SIGKILL');
  await p;
  expect(pct, `the move never reached ${at}%`).toBeGreaterThanOrEqual(at);
  return pct;
}

async function expectNoMoveLeft(): Promise<void> {
  const r = await lab.ok('lvs', '-a', '--noheadings', '-o', 'lv_name,lv_attr', 'vg');
  expect(r.stdout).not.toContain('pvmove');
  for (const line of r.stdout.trim().split('\n')) expect(line.trim().split(/\s+/)[1]![2], line).toMatch(/[a-z]/);
}

async function pvUsed(pv: string): Promise<number> {
  return Number((await lab.ok('pvs', '--noheadings', '--units', 'b', '--nosuffix', '-o', 'pv_used', pv)).stdout.trim());
}

/** Wait for a background move (resumed by activation) to finish. */
async function waitMoved(): Promise<void> {
  for (let i = 0; i < 3000 && (await movePercent()) >= 0; i++) await sleep(100);
  expect(await movePercent(), 'the move did not finish').toBe(-1);
}

it('pvmove --abort mid-way under a writer: the LV is back on the source with every write; the destination is free', async () => {
  await lab.ok('lvcreate', '-L', '64m', '-n', 'a', 'vg', '/dev/loop0');
  const d = randomBytes(64 * MiB);
  await lab.ok('fault', 'add', '/dev/loop3', '--write', '--delay', '300');
  await lab.ok('fault', 'add', '/dev/loop0', '--write', '--delay', '15');
  const w = writer('a', d, 'd');
  await sleep(300);
  const mover = execa(BIN, ['pvmove', '-i', '0', '/dev/loop0', '/dev/loop3'], { env: lab.env, reject: false });
  let pct = -1;
  for (let i = 0; i < 4000 && pct < 25; i++) {
    await sleep(25);
    pct = await movePercent();
  }
  expect(pct).toBeLessThan(100);
  // From here the copy crawls (2 s a region), so the abort surely comes first even on a loaded machine.
  await lab.ok('fault', 'clear');
  await lab.ok('fault', 'add', '/dev/loop3', '--write', '--delay', '2000');
  await lab.ok('fault', 'add', '/dev/loop0', '--write', '--delay', '15');
  const ab = await lab.run('pvmove', '--abort');
  expect(ab.exitCode, ab.stderr).toBe(0);
  const m = await mover;
  expect(m.exitCode, m.stderr).toBe(0);
  expect(m.stdout).toContain('/dev/loop0: No pvmove in progress - already finished or aborted.');
  const r = await w;
  expect(r.exitCode, r.stderr).toBe(0);
  await lab.ok('fault', 'clear');
  await expectNoMoveLeft();
  expect(await lab.lvField('vg/a', 'devices')).toBe('/dev/loop0(0)');
  expect(await pvUsed('/dev/loop3')).toBe(0);
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
  await lab.ok('fault', 'add', '/dev/loop3', '--write', '--delay', '150');
  await lab.ok('fault', 'add', '/dev/loop0', '--write', '--delay', '15');
  const w = writer('a', da, 'da');
  await sleep(300);
  await pvmoveKilledAt(at, '/dev/loop0', '/dev/loop3');
  // The metadata of a move in progress, as LVM2 leaves it after a crash.
  const lvs = await lab.ok('lvs', '-a', '-o', 'lv_name,lv_attr,move_pv,devices', 'vg');
  expect(lvs.stdout).toMatch(/\[pvmove0\]\s+p-C-a-m---\s+\/dev\/loop0/);
  expect(lvs.stdout).toMatch(/\ba\s+-wI-a-----/);
  const wb = writer('b', db, 'db');
  const [ra, rb] = await Promise.all([w, wb]);
  expect(ra.exitCode, ra.stderr).toBe(0);
  expect(rb.exitCode, rb.stderr).toBe(0);
  await lab.ok('fault', 'clear');
  const resumed = await lab.run('pvmove', '-i', '1');
  expect(resumed.exitCode, resumed.stderr).toBe(0);
  expect(resumed.stdout).toContain('/dev/loop0: Moved: 100.00%');
  await expectNoMoveLeft();
  expect(await pvUsed('/dev/loop0')).toBe(0);
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
  const w = writer('m', d, 'd');
  await sleep(300);
  await pvmoveKilledAt(30, '/dev/loop0');
  // The mirror's PVs (loop0-2) are avoided: the image goes to loop3.
  expect(await lab.lvField('vg/pvmove0', 'devices', '-a')).toContain('/dev/loop3(0)');
  const r = await w;
  expect(r.exitCode, r.stderr).toBe(0);
  await lab.ok('fault', 'clear');
  lab.extraEnv = {};
  await lab.ok('vgchange', '-an', 'vg');
  await lab.ok('vgchange', '-ay', 'vg');
  await waitMoved();
  await expectNoMoveLeft();
  expect(await pvUsed('/dev/loop0')).toBe(0);
  expect(await lab.lvField('vg/m_mimage_0', 'devices', '-a')).toBe('/dev/loop3(0)');
  for (let i = 0; i < 100 && (await lab.lvField('vg/m', 'copy_percent')) !== '100.00'; i++) await sleep(100);
  expect((await lab.legBytes('vg/m_mimage_0', 0, 32 * MiB)).equals(d), 'the moved image holds what dd wrote').toBe(true);
  expect((await lab.legBytes('vg/m_mimage_1', 0, 32 * MiB)).equals(d), 'the other image too').toBe(true);
}, T);

it("a mirror's log moves under a writer: the log on the new PV keeps the mirror's state, the data is whole", async () => {
  await lab.ok('lvcreate', '--type', 'mirror', '-m', '1', '-L', '32m', '-n', 'm', 'vg', '/dev/loop0', '/dev/loop1', '/dev/loop2');
  await lab.ok('lvconvert', '-i', '0', 'vg/m');
  const d = randomBytes(32 * MiB);
  await lab.ok('fault', 'add', '/dev/loop2', '--write', '--delay', '10');
  const w = writer('m', d, 'd');
  await sleep(300);
  const mv = await lab.run('pvmove', '-i', '0', '/dev/loop2');
  expect(mv.exitCode, mv.stderr).toBe(0);
  const r = await w;
  expect(r.exitCode, r.stderr).toBe(0);
  await lab.ok('fault', 'clear');
  await expectNoMoveLeft();
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
  const w = writer('data', d1, 'd1');
  await sleep(200);
  const mv = await lab.run('pvmove', '-i', '1', '/dev/loop0');
  expect(mv.exitCode, mv.stderr).toBe(0);
  expect(mv.stdout.split('\n')[0]).toBe('  /dev/loop0: Moved: 0.00%');
  expect(mv.stdout.trim().split('\n').pop()).toBe('  /dev/loop0: Moved: 100.00%');
  const r = await w;
  expect(r.exitCode, r.stderr).toBe(0);
  await lab.ok('fault', 'clear');
  expect((await lab.ok('vgreduce', 'vg', '/dev/loop0')).stdout.trim()).toBe('Removed "/dev/loop0" from volume group "vg"');
  await expectNoMoveLeft();
  expect(await lab.lvField('vg/data', 'devices')).toBe('/dev/loop4(0)');
  expect(await lab.lvField('vg/logs', 'devices')).toBe('/dev/loop4(6)');
  expect((await lab.legBytes('vg/data', 0, 24 * MiB)).equals(d1)).toBe(true);
  expect((await lab.legBytes('vg/logs', 0, 16 * MiB)).equals(d2)).toBe(true);
}, T);
