// Which parts of a mirror have failed (LVM2 _failed_mirrors_count / _failed_logs_count): images
// and logs on a missing PV, or recorded failed by the I/O path (EIO, truncated image).
import type { LogicalVolume, VolumeGroup } from '../model/types.js';
import { findPvByUuid, isMirror, lvPvs } from '../model/vg-query.js';
import { logTree, mirrorImages, tmpLayer } from './layout.js';
import { loadFailedLegs } from './state.js';

export interface MirrorFailures {
  images: LogicalVolume[];
  /** Failed log copies (log LV, or legs of a mirrored log). */
  logs: LogicalVolume[];
  /** PVs (uuids) the failed parts live on. */
  pvUuids: string[];
}

export function mirrorFailures(systemDir: string, vg: VolumeGroup, lv: LogicalVolume): MirrorFailures {
  const recorded = new Set(loadFailedLegs(systemDir, lv.uuid).map((l) => l.lvName));
  const bad = (x: LogicalVolume) => recorded.has(x.name) || lvPvs(vg, x).some((p) => p.missing);
  const images: LogicalVolume[] = [];
  const top = tmpLayer(vg, lv);
  for (const img of mirrorImages(vg, lv)) {
    if (img === top) images.push(...mirrorImages(vg, img).filter(bad));
    else if (bad(img)) images.push(img);
  }
  const logs = logTree(vg, lv).filter((l) => !isMirror(l) && bad(l));
  const pvUuids = [...new Set([...images, ...logs].flatMap((x) => lvPvs(vg, x)).map((p) => p.uuid))];
  return { images, logs, pvUuids: pvUuids.filter((u) => findPvByUuid(vg, u)) };
}
