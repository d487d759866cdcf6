// The background pvmove (LVM2's polldaemon forked with -b, or lvmpolld): a detached
// `node dist/src/pvmove/move-main.js VG LV UUID PV` copies one move to its end, printing nothing;
// the syncer lock of the pvmove LV (src/mirror/state.ts) keeps it to one copier per move.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { syncerRunning } from '../mirror/state.js';
import type { PvmoveId } from './move.js';

export function spawnPvmove(systemDir: string, id: PvmoveId): void {
  if (syncerRunning(systemDir, id.uuid)) return;
  const script = fileURLToPath(new URL('./move-main.js', import.meta.url));
  const child = spawn(process.execPath, [script, id.vgName, id.lvName, id.uuid, id.pvName], {
    detached: true,
    stdio: 'ignore',
    env: { ...process.env, TSVM_SYSTEM_DIR: systemDir },
  });
  child.unref();
}
