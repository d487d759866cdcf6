// Checks lvcreate makes before it allocates (LVM2 lv_manip.c _lv_create_an_lv): stripes vs. PVs
// and the VG's total free extents. Callers run them; they return LVM2's lines or null.
import type { AllocPolicy, VolumeGroup } from '../model/types.js';
import { vgFreeExtents } from '../model/pv-map.js';
import { msg } from './alloc-error.js';

/** "Number of stripes (3) must not exceed number of physical volumes (2)"; pvCount = PVs listed, or all VG PVs. */
export function checkStripeCount(stripes: number, pvCount: number, policy: AllocPolicy): string[] | null {
  return policy !== 'anywhere' && stripes > pvCount ? [msg.tooManyStripes(stripes, pvCount)] : null;
}

/**
 * lvcreate's check of the VG's free extents (all PVs) against the new LV's extents; `free`:
 * vgFreeExtents(vg), if the caller has it (store/used-space.ts: without a walk over the LVs).
 */
export function checkVgFree(vg: VolumeGroup, extents: number, free = vgFreeExtents(vg)): string[] | null {
  return free < extents ? [msg.vgInsufficient(vg.name, free, extents)] : null;
}
