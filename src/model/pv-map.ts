// Which physical extents of a PV are used and by whom (LVM2 lib/metadata/pv_map.c and the pv
// segments that `pvs --segments` reports). Pure: derived from the LVs' segment areas.
import type { PhysicalVolume, VolumeGroup } from './types.js';
import { forEachPvArea } from './unread-lv.js';

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
    forEachPvArea(lv, (pvUuid, start, len, le) => {
      if (pvUuid === pv.uuid) runs.push({ start, len, lvName: lv.name, le });
    });
  }
  return runs.sort((a, b) => a.start - b.start);
}

/** Used runs of every PV of the VG, by PV uuid, each sorted by PE (one pass over the areas). */
export function vgUsedRuns(vg: VolumeGroup): Map<string, PvExtentRun[]> {
  const byPv = new Map<string, PvExtentRun[]>();
  for (const pv of vg.pvs) byPv.set(pv.uuid, []);
  for (const lv of vg.lvs) {
    forEachPvArea(lv, (pvUuid, start, len, le) => byPv.get(pvUuid)?.push({ start, len, lvName: lv.name, le }));
  }
  for (const runs of byPv.values()) runs.sort((a, b) => a.start - b.start);
  return byPv;
}

/** All runs of a PV, used and free, covering 0..peCount-1 (pvs --segments); `used` from pvUsedRuns. */
export function pvAllRuns(vg: VolumeGroup, pv: PhysicalVolume, used = pvUsedRuns(vg, pv)): PvExtentRun[] {
  const out: PvExtentRun[] = [];
  let pos = 0;
  for (const r of used) {
    if (r.start > pos) out.push({ start: pos, len: r.start - pos, lvName: null, le: 0 });
    out.push(r);
    pos = Math.max(pos, r.start + r.len);
  }
  if (pos < pv.peCount) out.push({ start: pos, len: pv.peCount - pos, lvName: null, le: 0 });
  return out;
}

/** Free runs of a PV in PE order; `used` from pvUsedRuns. */
export function pvFreeRuns(vg: VolumeGroup, pv: PhysicalVolume, used = pvUsedRuns(vg, pv)): PvExtentRun[] {
  // pvAllRuns's gaps, without a run object per used run (10,000 LVs)
  const out: PvExtentRun[] = [];
  let pos = 0;
  for (const r of used) {
    if (r.start > pos) out.push({ start: pos, len: r.start - pos, lvName: null, le: 0 });
    pos = Math.max(pos, r.start + r.len);
  }
  if (pos < pv.peCount) out.push({ start: pos, len: pv.peCount - pos, lvName: null, le: 0 });
  return out;
}

/** Extents of the PV that LVs use (one pass over the areas: no runs built, nothing sorted). */
export function pvAllocatedExtents(vg: VolumeGroup, pv: PhysicalVolume): number {
  let n = 0;
  const add = (pvUuid: string, _pe: number, len: number) => {
    if (pvUuid === pv.uuid) n += len;
  };
  for (const lv of vg.lvs) forEachPvArea(lv, add);
  return n;
}

/** Free extents of the VG: its PVs' extents less those LVs use on them, in one pass over the areas. */
export function vgFreeExtents(vg: VolumeGroup): number {
  const inVg = new Set<string>();
  let free = 0;
  for (const pv of vg.pvs) {
    inVg.add(pv.uuid);
    free += pv.peCount;
  }
  const take = (pvUuid: string, _pe: number, len: number) => {
    if (inVg.has(pvUuid)) free -= len;
  };
  for (const lv of vg.lvs) forEachPvArea(lv, take);
  return free;
}

export function vgExtentCount(vg: VolumeGroup): number {
  return vg.pvs.reduce((n, pv) => n + pv.peCount, 0);
}
