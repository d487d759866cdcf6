// The background resync process (LVM2 hands this to lvmpolld; the kernel does the copy). A detached
// `node dist/src/mirror/sync-main.js VG LV` resyncs one mirror, finishes an up-conversion when the
// new legs are in sync, and exits; a syncer lock file (state.ts) keeps it to one per mirror.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { LogicalVolume, VolumeGroup } from '../model/types.js';
import type { MirrorDevice } from './mirror-device.js';
import { syncerRunning } from './state.js';

/** Start a background syncer for the mirror unless it is in sync or one is already running. */
export function ensureSyncing(systemDir: string, vg: VolumeGroup, lv: LogicalVolume, dev?: MirrorDevice): void {
  if (process.env.TSVM_NO_AUTOSYNC) return;
  if (dev && !needsSync(dev)) return;
  if (syncerRunning(systemDir, lv.uuid)) return;
  spawnSyncer(systemDir, vg.name, lv.name);
}

export function needsSync(dev: MirrorDevice): boolean {
  for (const m of [...dev.subMirrors(), dev]) if (m.log && m.log.syncCount() < m.nrRegions) return true;
  return dev.lv.segments[0]!.areas.some((a) => a.kind === 'lv' && /_mimagetmp_\d+$/.test(a.lvName));
}

export function spawnSyncer(systemDir: string, vgName: string, lvName: string): void {
  const script = fileURLToPath(new URL('./sync-main.js', import.meta.url));
  const child = spawn(process.execPath, [script, vgName, lvName], {
    detached: true,
    stdio: 'ignore',
    env: { ...process.env, TSVM_SYSTEM_DIR: systemDir },
  });
  child.unref();
}
