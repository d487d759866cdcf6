// What (de)activation means for a mirror (LVM2: loading/unloading the dm-mirror table). A core log
// lives only while the mirror is active: deactivation drops it, so the next activation starts a
// full resync. Activation starts the resync of whatever is out of sync (recovery after a crash,
// a conversion that waited for activation: "Conversion starts after activation."), and a raid1
// scrub that was killed before its end.
import type { Context } from '../cli/context.js';
import type { LogicalVolume, VolumeGroup } from '../model/types.js';
import { isMirrorLike, isRaid1 } from '../model/vg-query.js';
import { resumeInterruptedScrub } from '../raid/scrub-run.js';
import { ensureSyncing } from './daemon.js';
import { mirrorImages, tmpLayer } from './layout.js';
import { dropCoreLog } from './core-log.js';

function mirrorsIn(vg: VolumeGroup, lv: LogicalVolume): LogicalVolume[] {
  if (!isMirrorLike(lv)) return [];
  return [lv, ...mirrorImages(vg, lv).flatMap((i) => mirrorsIn(vg, i))];
}

export function mirrorActivationChanged(ctx: Context, vg: VolumeGroup, lv: LogicalVolume, active: boolean): void {
  if (!isMirrorLike(lv)) return;
  if (!active) {
    for (const m of mirrorsIn(vg, lv)) if (!m.segments[0]!.mirrorLog && m.segments[0]!.type === 'mirror') dropCoreLog(ctx.systemDir, m);
    return;
  }
  // A raid1 check/repair whose process died goes on from its checkpoint (src/raid/scrub-run.ts).
  if (isRaid1(lv)) resumeInterruptedScrub(ctx.systemDir, vg.name, lv.name, lv.uuid);
  if (lv.flags.includes('NOTSYNCED') && !tmpLayer(vg, lv)) return;
  ensureSyncing(ctx.systemDir, vg, lv);
}
