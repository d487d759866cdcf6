// What activation means for a pvmove (LVM2: activating an LV on pvmove's layer loads the pvmove
// mirror, and vgchange/lvchange -ay start the poll daemon for a move in progress, which resumes
// the copy). Deactivation unloads the mirror: its core log is gone, so a move resumed later
// recopies the segment it was in.
import type { LogicalVolume, VolumeGroup } from '../model/types.js';
import { dropCoreLog } from '../mirror/core-log.js';
import { spawnPvmove } from './daemon.js';
import { isPvmoveLv } from './layer.js';
import { pvmoveId } from './move.js';

/** After `lvs` changed activation state in `vg` (as committed). */
export function pvmoveActivationChanged(systemDir: string, vg: VolumeGroup, lvs: LogicalVolume[], active: boolean): void {
  for (const lv of lvs) {
    if (!isPvmoveLv(lv)) continue;
    if (active) {
      if (!process.env.TSVM_NO_AUTOSYNC) spawnPvmove(systemDir, pvmoveId(vg, lv));
    } else dropCoreLog(systemDir, lv);
  }
}
