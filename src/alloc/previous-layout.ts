// What an extension clings to: per parallel area, the PV run at the LV's last extent (contiguous)
// and at its first extent (cling, maximise_cling), seen through mirror images. Mirrors how LVM2's
// _check_contiguous()/_check_cling() walk prev_lvseg with _for_each_pv() (lib/metadata/lv_manip.c).
import type { LvSegment, VolumeGroup } from '../model/types.js';
import { areaLen } from '../model/types.js';
import { segmentAt } from './parallel-areas.js';

export interface PvRun {
  pvUuid: string;
  pe: number;
  len: number;
}

export interface PreviousLayout {
  /** Areas of the last segment (prev_lvseg->area_count). */
  areaCount: number;
  /** Per area: the PV segment holding the LV's last extent. */
  last: Array<PvRun | undefined>;
  /** Per area: the PV segment holding the LE examined for cling. */
  cling: Array<PvRun | undefined>;
}

function runOf(vg: VolumeGroup, seg: LvSegment, index: number, le: number): PvRun | undefined {
  const a = seg.areas[index];
  if (!a) return undefined;
  if (a.kind === 'pv') return { pvUuid: a.pvUuid, pe: a.pe, len: areaLen(seg) };
  const sub = vg.lvs.find((l) => l.name === a.lvName);
  if (!sub) return undefined;
  const multiple = seg.type === 'striped' ? seg.areas.length : 1;
  const subSeg = segmentAt(sub, a.le + Math.floor((le - seg.startLe) / multiple));
  return runOf(vg, subSeg, 0, 0);
}

function runsAt(vg: VolumeGroup, segs: LvSegment[], le: number): Array<PvRun | undefined> {
  const seg = segs.find((s) => le >= s.startLe && le < s.startLe + s.extentCount);
  return seg ? seg.areas.map((_, i) => runOf(vg, seg, i, le)) : [];
}

/**
 * From the LV's segments: with maximise_cling LVM2 looks from LE 0 but _for_each_pv stops at the
 * first segment, so cling means "the PVs of the first segment"; without it, the last extent.
 */
export function previousLayout(vg: VolumeGroup, segs: LvSegment[], maximiseCling: boolean): PreviousLayout | undefined {
  const lastSeg = segs[segs.length - 1];
  if (!lastSeg) return undefined;
  const lastLe = lastSeg.startLe + lastSeg.extentCount - 1;
  return {
    areaCount: lastSeg.areas.length,
    last: runsAt(vg, segs, lastLe),
    cling: runsAt(vg, segs, maximiseCling ? 0 : lastLe),
  };
}

/** The same from each image's own segments (index = area). */
export function previousLayoutPerArea(perArea: LvSegment[][], maximiseCling: boolean): PreviousLayout | undefined {
  if (perArea.length === 0) return undefined;
  const pick = (segs: LvSegment[], first: boolean): PvRun | undefined => {
    const seg = first ? segs[0] : segs[segs.length - 1];
    const a = seg?.areas[0];
    return seg && a?.kind === 'pv' ? { pvUuid: a.pvUuid, pe: a.pe, len: areaLen(seg) } : undefined;
  };
  return {
    areaCount: perArea.length,
    last: perArea.map((s) => pick(s, false)),
    cling: perArea.map((s) => pick(s, maximiseCling)),
  };
}
