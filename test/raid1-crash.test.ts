// kill -9 of raid1 writers and resyncs (issue 11): afterwards the images agree, every write that
// completed is there, and the resync copied only the regions the rmeta write-intent bitmap marked
// (bytes counted by the syncer's own statistics, bitmap read straight from the rmeta's bytes).
import { execa } from 'execa';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BIN } from './helpers/aux.js';
import { RaidLab } from './helpers/raid.js';

const MiB = 1024 * 1024;
const REGION = 2 * MiB;

let lab: RaidLab;
beforeEach(async () => {
  lab = new RaidLab('tsvm-raid1-crash-');
  lab.prepareDevs(3, 200);
  await lab.ok('pvcreate', '/dev/loop0', '/dev/loop1', '/dev/loop2');
  await lab.ok('vgcreate', 'vg', '/dev/loop0', '/dev/loop1', '/dev/loop2');
});
afterEach(() => lab.cleanup());

function lastSync(uuid: string): { copiedBytes: number; regionsSynced: number; regionBytes: number } {
  return JSON.parse(readFileSync(join(lab.systemDir, 'run', `mirror-${uuid}.lastsync.json`), 'utf8'));
}

async function legsAgree(lenMiB: number): Promise<boolean> {
  const a = await lab.legBytes('vg/lv_rimage_0', 0, lenMiB * MiB);
  const b = await lab.legBytes('vg/lv_rimage_1', 0, lenMiB * MiB);
  return a.equals(b);
}

describe('kill -9 during a raid1 write storm', () => {
  it('resync copies only bitmap-marked regions; images agree; completed writes are there', async () => {
    await lab.ok('lvcreate', '-m', '1', '-L', '96m', '-n', 'lv', 'vg');
    await lab.settle('vg/lv');
    const uuid = await lab.lvField('vg/lv', 'lv_uuid');
    lab.extraEnv = { TSVM_NO_AUTOSYNC: '1' };
    // Completed writes: 8 MiB pieces at 0..31 MiB.
    const done = randomBytes(32 * MiB);
    for (let i = 0; i < 4; i++) await lab.write('vg/lv', done.subarray(i * 8 * MiB, (i + 1) * 8 * MiB), i * 8);
    // The storm: small synchronous writes over 32..96 MiB, killed while running.
    // A slow second image keeps the storm running long enough to be killed in the middle.
    await lab.ok('fault', 'add', '/dev/loop1', '--delay', '20', '--write');
    const f = join(lab.dir, 'storm');
    writeFileSync(f, randomBytes(64 * MiB));
    const p = execa(BIN, ['dd', `if=${f}`, 'of=/dev/vg/lv', 'bs=256k', 'seek=128', 'conv=notrunc', 'status=none'],
      { env: lab.env, reject: false });
    // Killed once the storm has marked regions in the bitmap (marks are made durable before the
    // writes they cover), then a moment later: a fixed delay was over before the first write on a
    // machine loaded by other work, and the test then saw nothing dirty.
    const t0 = Date.now();
    while ((await lab.dirtyRegions('vg/lv')).length === 0 && Date.now() - t0 < 60_000) {
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 300));
    p.kill('SIGKILL');
    const r = await p;
    expect(r.signal).toBe('SIGKILL');
    await lab.ok('fault', 'clear');
    const dirty = await lab.dirtyRegions('vg/lv');
    expect(dirty.length).toBeGreaterThan(0);
    // Only regions of the storm (32 MiB..96 MiB) can be marked; the completed writes were flushed and marked in sync.
    expect(dirty.every((d) => d >= 16 && d < 48)).toBe(true);
    lab.extraEnv = {};
    await lab.settle('vg/lv');
    const st = lastSync(uuid);
    expect(st.regionsSynced).toBe(dirty.length);
    expect(st.copiedBytes).toBeLessThanOrEqual(dirty.length * REGION);
    expect(await lab.dirtyRegions('vg/lv')).toEqual([]);
    expect(await legsAgree(96)).toBe(true);
    expect((await lab.read('vg/lv', 32)).equals(done)).toBe(true);
  }, 120_000);
});

describe('kill -9 during a raid1 resync', () => {
  it('the next resync copies only the regions still marked; images agree', async () => {
    await lab.ok('lvcreate', '-m', '1', '-L', '64m', '-n', 'lv', 'vg');
    const data = randomBytes(64 * MiB);
    await lab.write('vg/lv', data);
    await lab.settle('vg/lv');
    const uuid = await lab.lvField('vg/lv', 'lv_uuid');
    // Everything out of sync, no syncer: deactivate, --resync, activate without autosync.
    lab.extraEnv = { TSVM_NO_AUTOSYNC: '1' };
    await lab.ok('lvchange', '-an', 'vg/lv');
    await lab.ok('lvchange', '-y', '--resync', 'vg/lv');
    await lab.ok('lvchange', '-ay', 'vg/lv');
    expect((await lab.dirtyRegions('vg/lv')).length).toBe(32);
    await lab.ok('fault', 'add', '/dev/loop1', '--delay', '40', '--write');
    const p = execa(BIN, ['lvconvert', '-i', '0', 'vg/lv'], { env: lab.env, reject: false });
    for (let i = 0; i < 400; i++) {
      await new Promise((r) => setTimeout(r, 50));
      const pct = Number((await lab.run('lvs', '--noheadings', '-o', 'copy_percent', 'vg/lv')).stdout.trim()) || 0;
      if (pct >= 10) break;
    }
    p.kill('SIGKILL');
    await p;
    await lab.ok('fault', 'clear');
    const left = await lab.dirtyRegions('vg/lv');
    expect(left.length).toBeGreaterThan(0);
    expect(left.length).toBeLessThan(32);
    lab.extraEnv = {};
    await lab.settle('vg/lv');
    const st = lastSync(uuid);
    expect(st.regionsSynced).toBe(left.length);
    expect(st.copiedBytes).toBeLessThanOrEqual(left.length * REGION);
    expect(await legsAgree(64)).toBe(true);
    expect((await lab.read('vg/lv', 64)).equals(data)).toBe(true);
  }, 120_000);
});
