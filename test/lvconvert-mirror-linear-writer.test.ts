// `lvconvert --type mirror -m 1` of a linear LV while a `tsvm dd` writes into it: the dd, which
// opened a linear LV, notices the conversion (the VG seqno, checked under the per-LV lock the
// conversion commits under: watched-mirror.ts, through open-lv.ts's watcher hook) and goes on
// through the mirror, so the new leg gets the writes made after the conversion as well as the copy
// of those made before. After the dd and the sync, both legs hold exactly what dd wrote.
import { execa } from 'execa';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { BIN, CliLab } from './helpers/aux.js';

const MiB = 1024 * 1024;
let lab: CliLab;
beforeEach(async () => {
  lab = new CliLab('tsvm-lmw-');
  lab.prepareDevs(3, 200);
  await lab.ok('pvcreate', '/dev/loop0', '/dev/loop1', '/dev/loop2');
  await lab.ok('vgcreate', 'vg', '/dev/loop0', '/dev/loop1', '/dev/loop2');
});
afterEach(() => lab.cleanup());

const legBytes = (vgLv: string, len: number) => lab.legBytes(vgLv, 0, len);

it('a dd into a linear LV converted to a mirror mid-way: both legs end byte-identical to what dd wrote', async () => {
  const N = 20;
  await lab.ok('lvcreate', '-L', `${N}m`, '-n', 'lv', 'vg', '/dev/loop0');
  const a = randomBytes(N * MiB);
  const b = randomBytes(N * MiB);
  writeFileSync(join(lab.dir, 'a'), a);
  writeFileSync(join(lab.dir, 'b'), b);
  await lab.ok('dd', `if=${join(lab.dir, 'a')}`, 'of=/dev/vg/lv', 'bs=1M', 'conv=notrunc', 'status=none');
  // Slow every write to the linear LV's PV: the dd takes about N x 150 ms.
  await lab.ok('fault', 'add', '/dev/loop0', '--delay', '150', '--write');
  const dd = execa(BIN, ['dd', `if=${join(lab.dir, 'b')}`, 'of=/dev/vg/lv', 'bs=1M', 'conv=notrunc'], { env: lab.env, reject: false });
  await new Promise((r) => setTimeout(r, 1200));
  const conv = await lab.run('lvconvert', '-y', '--type', 'mirror', '-m', '1', 'vg/lv', '/dev/loop1', '/dev/loop2');
  expect(conv.exitCode, conv.stderr).toBe(0);
  const r = await dd;
  expect(r.exitCode, r.stderr).toBe(0);
  expect(r.stderr).toContain(`${N}+0 records out`);
  await lab.ok('fault', 'clear');
  // The conversion really happened while the dd was writing: the new leg did not get b by a copy
  // made after the dd finished only.
  expect(await lab.lvField('vg/lv', 'lv_layout')).toBe('mirror');
  await lab.ok('lvconvert', '-i', '0', 'vg/lv');
  for (let i = 0; i < 100 && (await lab.lvField('vg/lv', 'copy_percent')) !== '100.00'; i++) await new Promise((res) => setTimeout(res, 100));
  expect(await lab.lvField('vg/lv', 'copy_percent')).toBe('100.00');
  const leg0 = await legBytes('vg/lv_mimage_0', N * MiB);
  const leg1 = await legBytes('vg/lv_mimage_1', N * MiB);
  expect(leg0.equals(b), 'mimage_0 (the old linear extents) holds what dd wrote').toBe(true);
  for (let k = 0; k < N; k++) {
    expect(leg1.subarray(k * MiB, (k + 1) * MiB).equals(b.subarray(k * MiB, (k + 1) * MiB)), `mimage_1 MiB ${k}`).toBe(true);
  }
});

it('a dd waiting on a pipe does not hold the LV back: the conversion goes through at once, the later writes reach both legs', async () => {
  // The writer keeps the LV's lock across its writes (state.ts LvLease) but lets it go before it
  // waits on its input: a stalled pipe must not stall lvconvert.
  await lab.ok('lvcreate', '-L', '8m', '-n', 'lv', 'vg', '/dev/loop0');
  const a = randomBytes(MiB);
  const b = randomBytes(MiB);
  const dd = execa(BIN, ['dd', 'of=/dev/vg/lv', 'bs=64k', 'status=none'], { env: lab.env, reject: false });
  dd.stdin!.write(a);
  // Wait until the first MiB is on the LV's extents, then convert while the dd waits for more input.
  for (let i = 0; i < 200 && !(await legBytes('vg/lv', MiB)).equals(a); i++) await new Promise((r) => setTimeout(r, 25));
  const t0 = Date.now();
  const conv = await lab.run('lvconvert', '-y', '-i', '0', '--type', 'mirror', '-m', '1', 'vg/lv', '/dev/loop1', '/dev/loop2');
  const took = Date.now() - t0;
  expect(conv.exitCode, conv.stderr).toBe(0);
  expect(dd.exitCode, 'the dd was still waiting on its input during the conversion').toBeNull();
  expect(took, 'lvconvert waited for the dd').toBeLessThan(20_000);
  dd.stdin!.end(b);
  const r = await dd;
  expect(r.exitCode, r.stderr).toBe(0);
  await lab.ok('lvconvert', '-i', '0', 'vg/lv');
  const want = Buffer.concat([a, b]);
  expect((await legBytes('vg/lv_mimage_0', 2 * MiB)).equals(want)).toBe(true);
  expect((await legBytes('vg/lv_mimage_1', 2 * MiB)).equals(want)).toBe(true);
});
