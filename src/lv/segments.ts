// Segments of linear and striped LVs: built from the allocator's runs, merged when physically
// contiguous (LVM2 lib/metadata/merge.c lv_merge_segments), and trimmed from the end when an LV
// shrinks (lv_manip.c _lv_reduce / _reduce_lv_segment).
import type { AllocatedRun } from '../alloc/index.js';
import { areaLen, type LvSegment } from '../model/types.js';

/** Segments for `areas` (one run list per stripe, all of equal total length) starting at `startLe`. */
export function segmentsFromRuns(areas: AllocatedRun[][], startLe: number, stripeSize: number): LvSegment[] {
  const stripes = areas.length;
  const cursors = areas.map((runs) => ({ runs, i: 0, used: 0 }));
  const segs: LvSegment[] = [];
  let le = startLe;
  for (;;) {
    if (cursors.some((c) => c.i >= c.runs.length)) break;
    const len = Math.min(...cursors.map((c) => c.runs[c.i]!.len - c.used));
    segs.push({
      startLe: le,
      extentCount: len * stripes,
      type: 'striped',
      stripeSize: stripes > 1 ? stripeSize : 0,
      regionSize: 0,
      mirrorLog: null,
      areas: cursors.map((c) => ({ kind: 'pv' as const, pvUuid: c.runs[c.i]!.pvUuid, pe: c.runs[c.i]!.pe + c.used })),
    });
    le += len * stripes;
    for (const c of cursors) {
      c.used += len;
      if (c.used === c.runs[c.i]!.len) {
        c.i++;
        c.used = 0;
      }
    }
  }
  return segs;
}

function canMerge(a: LvSegment, b: LvSegment): boolean {
  if (a.type !== 'striped' || b.type !== 'striped') return false;
  if (a.areas.length !== b.areas.length || a.stripeSize !== b.stripeSize) return false;
  const len = areaLen(a);
  return a.areas.every((x, i) => {
    const y = b.areas[i]!;
    return x.kind === 'pv' && y.kind === 'pv' && x.pvUuid === y.pvUuid && x.pe + len === y.pe;
  });
}

/** lv_merge_segments(): join neighbours whose areas continue on the same PVs. */
export function mergeSegments(segs: LvSegment[]): LvSegment[] {
  const out: LvSegment[] = [];
  for (const s of segs) {
    const prev = out[out.length - 1];
    if (prev && canMerge(prev, s)) prev.extentCount += s.extentCount;
    else out.push({ ...s, areas: s.areas.map((a) => ({ ...a })) });
  }
  return out;
}

/** Keep the first `extents` logical extents of a linear/striped LV. */
export function truncateSegments(segs: LvSegment[], extents: number): LvSegment[] {
  const out: LvSegment[] = [];
  for (const s of segs) {
    if (s.startLe >= extents) break;
    const copy: LvSegment = { ...s, areas: s.areas.map((a) => ({ ...a })) };
    if (s.startLe + s.extentCount > extents) copy.extentCount = extents - s.startLe;
    out.push(copy);
  }
  return out;
}
