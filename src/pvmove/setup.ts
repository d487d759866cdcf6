// Planning a pvmove (LVM2 tools/pvmove.c _set_up_pvmove_lv, lib/metadata/mirror.c
// _add_mirrors_that_preserve_segments, lv_manip.c lv_add_mirror_areas): the temporary pvmove LV
// gets one linear segment per LV area on the source PV, the LVs' areas point at it, and each of its
// segments becomes a 2-way mirror whose second area is allocated as LVM2 allocates it. Pure: no I/O.
import { allocate, AllocError, type ParallelArea, type PvRangeLimit } from '../alloc/index.js';
import { CommandFailed } from '../cli/errors.js';
import { areaLen, type AllocPolicy, type LogicalVolume, type LvSegment, type VolumeGroup } from '../model/types.js';
import { findLv, isMirror, isMirrorLike, isRaid1, lvPvs, parentLv, topLv } from '../model/vg-query.js';
import { newUuid } from '../model/uuid.js';
import { adjustedRegionSize, generateName, TMP_LAYER_RE } from '../mirror/layout.js';
import {
  insertLayerForSegmentsOnPv, isLockedLv, isPvmoveLv, lvIsOnPv, segmentAt, splitParentSegmentsForLayer, splitSegment,
  type SourcePv, type SourceSegments,
} from './layer.js';

export interface PvmovePlanRequest {
  vg: VolumeGroup;
  source: SourcePv;
  /** -n: the LV (or sub-LV) to move, plain name. */
  lvName?: string;
  /** PVs the destination may use (_get_allocatable_pvs), source removed unless --alloc anywhere. */
  allocatable: PvRangeLimit[];
  /** --alloc, inherit already resolved to the VG's policy. */
  alloc: Exclude<AllocPolicy, 'inherit'>;
  /** activation/raid_region_size default (sectors). */
  regionSize: number;
  now: number;
  host: string;
  /** --atomic: one mirror over two image LVs, so the move is all or nothing (MIRROR_BY_SEGMENTED_LV). */
  atomic?: boolean;
  /** Activate the LVs that hold moved extents (LVM2 activate_lv of each lock holder). */
  activate: boolean;
  /** LVM2's log_print as it goes ("Skipping locked LV vg/lv."). */
  notice: (line: string) => void;
}

export interface PvmovePlan {
  layer: LogicalVolume;
  /** Lock holders whose extents move (the visible LVs), in the order LVM2 found them. */
  holders: LogicalVolume[];
}

/**
 * The LVs in the order LVM2 has them after reading the metadata: its text lists the visible LVs
 * first, then the hidden ones (format_text/export.c), each group in the order the VG keeps them.
 */
function readOrder(vg: VolumeGroup): LogicalVolume[] {
  return [...vg.lvs.filter((l) => l.visible), ...vg.lvs.filter((l) => !l.visible)];
}

/** top_level_lv_name(): the visible LV at the top of `name`'s stack. */
function topLevelName(vg: VolumeGroup, name: string): string {
  const lv = findLv(vg, name);
  return lv ? topLv(vg, lv).name : name;
}

/** _sub_lv_of(): is `lv` (a sub-LV) below the LV called `name`? */
function subLvOf(vg: VolumeGroup, lv: LogicalVolume, name: string): boolean {
  for (let p = parentLv(vg, lv); p; p = parentLv(vg, p)) if (p.name === name) return true;
  return false;
}

/**
 * _remove_sibling_pvs_from_trim_list(): `pvmove -n LV_rimage_N` may put the image beside its own
 * LV_rmeta_N, so the sibling's PVs stay allocatable.
 */
function siblingPvs(vg: VolumeGroup, lv: LogicalVolume, lvName: string | undefined): string[] {
  if (!lvName || !isRaid1(lv) || lv.name === lvName) return [];
  const name = siblingName(lvName);
  const sub = findLv(vg, name);
  if (!sub) throw new CommandFailed(`Can't find sub LV ${name}.`);
  return lvPvs(vg, sub).map((p) => p.uuid);
}

/**
 * The sibling's name as LVM2 2.03.16 builds it: "_rimage_" / "_rmeta_" is found, then the other
 * word and "_<index>" are printed over the name in place (dm_snprintf at suffix + 2, the index
 * read from the very buffer being written). For an rmeta the longer "image_" overwrites the index
 * before it is read, so LVM2 looks for "LV_rimage__" and fails (the oracle answers
 * "Can't find sub LV r_rimage__." to `pvmove -n r_rmeta_1`); for an rimage it finds LV_rmeta_N.
 */
export function siblingName(lvName: string): string {
  let at = lvName.indexOf('_rimage_');
  let word = 'meta';
  if (at < 0) {
    at = lvName.indexOf('_rmeta_');
    word = 'image';
  }
  if (at < 0) throw new CommandFailed("Can't find rimage or rmeta suffix.");
  const u = lvName.indexOf('_', at + 1);
  if (u < 0) throw new CommandFailed(`Can't find '_' after suffix ${lvName.slice(at)}.`);
  const idx = u + 1;
  const buf = [...lvName];
  let pos = at + 2;
  for (const ch of `${word}_`) buf[pos++] = ch;
  // %s of the index: its length taken now, from the buffer as written so far
  const rest = buf.slice(idx);
  const len = rest.length;
  const copy = rest.slice(0, len);
  for (const ch of copy) buf[pos++] = ch;
  return buf.slice(0, pos).join('');
}

/** Plan the pvmove into `req.vg` (changed in place). Throws CommandFailed with LVM2's lines. */
export function planPvmove(req: PvmovePlanRequest): PvmovePlan {
  const { vg, source } = req;
  const layer: LogicalVolume = {
    uuid: newUuid(), name: generateName(vg, 'pvmove'), visible: false, writable: true, alloc: 'contiguous', active: false,
    creationTime: req.now, creationHost: req.host, tags: [], readAhead: 'auto', flags: ['PVMOVE', 'LOCKED'], segments: [],
  };
  vg.lvs.push(layer);
  let allocatable = [...req.allocatable];

  // First: mirrors (and other pvmoves) on the source keep their redundancy: avoid all their PVs.
  const wanted = req.lvName ? topLevelName(vg, req.lvName) : undefined;
  const order = readOrder(vg);
  for (const lv of order) {
    if (lv === layer) continue;
    if (wanted && lv.name !== wanted) continue;
    if (!lvIsOnPv(vg, lv, source.pv.uuid)) continue;
    if (isMirror(lv) && lv.segments[0]!.areas.some((a) => a.kind === 'lv' && TMP_LAYER_RE.test(a.lvName))) {
      throw new CommandFailed(`Unable to pvmove when converting volume ${vg.name}/${lv.name} is present.`);
    }
    if (isMirrorLike(lv) && req.alloc !== 'anywhere') {
      const trim = new Set(lvPvs(vg, lv).map((p) => p.uuid));
      for (const u of siblingPvs(vg, lv, req.lvName)) trim.delete(u);
      allocatable = allocatable.filter((l) => !trim.has(l.pvUuid));
    }
  }

  // Second: bottom-level LVs (linear/striped: plain LVs, mirror images and logs) get the layer.
  const holders: LogicalVolume[] = [];
  const origins: SourceSegments = new Map();
  let skipped = false;
  let found = false;
  for (const lv of order) {
    if (lv === layer) continue;
    if (req.lvName) {
      if (lv.name !== req.lvName && !subLvOf(vg, lv, req.lvName)) continue;
      found = true;
    }
    if (!lv.segments.length || lv.segments[0]!.type !== 'striped') continue;
    if (!lvIsOnPv(vg, lv, source.pv.uuid)) continue;
    if (isLockedLv(lv)) {
      skipped = true;
      req.notice(`Skipping locked LV ${vg.name}/${lv.name}.`);
      continue;
    }
    const holder = topLv(vg, lv);
    if (insertLayerForSegmentsOnPv(vg, lv, layer, source, origins) > 0) {
      if (!lv.flags.includes('LOCKED')) lv.flags.push('LOCKED');
      if (!holders.includes(holder)) holders.push(holder);
    }
  }
  if (req.lvName && !found) throw new CommandFailed(`Logical volume ${req.lvName} not found.`);
  const extents = layer.segments.reduce((n, s) => n + s.extentCount, 0);
  if (!extents) {
    const lines = skipped ? ['All data on source PV skipped. It contains locked, hidden or non-top level LVs only.'] : [];
    throw new CommandFailed(...lines, `No data to move for ${vg.name}.`);
  }

  addMirrorAreas(req, layer, allocatable, origins, extents);
  // --atomic splits the parents where the images' segments end: the same places as here.
  splitParentSegmentsForLayer(vg, layer);
  if (req.atomic) toSegmentedLvMirror(req, layer);
  if (req.activate) {
    layer.active = true;
    for (const l of req.vg.lvs) if (l.name.startsWith(`${layer.name}_mimage_`)) l.active = true;
    for (const h of holders) activateTree(vg, h);
  }
  return { layer, holders };
}

/** The holder and everything below it become active (with the pvmove layer it now sits on). */
function activateTree(vg: VolumeGroup, lv: LogicalVolume, depth = 0): void {
  if (depth > 16) return;
  lv.active = true;
  for (const seg of lv.segments) {
    for (const a of seg.areas) {
      const sub = a.kind === 'lv' ? findLv(vg, a.lvName) : undefined;
      if (sub && !isPvmoveLv(sub)) activateTree(vg, sub, depth + 1);
    }
    const log = seg.mirrorLog ? findLv(vg, seg.mirrorLog) : undefined;
    if (log) activateTree(vg, log, depth + 1);
  }
}

/**
 * build_parallel_areas_from_lv(pvmove LV, use_pvmove_parent_lv = 1): each segment's destination
 * avoids the PVs of the whole segment it came from (the other stripes of a striped LV).
 */
function parallelAreas(vg: VolumeGroup, layer: LogicalVolume, origins: SourceSegments): ParallelArea[] {
  return layer.segments.map((seg) => {
    const pvUuids: string[] = [];
    const add = (u: string) => {
      if (!pvUuids.includes(u)) pvUuids.push(u);
    };
    const src = seg.areas[0];
    if (src?.kind === 'pv') add(src.pvUuid);
    for (const a of origins.get(seg)?.areas ?? []) {
      if (a.kind === 'pv') add(a.pvUuid);
      else if (a.lvName !== layer.name) {
        const sub = findLv(vg, a.lvName);
        if (sub) for (const pv of lvPvs(vg, sub)) add(pv.uuid);
      }
    }
    return { le: seg.startLe, len: seg.extentCount, pvUuids };
  });
}

/** _add_mirrors_that_preserve_segments(MIRROR_BY_SEG) + lv_add_mirror_areas(). */
function addMirrorAreas(req: PvmovePlanRequest, layer: LogicalVolume, allowed: PvRangeLimit[], origins: SourceSegments, extents: number): void {
  const { vg } = req;
  const region = adjustedRegionSize(vg.extentSize, extents, req.regionSize).size;
  const failed = ['Unable to allocate mirror extents for ' + `${vg.name}/${layer.name}.`, 'Failed to convert pvmove LV to mirrored.'];
  let runs;
  try {
    runs = allocate({
      vg, policy: req.alloc, areaCount: 1, extents, logCount: 0, logLen: 0, allowedPvs: allowed,
      parallelAreas: parallelAreas(vg, layer, origins), lvName: '',
    }).areas[0]!;
  } catch (e) {
    if (e instanceof AllocError) throw new CommandFailed(...e.lines, ...failed);
    throw e;
  }
  let le = 0;
  for (const run0 of runs) {
    let run = { ...run0 };
    while (run.len > 0) {
      const seg = segmentAt(layer, le);
      if (!seg) throw new Error(`Internal error: Failed to find segment for ${vg.name}/${layer.name} extent ${le}.`);
      if (run.len < seg.extentCount) splitSegment(layer, le + run.len);
      const cur = segmentAt(layer, le)!;
      toMirror(cur, region);
      cur.areas.push({ kind: 'pv', pvUuid: run.pvUuid, pe: run.pe });
      le += cur.extentCount;
      run = { ...run, pe: run.pe + cur.extentCount, len: run.len - cur.extentCount };
    }
  }
}

/**
 * lv_add_segmented_mirror_image(): the pvmove LV's segments go to a layer LV `<name>_mimage_0`
 * (insert_layer_for_lv), their destinations to `<name>_mimage_1` segment for segment, and the
 * pvmove LV becomes one 2-way mirror of the two (its copy is then one piece: all or nothing).
 */
function toSegmentedLvMirror(req: PvmovePlanRequest, layer: LogicalVolume): void {
  const image = (k: 0 | 1): LogicalVolume => ({
    uuid: newUuid(), name: `${layer.name}_mimage_${k}`, visible: false, writable: true, alloc: 'inherit', active: false,
    creationTime: req.now, creationHost: req.host, tags: [], readAhead: 'auto', flags: [],
    segments: layer.segments.map((s) => ({
      startLe: s.startLe, extentCount: s.extentCount, type: 'striped' as const, stripeSize: 0, regionSize: 0, mirrorLog: null,
      areas: [{ ...s.areas[k]! }],
    })),
  });
  const images = [image(0), image(1)];
  const extents = layer.segments.reduce((n, s) => n + s.extentCount, 0);
  layer.segments = [{
    startLe: 0, extentCount: extents, type: 'mirror', stripeSize: 0, regionSize: layer.segments[0]!.regionSize, mirrorLog: null,
    areas: images.map((l) => ({ kind: 'lv' as const, lvName: l.name, le: 0 })), extentsMoved: 0,
  }];
  req.vg.lvs.push(...images);
}

function toMirror(seg: LvSegment, regionSize: number): void {
  seg.type = 'mirror';
  seg.regionSize = regionSize;
  seg.stripeSize = 0;
  seg.extentsMoved = 0;
  if (areaLen(seg) !== seg.extentCount) throw new Error('Internal error: pvmove segment is not linear');
}
