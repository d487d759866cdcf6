// kill -9 during `lvconvert --mergemirrors` of a tracked split image (issue 11 part 4): the merge
// commits the image back with the union of both sides' written regions marked out of sync, then
// copies them from the LV. Killed in the middle of that copy, the rerun finishes it: the images
// agree, hold the LV's data, and nothing outside the union was ever written to the image (every
// write there fails with EIO through a fault rule, which would fail the image) and the rerun
// copied only the regions still marked.
import { execa } from 'execa';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BIN } from './helpers/aux.js';
import { RaidLab } from './helpers/raid.js';

const MiB = 1024 * 1024;
const REGION = 2 * MiB;
/** The image rimage_1 starts at pe_start (1 MiB) + one extent (its rmeta) on loop1. */
const IMAGE_AT = MiB + 4 * MiB;

let lab: RaidLab;
beforeEach(async () => {
  lab = new RaidLab('tsvm-raid1-merge-kill-');
  lab.prepareDevs(2, 64);
  await lab.ok('vgcreate', 'vg', '/dev/loop0', '/dev/loop1');
});
afterEach(() => lab.cleanup());

function lastSync(uuid: string): { copiedBytes: number; regionsSynced: number } {
  return JSON.parse(readFileSync(join(lab.systemDir, 'run', `mirror-${uuid}.lastsync.json`), 'utf8'));
}

describe('kill -9 during --mergemirrors', () => {
  it('the rerun finishes the merge: images agree, only union regions were copied', async () => {
    await lab.ok('lvcreate', '-m', '1', '-L', '32m', '-n', 'r', 'vg');
    const data = randomBytes(32 * MiB);
    await lab.write('vg/r', data);
    await lab.settle('vg/r');
    const uuid = await lab.lvField('vg/r', 'lv_uuid');
    // a recovery rate makes the copy go region by region (each one marked in sync as it lands)
    await lab.ok('lvchange', '--maxrecoveryrate', '2M', 'vg/r');
    await lab.ok('lvconvert', '-y', '--splitmirrors', '1', '--trackchanges', 'vg/r');
    // both sides written: the LV in regions 1, 5 and 6; the split image in 5 and 9
    for (const r of [1, 5, 6]) {
      const part = randomBytes(REGION);
      await lab.write('vg/r', part, r * 2);
      part.copy(data, r * REGION);
    }
    for (const r of [5, 9]) await lab.write('vg/r_rimage_1', randomBytes(REGION), r * 2);
    const union = [1, 5, 6, 9];
    // every write to the image outside the union fails; union writes are slow
    for (let r = 0; r < 16; r++) {
      const range = ['--offset', String(IMAGE_AT + r * REGION), '--length', String(REGION)];
      if (union.includes(r)) await lab.ok('fault', 'add', '/dev/loop1', '--write', '--delay', '500', ...range);
      else await lab.ok('fault', 'add', '/dev/loop1', '--write', '--error', ...range);
    }
    // the merge copies in the command itself (no background syncer), and is killed mid-copy
    lab.extraEnv = { TSVM_NO_AUTOSYNC: '1' };
    const p = execa(BIN, ['lvconvert', '--mergemirrors', 'vg/r_rimage_1'], { env: lab.env, reject: false });
    let ended = false;
    void p.then(() => (ended = true));
    let left: number[] = [];
    // each union region takes about 1.5 s to land on the image: kill once one or more are done, not all
    for (let i = 0; i < 300 && !ended; i++) {
      await new Promise((res) => setTimeout(res, 100));
      left = await lab.dirtyRegions('vg/r');
      if (left.length && left.length < union.length) break;
    }
    p.kill('SIGKILL');
    const res = await p;
    expect(res.signal, `lvconvert ended first (${res.exitCode}):\n${res.stdout}\n${res.stderr}`).toBe('SIGKILL');
    left = await lab.dirtyRegions('vg/r');
    // only union regions are marked, and the kill left some of them to do
    expect(left.length).toBeGreaterThan(0);
    expect(left.length).toBeLessThan(union.length);
    expect(left.every((r) => union.includes(r))).toBe(true);
    // the rerun (with its background copy) finishes; the faults are still there
    lab.extraEnv = {};
    await lab.settle('vg/r');
    const st = lastSync(uuid);
    expect(st.regionsSynced).toBe(left.length);
    expect(st.copiedBytes).toBeLessThanOrEqual(left.length * REGION);
    expect(await lab.dirtyRegions('vg/r')).toEqual([]);
    // no write ever reached the image outside the union: it never failed
    expect(await lab.lvField('vg/r', 'lv_health_status')).toBe('');
    expect(await lab.lvField('vg/r', 'lv_attr')).toBe('rwi-a-r---');
    await lab.ok('fault', 'clear');
    for (const k of [0, 1]) expect((await lab.legBytes(`vg/r_rimage_${k}`, 0, 32 * MiB)).equals(data)).toBe(true);
    expect((await lab.read('vg/r', 32)).equals(data)).toBe(true);
    await lab.syncaction('vg/r', 'check');
    expect(await lab.lvField('vg/r', 'raid_mismatch_count')).toBe('0');
  }, 180_000);
});
