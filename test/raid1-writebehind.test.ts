// raid1 --writemostly with --writebehind N (LVM2 lvmraid(7) "RAID1 TUNING", dm-raid's
// max_write_behind): writes to the writemostly image are acknowledged once the other image has
// them, at most N outstanding (past that a write is synchronous); the write-intent bitmap keeps a
// region dirty until its write-behind landed, so a kill -9 with writes behind is recovered by the
// resync (images equal byte for byte, only the marked regions copied). A slow writemostly image is a
// delay fault on its extents (LVM2's tests use delay_dev the same way).
import { execa, type ResultPromise } from 'execa';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readFileSync, readSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BIN } from './helpers/aux.js';
import { RaidLab } from './helpers/raid.js';

const MiB = 1024 * 1024;
const REGION = 2 * MiB;

let lab: RaidLab;
beforeEach(async () => {
  lab = new RaidLab('tsvm-raid1-wb-');
  lab.prepareDevs(2, 100);
  await lab.ok('pvcreate', '/dev/loop0', '/dev/loop1');
  await lab.ok('vgcreate', 'vg', '/dev/loop0', '/dev/loop1');
  await lab.ok('lvcreate', '-m', '1', '-L', '32m', '-n', 'lv', 'vg');
  await lab.settle('vg/lv');
  await lab.ok('lvchange', '--writemostly', '/dev/loop1', 'vg/lv');
});
afterEach(() => lab.cleanup());

/** Where image k's bytes lie (loop file and byte offset): read without running tsvm, the writes behind go on meanwhile. */
async function imageAt(k: number): Promise<{ file: string; start: number; len: number }> {
  const seg = (await lab.ok('lvs', '-a', '--noheadings', '-o', 'seg_pe_ranges', `vg/lv_rimage_${k}`)).stdout.trim();
  const m = /^\/dev\/(loop\d):(\d+)-(\d+)$/.exec(seg)!;
  const num = async (...a: string[]) => Number((await lab.ok(...a, '--noheadings', '--units', 'b', '--nosuffix')).stdout.trim());
  const ext = await num('vgs', '-o', 'vg_extent_size', 'vg');
  const start = (await num('pvs', '-o', 'pe_start', `/dev/${m[1]}`)) + Number(m[2]) * ext;
  return { file: join(lab.devDir, m[1]!), start, len: (Number(m[3]) - Number(m[2]) + 1) * ext };
}

function imageBytes(at: { file: string; start: number }, len: number): Buffer {
  const b = Buffer.alloc(len);
  const fd = openSync(at.file, 'r');
  readSync(fd, b, 0, len, at.start);
  closeSync(fd);
  return b;
}

/** Writes to lv_rimage_1 (on loop1) take `ms` each: a delay fault on its extents only (not on its rmeta). */
async function slowImage1(ms: number): Promise<void> {
  const at = await imageAt(1);
  await lab.ok('fault', 'add', '/dev/loop1', '--delay', String(ms), '--write', '--offset', String(at.start), '--length', String(at.len));
}

/** 16 MiB written with tsvm dd conv=fsync (in the background); `acked` resolves when dd printed its statistics. */
function writeInBackground(data: Buffer): { p: ResultPromise; acked: Promise<void> } {
  const f = join(lab.dir, 'data');
  writeFileSync(f, data);
  const p = execa(BIN, ['dd', `if=${f}`, 'of=/dev/vg/lv', 'bs=1M', 'conv=fsync'], { env: lab.env, reject: false });
  const acked = new Promise<void>((resolve) => {
    let err = '';
    p.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      if (/records out/.test(err)) resolve();
    });
  });
  return { p, acked };
}

/** 1 MiB pieces of the first 16 MiB of an image that hold `data` already. */
function landedMiB(at: { file: string; start: number }, data: Buffer): number {
  const img = imageBytes(at, 16 * MiB);
  let n = 0;
  for (let i = 0; i < 16; i++) if (img.subarray(i * MiB, (i + 1) * MiB).equals(data.subarray(i * MiB, (i + 1) * MiB))) n++;
  return n;
}

describe('raid1 --writebehind', () => {
  it('acknowledges writes before the writemostly image has them; kill -9 then: resync of the marked regions, images equal', async () => {
    await lab.ok('lvchange', '--writebehind', '64', 'vg/lv');
    expect(await lab.lvField('vg/lv', 'raid_write_behind')).toBe('64');
    const uuid = await lab.lvField('vg/lv', 'lv_uuid');
    lab.extraEnv = { TSVM_NO_AUTOSYNC: '1' };
    const [img0, img1] = [await imageAt(0), await imageAt(1)];
    await slowImage1(500);
    const data = randomBytes(16 * MiB);
    const { p, acked } = writeInBackground(data);
    await acked;
    // dd has had every write (and its fsync) acknowledged: image 0 has all, the writemostly image lags.
    const behind = 16 - landedMiB(img1, data);
    expect(landedMiB(img0, data)).toBe(16);
    expect(behind).toBeGreaterThan(0);
    p.kill('SIGKILL');
    expect((await p).signal).toBe('SIGKILL');
    await lab.ok('fault', 'clear');
    // Regions whose write-behind had not landed are still dirty in the bitmap, and only those.
    const dirty = await lab.dirtyRegions('vg/lv');
    expect(dirty.length).toBeGreaterThan(0);
    expect(dirty.every((r) => r < 8)).toBe(true);
    lab.extraEnv = {};
    await lab.settle('vg/lv');
    const st = JSON.parse(readFileSync(join(lab.systemDir, 'run', `mirror-${uuid}.lastsync.json`), 'utf8'));
    expect(st.regionsSynced).toBe(dirty.length);
    expect(st.copiedBytes).toBeLessThanOrEqual(dirty.length * REGION);
    expect(await lab.dirtyRegions('vg/lv')).toEqual([]);
    const a = await lab.legBytes('vg/lv_rimage_0', 0, 32 * MiB);
    expect(a.equals(await lab.legBytes('vg/lv_rimage_1', 0, 32 * MiB))).toBe(true);
    expect((await lab.read('vg/lv', 16)).equals(data)).toBe(true);
  }, 120_000);

  it('at most N writes are behind: past N a write waits for the writemostly image; a clean close leaves the images equal', async () => {
    await lab.ok('lvchange', '--writebehind', '2', 'vg/lv');
    const img1 = await imageAt(1);
    await slowImage1(150);
    const data = randomBytes(16 * MiB);
    const { p, acked } = writeInBackground(data);
    await acked;
    expect(landedMiB(img1, data)).toBeGreaterThanOrEqual(14);
    expect((await p).exitCode).toBe(0);
    await lab.ok('fault', 'clear');
    expect(await lab.dirtyRegions('vg/lv')).toEqual([]);
    expect(landedMiB(img1, data)).toBe(16);
    expect((await lab.read('vg/lv', 16)).equals(data)).toBe(true);
  }, 120_000);

  it('without --writebehind, writes to a writemostly image stay synchronous', async () => {
    const img1 = await imageAt(1);
    await slowImage1(100);
    const data = randomBytes(16 * MiB);
    const { p, acked } = writeInBackground(data);
    await acked;
    expect(landedMiB(img1, data)).toBe(16);
    expect((await p).exitCode).toBe(0);
  }, 120_000);
});
