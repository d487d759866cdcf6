// vgreduce --removemissing --force after 3 of the 4 images of a 3-way mirror being up-converted to
// 4 (lvconvert -m +1, stopped part way) are lost (issue 9 item 11; LVM2's mirror tests): the LV is
// kept, linear on the one surviving image, whichever it is. An original image has everything; the
// new one has what the copy reached, and its other regions keep failing reads (lost regions).
import { execa } from 'execa';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, CliLab } from './helpers/aux.js';

const MiB = 1024 * 1024;
let lab: CliLab;
afterEach(() => lab?.cleanup());

async function pct(): Promise<number> {
  return Number((await lab.run('lvs', '--noheadings', '-o', 'copy_percent', 'vg/lv')).stdout.trim()) || 0;
}

async function readMiB(at: number) {
  const out = join(lab.dir, `r${at}`);
  const r = await lab.run('dd', 'if=/dev/vg/lv', `of=${out}`, 'bs=1M', `skip=${at}`, 'count=1', 'status=none');
  return { ...r, data: r.exitCode === 0 ? readFileSync(out) : null };
}

/** A 3-way mirror (legs loop0-2, log loop3) of 64 MiB of data, its -m +1 to loop4 killed at >= 10%. */
async function upConvertStopped(): Promise<Buffer> {
  lab = new CliLab('tsvm-upconv-');
  lab.prepareDevs(6, 200);
  lab.extraEnv = { TSVM_NO_AUTOSYNC: '1' };
  await lab.ok('vgcreate', 'vg', ...[0, 1, 2, 3, 4, 5].map((i) => `/dev/loop${i}`));
  await lab.ok('lvcreate', '--type', 'mirror', '-m', '2', '-L', '64m', '-n', 'lv', 'vg', '/dev/loop0', '/dev/loop1', '/dev/loop2', '/dev/loop3');
  await lab.ok('lvconvert', '-i', '0', 'vg/lv');
  const data = randomBytes(64 * MiB);
  writeFileSync(join(lab.dir, 'd'), data);
  await lab.ok('dd', `if=${join(lab.dir, 'd')}`, 'of=/dev/vg/lv', 'bs=1M', 'conv=fsync', 'status=none');
  await lab.ok('fault', 'add', '/dev/loop4', '--write', '--delay', '200');
  const p = execa(BIN, ['lvconvert', '-y', '-i', '0', '-m', '+1', 'vg/lv', '/dev/loop4'], { env: lab.env, reject: false });
  // (the 3-way mirror is at 100% until the conversion commits the layer: wait for the layer first)
  const layered = async () => (await lab.run('lvs', '-a', '--noheadings', '-o', 'lv_name', 'vg')).stdout.includes('mimagetmp');
  for (let i = 0; i < 1800 && !(await layered()); i++) await new Promise((r) => setTimeout(r, 50));
  for (let i = 0; i < 1800 && (await pct()) < 10; i++) await new Promise((r) => setTimeout(r, 50));
  p.kill('SIGKILL');
  await p;
  await lab.ok('fault', 'clear');
  const at = await pct();
  expect(at).toBeGreaterThanOrEqual(10);
  expect(at).toBeLessThan(100);
  return data;
}

function lose(...loops: number[]): void {
  mkdirSync(join(lab.dir, 'gone'), { recursive: true });
  for (const i of loops) renameSync(join(lab.devDir, `loop${i}`), join(lab.dir, 'gone', `loop${i}`));
}

describe('vgreduce --removemissing --force, 3 of 4 images lost during -m +1', () => {
  it('the new image survives: the LV stays, linear on it; what the copy did not reach fails reads', async () => {
    const data = await upConvertStopped();
    lose(0, 1, 2);
    const r = await lab.run('vgreduce', '--removemissing', '--force', 'vg');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('No usable images left');
    expect((await lab.ok('lvs', '--noheadings', '-o', 'segtype,devices', 'vg/lv')).stdout.trim()).toMatch(/^linear\s+\/dev\/loop4\(/);
    const first = await readMiB(0);
    expect(first.data?.equals(data.subarray(0, MiB))).toBe(true);
    const last = await readMiB(63);
    expect(last.exitCode).not.toBe(0);
    expect(last.stderr).toContain('Input/output error');
  }, 180_000);

  it('an original image survives: the LV stays, linear on it, with all its data', async () => {
    const data = await upConvertStopped();
    lose(0, 1, 4);
    const r = await lab.run('vgreduce', '--removemissing', '--force', 'vg');
    expect(r.exitCode, r.stderr).toBe(0);
    expect((await lab.ok('lvs', '--noheadings', '-o', 'segtype,devices', 'vg/lv')).stdout.trim()).toMatch(/^linear\s+\/dev\/loop2\(/);
    const out = join(lab.dir, 'all');
    await lab.ok('dd', 'if=/dev/vg/lv', `of=${out}`, 'bs=1M', 'status=none');
    expect(readFileSync(out).equals(data)).toBe(true);
  }, 180_000);
});
