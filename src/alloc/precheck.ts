// Checks lvcreate makes before it allocates (LVM2 lv_manip.c _lv_create_an_lv): stripes vs. PVs
// and the VG's total free extents. Callers run them; they return LVM2's lines or null.
import type { AllocPolicy, VolumeGroup } from '../model/types.js';
import { vgFreeExtents, vgFreeExtentsOf, type PvExtentRun } from '../model/pv-map.js';
import { msg } from './alloc-error.js';

/** "Number of stripes (3) must not exceed number of physical volumes (2)"; pvCount = PVs listed, or all VG PVs. */
export function checkStripeCount(stripes: number, pvCount: number, policy: AllocPolicy): string[] | null {
  return policy !== 'anywhere' && stripes > pvCount ? [msg.tooManyStripes(stripes, pvCount)] : null;
}

/**
 * lvcreate's check of the VG's free extents (all PVs) against the new LV's extents; `used`:
 * vgUsedRuns(vg), if the caller has it (the same count without another walk over the LVs).
 */
export function checkVgFree(vg: VolumeGroup, extents: number, used?: Map<string, PvExtentRun[]>): string[] | null {
  const free = used ? vgFreeExtentsOf(vg, used) : vgFreeExtents(vg);
  return free < extents ? [msg.vgInsufficient(vg.name, free, extents)] : null;
}
