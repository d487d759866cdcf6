// A conversion to mirror stopped part way: vg/lv (64 MiB of random data on /dev/loop0) is
// converted with its new image on /dev/loop1 (slowed down by a fault delay rule of 200 ms a write, so that a loaded machine's slow lvs polls still catch it early) and its log on
// /dev/loop2, and the lvconvert doing the copy is killed with SIGKILL once 10% is copied (2 MiB
// regions, copied from the start). Used by the tests of what happens to the regions not yet copied.
import { execa } from 'execa';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { BIN, type CliLab } from './aux.js';

const MiB = 1024 * 1024;

export async function convertKilledMidCopy(lab: CliLab): Promise<{ data: Buffer; percent: number }> {
  const ok = (...args: string[]) => lab.ok(...args);
  const pct = async () => Number((await lab.run('lvs', '--noheadings', '-o', 'copy_percent', 'vg/lv')).stdout.trim()) || 0;
  await ok('lvcreate', '-L', '64m', '-n', 'lv', 'vg', '/dev/loop0');
  const data = randomBytes(64 * MiB);
  writeFileSync(join(lab.dir, 'd'), data);
  await ok('dd', `if=${join(lab.dir, 'd')}`, 'of=/dev/vg/lv', 'bs=1M', 'conv=fsync', 'status=none');
  await ok('fault', 'add', '/dev/loop1', '--write', '--delay', '200');
  const p = execa(BIN, ['lvconvert', '-y', '-i', '0', '--type', 'mirror', '-m', '1', 'vg/lv', '/dev/loop1', '/dev/loop2'],
    { env: lab.env, reject: false });
  let before = 0;
  for (let i = 0; i < 1800 && before < 10; i++) {
    await new Promise((r) => setTimeout(r, 50));
    before = await pct();
  }
  p.kill('SIGKILL');
  await p;
  expect(before, 'the copy never reached 10%').toBeGreaterThanOrEqual(10);
  await ok('fault', 'clear');
  const percent = await pct();
  expect(percent).toBeGreaterThan(0);
  expect(percent).toBeLessThan(50);
  return { data, percent };
}
