// vgreduce --removemissing --force of a raid1 LV (LVM2 raid_manip.c lv_raid_remove_missing): every
// image whose rimage or rmeta sits on a missing PV keeps its place and names, but both sub-LVs get
// one "error" segment of their length instead of their extents (replace_lv_with_error_segment),
// so the missing PVs can leave the VG while the LV runs degraded; `lvconvert --repair` later
// replaces those images. Pure: changes the VG object only.
import type { LogicalVolume, VolumeGroup } from '../model/types.js';
import { lvExtents } from '../model/types.js';
import { findLv, lvPvs } from '../model/vg-query.js';

function replaceWithError(lv: LogicalVolume): void {
  lv.segments = [{ startLe: 0, extentCount: lvExtents(lv), type: 'error', stripeSize: 0, regionSize: 0, mirrorLog: null, areas: [] }];
}

/** Returns the names of the sub-LVs replaced. */
export function raidRemoveMissing(vg: VolumeGroup, lv: LogicalVolume): string[] {
  const seg = lv.segments[0]!;
  const partial = (n: string | undefined) => {
    const sub = n ? findLv(vg, n) : undefined;
    return !!sub && lvPvs(vg, sub).some((p) => p.missing);
  };
  const out: string[] = [];
  seg.areas.forEach((a, k) => {
    const img = (a as { lvName: string }).lvName;
    const meta = seg.metaAreas?.[k];
    if (!partial(img) && !partial(meta)) return;
    for (const n of [img, meta]) {
      const sub = n ? findLv(vg, n) : undefined;
      if (!sub) continue;
      replaceWithError(sub);
      out.push(sub.name);
    }
  });
  return out;
}
