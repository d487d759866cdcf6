// A layout change while a `tsvm dd` is writing into the mirror: the command commits under the
// mirror's per-LV lock and the dd, which re-reads the VG seqno under the same lock before each
// write, re-opens its legs (watched-mirror.ts). So the leg that left holds exactly what was
// written up to the change, and every later write is on the legs that remain. A dd reading
// checks the same before each read: after the change it reads the legs that remain.
import { execa } from 'execa';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readFileSync, readSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { BIN, CliLab } from './helpers/aux.js';

const MiB = 1024 * 1024;
const EXTENT = 4 * MiB;
let lab: CliLab;
beforeEach(async () => {
  lab = new CliLab('tsvm-mlc-');
  lab.prepareDevs(4, 200);
  await lab.ok('pvcreate', '/dev/loop0', '/dev/loop1', '/dev/loop2', '/dev/loop3');
  await lab.ok('vgcreate', 'vg', '/dev/loop0', '/dev/loop1', '/dev/loop2', '/dev/loop3');
});
afterEach(() => lab.cleanup());

/** Bytes of a linear range on a PV image: extents [pe, pe+len/EXTENT) of /dev/NAME. */
function pvBytes(name: string, pe: number, len: number): Buffer {
  const b = Buffer.alloc(len);
  const fd = openSync(join(lab.devDir, name), 'r');
  readSync(fd, b, 0, len, MiB + pe * EXTENT);
  closeSync(fd);
  return b;
}

it('lvconvert -m -1 while a dd writes: the removed leg stops at the change, later writes reach the remaining legs only', async () => {
  const N = 20;
  await lab.ok('lvcreate', '-L', `${N}m`, '-n', 'lv', 'vg', '/dev/loop0');
  const a = randomBytes(N * MiB);
  const b = randomBytes(N * MiB);
  writeFileSync(join(lab.dir, 'a'), a);
  writeFileSync(join(lab.dir, 'b'), b);
  await lab.ok('dd', `if=${join(lab.dir, 'a')}`, 'of=/dev/vg/lv', 'bs=1M', 'conv=notrunc', 'status=none');
  await lab.ok('lvconvert', '-y', '--type', 'mirror', '-m', '2', '--mirrorlog', 'core', 'vg/lv', '/dev/loop1', '/dev/loop2');
  expect(await lab.lvField('vg/lv_mimage_2', 'devices', '-a')).toBe('/dev/loop2(0)');
  // Slow every write to the first leg: the dd takes about N x 150 ms.
  await lab.ok('fault', 'add', '/dev/loop0', '--delay', '150', '--write');
  const dd = execa(BIN, ['dd', `if=${join(lab.dir, 'b')}`, 'of=/dev/vg/lv', 'bs=1M', 'conv=notrunc'], { env: lab.env, reject: false });
  await new Promise((r) => setTimeout(r, 1200));
  const conv = await lab.run('lvconvert', '-y', '-m', '-1', 'vg/lv');
  expect(conv.exitCode, conv.stderr).toBe(0);
  const r = await dd;
  expect(r.exitCode, r.stderr).toBe(0);
  expect(r.stderr).toContain(`${N}+0 records out`);
  await lab.ok('fault', 'clear');
  expect(await lab.run('lvs', '-a', '--noheadings', '-o', 'name', 'vg').then((x) => x.stdout)).not.toContain('lv_mimage_2');
  // The remaining legs have every block the dd wrote.
  expect(pvBytes('loop0', 0, N * MiB).equals(b)).toBe(true);
  expect(pvBytes('loop1', 0, N * MiB).equals(b)).toBe(true);
  // The removed leg: the new data up to the change, then the old data, nothing written after.
  const gone = pvBytes('loop2', 0, N * MiB);
  let k = 0;
  while (k < N && gone.subarray(k * MiB, (k + 1) * MiB).equals(b.subarray(k * MiB, (k + 1) * MiB))) k++;
  expect(k).toBeGreaterThan(0);
  expect(k).toBeLessThan(N);
  expect(gone.subarray(k * MiB).equals(a.subarray(k * MiB))).toBe(true);
});

it('lvconvert -m 0 of a raid1 while a dd reads it: the reads after the change come from the image that remains', async () => {
  const N = 16;
  await lab.ok('lvcreate', '-y', '--type', 'raid1', '-m', '1', '--nosync', '-L', `${N}m`, '-n', 'lv', 'vg', '/dev/loop0', '/dev/loop1');
  const a = randomBytes(N * MiB);
  const b = randomBytes(N * MiB);
  writeFileSync(join(lab.dir, 'a'), a);
  writeFileSync(join(lab.dir, 'b'), b);
  await lab.ok('dd', `if=${join(lab.dir, 'a')}`, 'of=/dev/vg/lv', 'bs=1M', 'conv=fsync', 'status=none');
  // Slow every read of either image: the dd reads about one MiB per 150 ms.
  await lab.ok('fault', 'add', '/dev/loop0', '/dev/loop1', '--delay', '150', '--read');
  const out = join(lab.dir, 'out');
  const dd = execa(BIN, ['dd', 'if=/dev/vg/lv', `of=${out}`, 'bs=1M', 'iflag=direct'], { env: lab.env, reject: false });
  await new Promise((r) => setTimeout(r, 1200));
  // The first image (the one the dd reads from) leaves; what is written next is on the other only.
  const conv = await lab.run('lvconvert', '-y', '-m', '0', 'vg/lv', '/dev/loop0');
  expect(conv.exitCode, conv.stderr).toBe(0);
  await lab.ok('dd', `if=${join(lab.dir, 'b')}`, 'of=/dev/vg/lv', 'bs=1M', 'conv=fsync', 'status=none');
  const r = await dd;
  expect(r.exitCode, r.stderr).toBe(0);
  await lab.ok('fault', 'clear');
  const got = readFileSync(out);
  expect(got.length).toBe(N * MiB);
  const blocks = Array.from({ length: N }, (_, k) => got.subarray(k * MiB, (k + 1) * MiB));
  const of = (x: Buffer, k: number) => blocks[k]!.equals(x.subarray(k * MiB, (k + 1) * MiB));
  // old data before the change, new data once it was written (a block or two in between may be either)
  expect(blocks.every((_, k) => of(a, k) || of(b, k))).toBe(true);
  expect(of(a, 0)).toBe(true);
  expect(of(b, N - 1) && of(b, N - 2)).toBe(true);
  // the image that left still holds the old data: a dd reading it after the change would have returned that
  expect(pvBytes('loop0', 1, N * MiB).equals(a)).toBe(true);
});
