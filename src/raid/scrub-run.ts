// Running a raid1 scrub to the end (the background process of scrub-main.ts, or a foreground
// caller): loads the LV, opens it through the mirror engine, throttles to the LV's
// max_recovery_rate (recovery-rate.ts), and records the result (scrub-state.ts). Also how
// lvchange starts one: a detached process, as the kernel's md thread runs the check.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DevicePool } from '../device/device-pool.js';
import { findLv } from '../model/vg-query.js';
import { MirrorDevice } from '../mirror/mirror-device.js';
import { openDb } from '../store/db.js';
import { MetadataStore } from '../store/metadata-store.js';
import { RateLimiter } from './recovery-rate.js';
import { scrubRaid1 } from './scrub.js';
import { saveScrubState, type ScrubState, type SyncAction } from './scrub-state.js';

export async function runScrub(systemDir: string, vgName: string, lvName: string, action: SyncAction): Promise<ScrubState | null> {
  const db = openDb(systemDir);
  const pool = new DevicePool(systemDir);
  try {
    const loaded = new MetadataStore(db).loadVg(vgName);
    const lv = loaded && findLv(loaded.vg, lvName);
    if (!loaded || !lv) return null;
    const dev = new MirrorDevice({ devices: pool, systemDir }, loaded.vg, lv, { writable: true });
    try {
      const rate = new RateLimiter(lv.segments[0]!.maxRecoveryRate ?? 0);
      return await scrubRaid1(dev, action, { throttle: (b) => rate.consume(b) });
    } finally {
      dev.close();
    }
  } finally {
    pool.closeAll();
    db.close();
  }
}

/** Start the scrub in a detached process; its state file says "running" before this returns. */
export function spawnScrub(systemDir: string, vgName: string, lvName: string, lvUuid: string, action: SyncAction): void {
  // Written here first, so that `lvs -o raid_sync_action` right after lvchange already shows it.
  const child = spawn(process.execPath, [fileURLToPath(new URL('./scrub-main.js', import.meta.url)), vgName, lvName, action], {
    detached: true, stdio: 'ignore', env: { ...process.env, TSVM_SYSTEM_DIR: systemDir },
  });
  saveScrubState(systemDir, lvUuid, {
    action, pid: child.pid ?? 0, done: 0, regions: 0, mismatches: 0, bad: [], repairedBytes: 0, startedAt: Date.now(),
  });
  child.unref();
}
