// Which physical extents of a PV are used and by whom (LVM2 lib/metadata/pv_map.c and the pv
// segments that `pvs --segments` reports). Pure: derived from the LVs' segment areas.
import type { PhysicalVolume, VolumeGroup } from './types.js';
import { areaLen } from './types.js';

export interface PvExtentRun {
  /** First PE of the run. */
  start: number;
  len: number;
  /** Owner, or null for free space. */
  lvName: string | null;
  /** LE in the owner where this run starts (per area). */
  le: number;
}

/** Used runs of a PV, sorted by PE. */
export function pvUsedRuns(vg: VolumeGroup, pv: PhysicalVolume): PvExtentRun[] {
  const runs: PvExtentRun[] = [];
  for (const lv of vg.lvs) {
    for (const seg of lv.segments) {
      const len = areaLen(seg);
      seg.areas.forEach((a) => {
        if (a.kind === 'pv' && a.pvUuid === pv.uuid) {
          runs.push({ start: a.pe, len, lvName: lv.name, le: seg.startLe });
        }
      });
    }
  }
  return runs.sort((a, b) => a.start - b.start);
}

/** All runs of a PV, used and free, covering 0..peCount-1 (pvs --segments). */
export function pvAllRuns(vg: VolumeGroup, pv: PhysicalVolume): PvExtentRun[] {
  const out: PvExtentRun[] = [];
  let pos = 0;
  for (const r of pvUsedRuns(vg, pv)) {
    if (r.start > pos) out.push({ start: pos, len: r.start - pos, lvName: null, le: 0 });
    out.push(r);
    pos = Math.max(pos, r.start + r.len);
  }
  if (pos < pv.peCount) out.push({ start: pos, len: pv.peCount - pos, lvName: null, le: 0 });
  return out;
}

/** Free runs of a PV in PE order. */
export function pvFreeRuns(vg: VolumeGroup, pv: PhysicalVolume): PvExtentRun[] {
  return pvAllRuns(vg, pv).filter((r) => r.lvName === null);
}

export function pvAllocatedExtents(vg: VolumeGroup, pv: PhysicalVolume): number {
  return pvUsedRuns(vg, pv).reduce((n, r) => n + r.len, 0);
}

export function vgFreeExtents(vg: VolumeGroup): number {
  return vg.pvs.reduce((n, pv) => n + pv.peCount - pvAllocatedExtents(vg, pv), 0);
}

export function vgExtentCount(vg: VolumeGroup): number {
  return vg.pvs.reduce((n, pv) => n + pv.peCount, 0);
}
