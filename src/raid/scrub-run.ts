// Running a raid1 scrub to the end (the background process of scrub-main.ts, or a foreground
// caller): loads the LV, opens it through the mirror engine, throttles to the LV's
// max_recovery_rate and yields to writers above its min_recovery_rate (recovery-rate.ts), and
// records the result (scrub-state.ts). Also how
// lvchange starts one: a detached process, as the kernel's md thread runs the check.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DevicePool } from '../device/device-pool.js';
import { findLv } from '../model/vg-query.js';
import { MirrorDevice } from '../mirror/mirror-device.js';
import { openDb } from '../store/db.js';
import { MetadataStore } from '../store/metadata-store.js';
import { RateLimiter } from './recovery-rate.js';
import { lvLockBusy, syncerRunning } from '../mirror/state.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
import { scrubRaid1 } from './scrub.js';
import { interruptedScrub, loadScrubState, saveScrubState, type ScrubState, type SyncAction } from './scrub-state.js';

/** Run (or, `resume`, go on with the interrupted) scrub of vg/lv to the end. */
export async function runScrub(systemDir: string, vgName: string, lvName: string, action: SyncAction, resume = false): Promise<ScrubState | null> {
  const db = openDb(systemDir);
  const pool = new DevicePool(systemDir);
  try {
    const loaded = new MetadataStore(db).loadVg(vgName);
    const lv = loaded && findLv(loaded.vg, lvName);
    if (!loaded || !lv) return null;
    const dev = new MirrorDevice({ devices: pool, systemDir }, loaded.vg, lv, { writable: true });
    try {
      // As md, a check or repair waits for a resync in progress (a repair killed mid-region left it one).
      while (dev.log && dev.log.syncCount() < dev.nrRegions && syncerRunning(systemDir, lv.uuid)) await sleep(200);
      const rate = new RateLimiter(lv.segments[0]!.maxRecoveryRate ?? 0, lv.segments[0]!.minRecoveryRate ?? 0);
      // (spawnScrub already put this process's pid in the state: it is ours to go on with)
      const from = resume ? loadScrubState(systemDir, lv.uuid) : null;
      return await scrubRaid1(dev, action, {
        throttle: (b) => rate.consume(b), resume: from, yieldToIo: () => rate.yieldTo(() => lvLockBusy(systemDir, lv.uuid)),
      });
    } finally {
      dev.close();
    }
  } finally {
    pool.closeAll();
    db.close();
  }
}

/**
 * Start the scrub in a detached process; its state file says "running" before this returns. A scrub
 * of the same action whose process died is resumed from its checkpoint rather than started again,
 * as md goes on from resync_min after an interrupted check or repair.
 */
export function spawnScrub(systemDir: string, vgName: string, lvName: string, lvUuid: string, action: SyncAction): void {
  const old = interruptedScrub(systemDir, lvUuid);
  const resume = old?.action === action;
  const child = spawn(process.execPath, [fileURLToPath(new URL('./scrub-main.js', import.meta.url)), vgName, lvName, action, ...(resume ? ['resume'] : [])], {
    detached: true, stdio: 'ignore', env: { ...process.env, TSVM_SYSTEM_DIR: systemDir },
  });
  // Written here first, so that `lvs -o raid_sync_action` right after lvchange already shows it.
  saveScrubState(systemDir, lvUuid, resume ? { ...old, pid: child.pid ?? 0 } : {
    action, pid: child.pid ?? 0, done: 0, regions: 0, mismatches: 0, bad: [], repairedBytes: 0, startedAt: Date.now(),
  });
  child.unref();
}

/** Activation of a raid1 LV: a scrub that was interrupted goes on (md resumes a requested sync it was doing). */
export function resumeInterruptedScrub(systemDir: string, vgName: string, lvName: string, lvUuid: string): void {
  const old = interruptedScrub(systemDir, lvUuid);
  if (old) spawnScrub(systemDir, vgName, lvName, lvUuid, old.action);
}
