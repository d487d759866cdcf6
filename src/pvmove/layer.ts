// The pvmove layer in the metadata, as LVM2 puts it in and takes it out (lib/metadata/lv_manip.c
// insert_layer_for_segments_on_pv, split_parent_segments_for_layer, remove_layers_for_segments_all,
// lv_split_segment; lib/metadata/mirror.c find_pvmove_lv, lvs_using_lv). Pure: no I/O.
import { areaLen, type LogicalVolume, type LvSegment, type PhysicalVolume, type SegmentArea, type VolumeGroup } from '../model/types.js';
import { findLv, findPvByUuid } from '../model/vg-query.js';
import { mergeSegments } from '../lv/segments.js';

/** A PV named as pvmove's source, with its inclusive PE ranges (the whole PV when none were given). */
export interface SourcePv {
  pv: PhysicalVolume;
  ranges: Array<[number, number]>;
}

export function isPvmoveLv(lv: LogicalVolume): boolean {
  return lv.flags.includes('PVMOVE');
}

export function isLockedLv(lv: LogicalVolume): boolean {
  return lv.flags.includes('LOCKED');
}

/** lv_is_on_pvs(): does the LV (through sub-LVs, logs and pvmove layers) use the PV? */
export function lvIsOnPv(vg: VolumeGroup, lv: LogicalVolume, pvUuid: string, depth = 0): boolean {
  if (depth > 16) return false;
  return lv.segments.some((s) => {
    if (s.mirrorLog) {
      const log = findLv(vg, s.mirrorLog);
      if (log && lvIsOnPv(vg, log, pvUuid, depth + 1)) return true;
    }
    return s.areas.some((a) => {
      if (a.kind === 'pv') return a.pvUuid === pvUuid;
      const sub = findLv(vg, a.lvName);
      return !!sub && lvIsOnPv(vg, sub, pvUuid, depth + 1);
    });
  });
}

/**
 * The area a pvmove segment moves from: its first area, or for --atomic (one mirror segment over
 * the images pvmove0_mimage_0/1) the first area of the source image's first segment.
 */
function sourceArea(vg: VolumeGroup, seg: LvSegment): SegmentArea | undefined {
  const a = seg.areas[0];
  if (a?.kind !== 'lv') return a;
  return findLv(vg, a.lvName)?.segments[0]?.areas[0];
}

/** find_pvmove_lv(): the pvmove LV moving extents off this PV (any segment's source area on it). */
export function findPvmoveLv(vg: VolumeGroup, pvUuid: string): LogicalVolume | undefined {
  return vg.lvs.find((lv) => isPvmoveLv(lv) && lv.segments.some((s) => {
    const a = sourceArea(vg, s);
    return a?.kind === 'pv' && a.pvUuid === pvUuid;
  }));
}

/** get_pvmove_pvname_from_lv_mirr(): the source PV of a pvmove LV (first area of its first segment). */
export function pvmoveSourcePv(vg: VolumeGroup, lv: LogicalVolume): PhysicalVolume | undefined {
  const a = lv.segments[0] && sourceArea(vg, lv.segments[0]);
  return a?.kind === 'pv' ? findPvByUuid(vg, a.pvUuid) : undefined;
}

/** pvmove --atomic (MIRROR_BY_SEGMENTED_LV): one mirror segment whose areas are the image LVs. */
export function isAtomicPvmove(lv: LogicalVolume): boolean {
  return isPvmoveLv(lv) && lv.segments[0]?.type === 'mirror' && lv.segments[0].areas[0]?.kind === 'lv';
}

/** lvs_using_lv(): LVs with a segment area on `lv`, in metadata order. */
export function lvsUsingLv(vg: VolumeGroup, lv: LogicalVolume): LogicalVolume[] {
  return vg.lvs.filter((l) => l !== lv && l.segments.some((s) => s.areas.some((a) => a.kind === 'lv' && a.lvName === lv.name)));
}

/** lv_split_segment(): split the segment holding `le` so that a segment starts there. */
export function splitSegment(lv: LogicalVolume, le: number): void {
  const i = lv.segments.findIndex((s) => le > s.startLe && le < s.startLe + s.extentCount);
  if (i < 0) return;
  const seg = lv.segments[i]!;
  const multiple = seg.type === 'striped' ? seg.areas.length : 1;
  const offset = le - seg.startLe;
  if (offset % multiple) throw new Error(`Internal error: Extent ${le} not a multiple of the number of stripes in ${lv.name}`);
  const areaOffset = offset / multiple;
  const tail: LvSegment = {
    ...seg,
    startLe: le,
    extentCount: seg.extentCount - offset,
    areas: seg.areas.map((a) => (a.kind === 'pv' ? { ...a, pe: a.pe + areaOffset } : { ...a, le: a.le + areaOffset })),
  };
  seg.extentCount = offset;
  lv.segments.splice(i + 1, 0, tail);
}

/** _align_segment_boundary_to_pe_range(): split segments on the PV where a PE range starts or ends inside them. */
function alignToRanges(lv: LogicalVolume, src: SourcePv): void {
  const cut = (): boolean => {
    for (const seg of lv.segments) {
      const multiple = seg.type === 'striped' ? seg.areas.length : 1;
      for (const a of seg.areas) {
        if (a.kind !== 'pv' || a.pvUuid !== src.pv.uuid) continue;
        const peEnd = a.pe + areaLen(seg) - 1;
        for (const [start, end] of src.ranges) {
          if (start > a.pe && start <= peEnd) {
            splitSegment(lv, seg.startLe + (start - a.pe) * multiple);
            return true;
          }
          if (end >= a.pe && end < peEnd) {
            splitSegment(lv, seg.startLe + (end - a.pe + 1) * multiple);
            return true;
          }
        }
      }
    }
    return false;
  };
  while (cut());
}

function inRanges(pe: number, src: SourcePv): boolean {
  return src.ranges.some(([s, e]) => pe >= s && pe <= e);
}

/** Where each pvmove segment came from (LVM2 seg->pvmove_source_seg): for the parallel areas. */
export type SourceSegments = Map<LvSegment, LvSegment>;

/**
 * insert_layer_for_segments_on_pv(): each area of `lv` on the source PV (within its ranges) becomes
 * a linear segment appended to the pvmove LV, and the area now points at that segment. Returns the
 * number of extents put under the layer.
 */
export function insertLayerForSegmentsOnPv(vg: VolumeGroup, lv: LogicalVolume, layer: LogicalVolume, src: SourcePv, origins: SourceSegments): number {
  alignToRanges(lv, src);
  let moved = 0;
  for (const seg of lv.segments) {
    const len = areaLen(seg);
    seg.areas.forEach((a, s) => {
      if (a.kind !== 'pv' || a.pvUuid !== src.pv.uuid || !inRanges(a.pe, src)) return;
      const le = layer.segments.reduce((n, x) => n + x.extentCount, 0);
      const mapseg: LvSegment = {
        startLe: le, extentCount: len, type: 'striped', stripeSize: 0, regionSize: 0, mirrorLog: null,
        areas: [{ kind: 'pv', pvUuid: a.pvUuid, pe: a.pe }], extentsMoved: 0,
      };
      layer.segments.push(mapseg);
      origins.set(mapseg, seg);
      seg.areas[s] = { kind: 'lv', lvName: layer.name, le };
      moved += len;
    });
  }
  return moved;
}

/** The segment of `lv` holding logical extent `le`. */
export function segmentAt(lv: LogicalVolume, le: number): LvSegment | undefined {
  return lv.segments.find((s) => le >= s.startLe && le < s.startLe + s.extentCount);
}

/** split_parent_segments_for_layer(): split parents' segments where the layer's segments were split. */
export function splitParentSegmentsForLayer(vg: VolumeGroup, layer: LogicalVolume): void {
  for (const parent of vg.lvs) {
    if (parent === layer) continue;
    for (let i = 0; i < parent.segments.length; i++) {
      const seg = parent.segments[i]!;
      const multiple = seg.type === 'striped' ? seg.areas.length : 1;
      for (const a of seg.areas) {
        if (a.kind !== 'lv' || a.lvName !== layer.name) continue;
        let remaining = areaLen(seg);
        let layerLe = a.le;
        let parentLe = seg.startLe;
        while (remaining > 0) {
          const ls = segmentAt(layer, layerLe);
          if (!ls || ls.startLe !== layerLe) throw new Error(`Internal error: Incompatible layer boundary: ${parent.name}:${parentLe} on ${layer.name}:${layerLe}.`);
          if (ls.extentCount < remaining) {
            parentLe += ls.extentCount * multiple;
            splitSegment(parent, parentLe);
          }
          remaining -= ls.extentCount;
          layerLe += ls.extentCount;
        }
      }
    }
  }
}

/**
 * lv_remove_mirrors() of the pvmove LV, then remove_layers_for_segments_all(): every area pointing
 * at the pvmove LV gets the area that stays. Finished: the destination. --abort: for --atomic the
 * source image whole (all or nothing); otherwise, segment by segment, the destination where the
 * segment's move was committed (extents_moved = its length), the source elsewhere
 * (remove_mirrors_from_segments). The LVs are unlocked, their segments merged, and the pvmove LV
 * (and its images) removed. Returns the LVs that were changed.
 */
export function removePvmoveLayer(vg: VolumeGroup, layer: LogicalVolume, finished: boolean): LogicalVolume[] {
  const kept = isAtomicPvmove(layer) ? collapseImages(vg, layer, finished ? 1 : 0) : null;
  const changed: LogicalVolume[] = [];
  for (const lv of vg.lvs) {
    if (lv === layer) continue;
    let touched = false;
    for (const seg of lv.segments) {
      seg.areas.forEach((a, s) => {
        if (a.kind !== 'lv' || a.lvName !== layer.name) return;
        const ls = segmentAt(layer, a.le);
        if (!ls || ls.startLe !== a.le || ls.extentCount !== areaLen(seg)) {
          throw new Error(`Internal error: Layer boundary mismatch: ${lv.name}:${seg.startLe}-${areaLen(seg)} on ${layer.name}:${a.le}`);
        }
        const keep = kept ? 0 : finished || (ls.extentsMoved ?? 0) >= ls.extentCount ? 1 : 0;
        const area = ls.areas[Math.min(keep, ls.areas.length - 1)]!;
        seg.areas[s] = { ...area };
        touched = true;
      });
    }
    if (touched) changed.push(lv);
  }
  for (const lv of changed) {
    lv.flags = lv.flags.filter((f) => f !== 'LOCKED');
    lv.segments = mergeSegments(lv.segments);
  }
  vg.lvs = vg.lvs.filter((l) => l !== layer);
  return changed;
}

/**
 * remove_mirror_images() down to one image, then remove_layer_from_lv(): the pvmove LV of an
 * --atomic move takes the segments of image `keep` (0 source, 1 destination); both images go.
 */
function collapseImages(vg: VolumeGroup, layer: LogicalVolume, keep: 0 | 1): LogicalVolume {
  const names = layer.segments[0]!.areas.map((a) => (a.kind === 'lv' ? a.lvName : ''));
  const image = findLv(vg, names[keep]!);
  if (!image) throw new Error(`Internal error: ${vg.name}/${names[keep]} not found`);
  layer.segments = image.segments.map((s) => ({ ...s, areas: s.areas.map((a) => ({ ...a })) }));
  vg.lvs = vg.lvs.filter((l) => !names.includes(l.name));
  return image;
}
