// Which PVs an existing LV uses over each range of its LEs, so new mirror images avoid them
// (LVM2 build_parallel_areas_from_lv() with _for_each_pv()/_add_pvs() in lib/metadata/lv_manip.c).
import type { LogicalVolume, LvSegment, VolumeGroup } from '../model/types.js';

import type { ParallelArea } from './request.js';

function findLv(vg: VolumeGroup, name: string): LogicalVolume {
  const lv = vg.lvs.find((l) => l.name === name);
  if (!lv) throw new Error(`Internal error: LV ${name} not found in VG ${vg.name}`);
  return lv;
}

export function segmentAt(lv: LogicalVolume, le: number): LvSegment {
  const seg = lv.segments.find((s) => le >= s.startLe && le < s.startLe + s.extentCount);
  if (!seg) throw new Error(`Internal error: Failed to find segment for ${lv.name} extent ${le}`);
  return seg;
}

/**
 * PVs under lv at LEs [le, le+len), stopping at the first segment boundary at any level; returns
 * the length covered. Mirror logs are included (LVM2 passes only_single_area_segments = 0).
 */
function pvsAt(vg: VolumeGroup, lv: LogicalVolume, le: number, len: number, out: string[]): number {
  const seg = segmentAt(lv, le);
  let covered = Math.min(len, seg.extentCount - (le - seg.startLe));
  const multiple = seg.type === 'striped' ? seg.areas.length : 1;
  const subLen = Math.max(1, Math.floor(covered / multiple));
  for (const a of seg.areas) {
    if (a.kind === 'pv') {
      if (!out.includes(a.pvUuid)) out.push(a.pvUuid);
    } else {
      const sub = findLv(vg, a.lvName);
      const got = pvsAt(vg, sub, a.le + Math.floor((le - seg.startLe) / multiple), subLen, out);
      covered = Math.min(covered, got * multiple);
    }
  }
  if (seg.type === 'mirror' && seg.mirrorLog) {
    const log = findLv(vg, seg.mirrorLog);
    const total = log.segments.reduce((n, s) => n + s.extentCount, 0);
    if (total > 0) pvsAt(vg, log, 0, total, out);
  }
  return covered;
}

/** build_parallel_areas_from_lv(lv, 0, 0): one entry per LE range with the same PVs underneath. */
export function buildParallelAreas(vg: VolumeGroup, lvName: string): ParallelArea[] {
  const lv = findLv(vg, lvName);
  const total = lv.segments.reduce((n, s) => n + s.extentCount, 0);
  const out: ParallelArea[] = [];
  for (let le = 0; le < total; ) {
    const pvUuids: string[] = [];
    const len = pvsAt(vg, lv, le, total - le, pvUuids);
    out.push({ le, len, pvUuids });
    le += len;
  }
  return out;
}

