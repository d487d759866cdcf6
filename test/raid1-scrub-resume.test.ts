// A raid1 scrub (`lvchange --syncaction check|repair`) killed with SIGKILL goes on from its
// checkpoint, as md goes on from resync_min after an interrupted check: at the next activation, or
// at the next `lvchange --syncaction` of the same action; the regions it had already examined are
// not examined again (a block rotten there meanwhile is not seen by the resumed run, one rotten
// further on is), and what it had found before the kill is kept in the counts.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RaidLab } from './helpers/raid.js';

const MiB = 1024 * 1024;
let lab: RaidLab;
let uuid: string;

interface State { action: string; pid: number; done: number; regions: number; mismatches: number; finishedAt?: number; resumed?: number }
const state = (): State => JSON.parse(readFileSync(join(lab.systemDir, 'mirror', `${uuid}.scrub.json`), 'utf8'));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, cond: () => boolean | Promise<boolean>, ms = 90_000): Promise<void> {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(100)) if (await cond()) return;
  throw new Error(`timed out waiting for ${what}`);
}

beforeEach(async () => {
  lab = new RaidLab('tsvm-raid1-scrub-resume-');
  lab.prepareDevs(2, 100);
  await lab.ok('pvcreate', '/dev/loop0', '/dev/loop1');
  await lab.ok('vgcreate', 'vg', '/dev/loop0', '/dev/loop1');
  // 32 regions of 2 MiB; the scrub throttled to about two regions a second.
  await lab.ok('lvcreate', '-m', '1', '-L', '64m', '--maxrecoveryrate', '8M', '-n', 'lv', 'vg');
  await lab.write('vg/lv', randomBytes(64 * MiB));
  await lab.settle('vg/lv');
  uuid = await lab.lvField('vg/lv', 'lv_uuid');
});
afterEach(() => lab.cleanup());

/** Start `action`, kill -9 its process once its checkpoint passed region 8; returns the checkpoint. */
async function startAndKill(action: string): Promise<number> {
  await lab.ok('lvchange', '--syncaction', action, 'vg/lv');
  await until('a checkpoint past region 8', () => state().done >= 8 && state().pid > 0);
  process.kill(state().pid, 'SIGKILL');
  await until('the scrub to be gone', async () => (await lab.lvField('vg/lv', 'raid_sync_action')) === 'idle');
  const st = state();
  expect(st.finishedAt).toBeUndefined();
  expect(st.done).toBeLessThan(st.regions);
  return st.done;
}

describe('a killed raid1 scrub', () => {
  it('resumes from its checkpoint at the next activation', async () => {
    const at = await startAndKill('check');
    // Rot behind the checkpoint (not examined again) and ahead of it (found by the resumed run).
    await lab.rot('vg/lv_rimage_1', 2 * MiB + 100);
    await lab.rot('vg/lv_rimage_0', 31 * 2 * MiB + 100);
    await lab.ok('lvchange', '-an', 'vg/lv');
    await lab.ok('lvchange', '-ay', 'vg/lv');
    await until('the resumed check to finish', () => !!state().finishedAt);
    const st = state();
    expect(st.resumed).toBe(1);
    expect(st.done).toBe(32);
    expect(st.action).toBe('check');
    expect(at).toBeGreaterThanOrEqual(8);
    expect(await lab.lvField('vg/lv', 'raid_mismatch_regions')).toBe('31:lv_rimage_0');
    expect(await lab.lvField('vg/lv', 'raid_mismatch_count')).toBe('1');
    // A new check (the last one finished) starts from region 0 and sees both.
    await lab.ok('lvchange', '--syncaction', 'check', 'vg/lv');
    await until('the new check to finish', () => !!state().finishedAt);
    expect(state().resumed).toBeUndefined();
    expect(await lab.lvField('vg/lv', 'raid_mismatch_regions')).toBe('1:lv_rimage_1,31:lv_rimage_0');
  }, 180_000);

  it('resumes at the next lvchange --syncaction of the same action, its earlier findings kept', async () => {
    await lab.rot('vg/lv_rimage_1', 2 * MiB + 100);
    await startAndKill('repair');
    expect(state().mismatches).toBe(1);
    await lab.ok('lvchange', '--syncaction', 'repair', 'vg/lv');
    await until('the resumed repair to finish', () => !!state().finishedAt);
    expect(state().resumed).toBe(1);
    expect(await lab.lvField('vg/lv', 'raid_mismatch_regions')).toBe('1:lv_rimage_1');
    // The repair before the kill had rewritten the bad copy.
    const a = await lab.legBytes('vg/lv_rimage_0', 0, 64 * MiB);
    expect(a.equals(await lab.legBytes('vg/lv_rimage_1', 0, 64 * MiB))).toBe(true);
  }, 180_000);
});
