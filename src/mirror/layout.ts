// Pure metadata transformations of mirrors, as LVM2 lays them out (lib/metadata/mirror.c,
// lv_manip.c insert_layer_for_lv, tools/lvconvert.c): names (_mimage_N, _mlog, _mlog_mimage_N,
// _mimagetmp_N), which image goes where, the log's size, region size rules. No I/O.
import type { AllocatedRun } from '../alloc/index.js';
import type { AllocPolicy, LogicalVolume, LvSegment, VolumeGroup } from '../model/types.js';
import { lvExtents } from '../model/types.js';
import { findLv, isMirror } from '../model/vg-query.js';
import { newUuid } from '../model/uuid.js';
import type { Config } from '../model/config.js';
import { segmentsFromRuns } from '../lv/segments.js';

export const MAX_MIRROR_IMAGES = 8;
export const TMP_LAYER_RE = /_mimagetmp_\d+$/;

/** activation/raid_region_size (KiB; the old mirror_region_size is overridden by it), in sectors. */
export function defaultRegionSize(config: Config): number {
  const mrs = 2 * config.num('activation/mirror_region_size', 0);
  const rrs = 2 * config.num('activation/raid_region_size', 0);
  if (!mrs && !rrs) return 4096;
  return rrs || mrs;
}

/** adjusted_mirror_region_size(): a region larger than the LV is reduced to the largest power of 2 that fits. */
export function adjustedRegionSize(extentSize: number, extents: number, regionSize: number): { size: number; reduced: boolean } {
  const max = extents * extentSize;
  if (max < 2 ** 32 && regionSize > max) return { size: 2 ** Math.floor(Math.log2(max)), reduced: true };
  return { size: regionSize, reduced: false };
}

/** The -R check of tools/lvmcmdline.c regionsize_arg (sectors); an error line or null. */
export function regionSizeError(sectors: number): string | null {
  if (!sectors) return 'Region size may not be zero.';
  if (sectors % 8) return 'Region size must be a multiple of machine memory page size (4096 bytes).';
  if (sectors & (sectors - 1)) return 'Region size must be a power of 2.';
  return null;
}

/** generate_lv_name(): "<format with %d>" with one past the highest index in use. */
export function generateName(vg: VolumeGroup, prefix: string): string {
  let high = -1;
  for (const lv of vg.lvs) {
    if (!lv.name.startsWith(prefix)) continue;
    const m = /^(\d+)/.exec(lv.name.slice(prefix.length));
    if (m) high = Math.max(high, Number(m[1]));
  }
  return `${prefix}${high + 1}`;
}

export function linearSegments(runs0: AllocatedRun[]): LvSegment[] {
  // Runs that continue each other on the same PV are one segment (LVM2 lv_merge_segments).
  const runs: AllocatedRun[] = [];
  for (const r of runs0) {
    const last = runs[runs.length - 1];
    if (last && last.pvUuid === r.pvUuid && last.pe + last.len === r.pe) last.len += r.len;
    else runs.push({ ...r });
  }
  let le = 0;
  return runs.map((r) => {
    const seg: LvSegment = {
      startLe: le, extentCount: r.len, type: 'striped', stripeSize: 0, regionSize: 0, mirrorLog: null,
      areas: [{ kind: 'pv', pvUuid: r.pvUuid, pe: r.pe }],
    };
    le += r.len;
    return seg;
  });
}

export function newSubLv(vg: VolumeGroup, like: LogicalVolume, name: string, segments: LvSegment[], alloc: AllocPolicy = 'inherit'): LogicalVolume {
  return {
    uuid: newUuid(), name, visible: false, writable: true, alloc, active: like.active,
    creationTime: like.creationTime, creationHost: like.creationHost, tags: [], readAhead: 'auto', flags: [], segments,
  };
}

function mirrorSeg(extents: number, regionSize: number, images: string[], log: string | null): LvSegment {
  return {
    startLe: 0, extentCount: extents, type: 'mirror', stripeSize: 0, regionSize, mirrorLog: log,
    areas: images.map((n) => ({ kind: 'lv' as const, lvName: n, le: 0 })),
  };
}

/** Image sub-LVs of a mirror, in area order. */
export function mirrorImages(vg: VolumeGroup, lv: LogicalVolume): LogicalVolume[] {
  return lv.segments[0]!.areas.map((a) => (a.kind === 'lv' ? findLv(vg, a.lvName) : undefined)).filter((x): x is LogicalVolume => !!x);
}

export function logLvOf(vg: VolumeGroup, lv: LogicalVolume): LogicalVolume | undefined {
  const n = isMirror(lv) ? lv.segments[0]!.mirrorLog : null;
  return n ? findLv(vg, n) : undefined;
}

/** 0 core, 1 disk, 2 mirrored (LVM2 _get_log_count). */
export function logCount(vg: VolumeGroup, lv: LogicalVolume): number {
  const log = logLvOf(vg, lv);
  if (!log) return 0;
  return isMirror(log) ? log.segments[0]!.areas.length : 1;
}

/** The temporary layer of an up-convert, if the mirror has one. */
export function tmpLayer(vg: VolumeGroup, lv: LogicalVolume): LogicalVolume | undefined {
  if (!isMirror(lv)) return undefined;
  const a = lv.segments[0]!.areas[0];
  return a?.kind === 'lv' && TMP_LAYER_RE.test(a.lvName) ? findLv(vg, a.lvName) : undefined;
}

/** lv_mirror_count(): images, counting those of a temporary layer. */
export function mirrorCount(vg: VolumeGroup, lv: LogicalVolume): number {
  if (!isMirror(lv)) return 1;
  const tmp = tmpLayer(vg, lv);
  return lv.segments[0]!.areas.length + (tmp ? mirrorCount(vg, tmp) - 1 : 0);
}

function removeLvs(vg: VolumeGroup, names: string[]): void {
  vg.lvs = vg.lvs.filter((l) => !names.includes(l.name));
}

/** Build the log LV(s): a linear _mlog, or a 2-leg mirror _mlog over _mlog_mimage_0/1. */
function addLog(vg: VolumeGroup, top: LogicalVolume, logs: AllocatedRun[][], alloc: AllocPolicy): string | null {
  if (!logs.length) return null;
  const name = `${top.name}_mlog`;
  if (logs.length === 1) {
    vg.lvs.push(newSubLv(vg, top, name, linearSegments(logs[0]!), alloc));
    return name;
  }
  const legs = logs.map((runs, i) => {
    const leg = newSubLv(vg, top, `${name}_mimage_${i}`, linearSegments(runs));
    vg.lvs.push(leg);
    return leg.name;
  });
  const ext = logs[0]!.reduce((n, r) => n + r.len, 0);
  const log = newSubLv(vg, top, name, [mirrorSeg(ext, adjustedRegionSize(vg.extentSize, ext, 4096).size, legs, null)], alloc);
  vg.lvs.push(log);
  return name;
}

/** Linear -> mirror: the LV keeps its extents as _mimage_0; new images and the log come from `alloc`. */
export function makeMirror(
  vg: VolumeGroup, lv: LogicalVolume, areas: AllocatedRun[][], logs: AllocatedRun[][], regionSize: number, logAlloc: AllocPolicy,
  stripes = 1, stripeSize = 0,
): void {
  const extents = lvExtents(lv);
  // LVM2's add_mirror_images (lib/metadata/mirror.c) sets up the log before it forms the mirror,
  // so the metadata lists the log before the images (lvscan -a, vgcfgbackup); lvcreate adds the
  // log last (newMirrorLv)
  const log = addLog(vg, lv, logs, logAlloc);
  const img0 = newSubLv(vg, lv, `${lv.name}_mimage_0`, lv.segments);
  img0.alloc = 'inherit';
  vg.lvs.push(img0);
  const names = [img0.name];
  for (const segs of imageSegments(areas, stripes, stripeSize)) {
    const img = newSubLv(vg, lv, generateName(vg, `${lv.name}_mimage_`), segs);
    vg.lvs.push(img);
    names.push(img.name);
  }
  lv.segments = [mirrorSeg(extents, regionSize, names, log)];
}

/** The segments of new images: linear, or image i striped over areas [i * stripes, (i + 1) * stripes). */
function imageSegments(areas: AllocatedRun[][], stripes: number, stripeSize: number): LvSegment[][] {
  const out: LvSegment[][] = [];
  for (let i = 0; i * stripes < areas.length; i++) {
    const group = areas.slice(i * stripes, (i + 1) * stripes);
    out.push(stripes > 1 ? segmentsFromRuns(group, 0, stripeSize) : linearSegments(group[0]!));
  }
  return out;
}

/** A new mirror LV (lvcreate --type mirror): all images and the log from one allocation. */
export function newMirrorLv(
  vg: VolumeGroup, top: LogicalVolume, areas: AllocatedRun[][], logs: AllocatedRun[][], regionSize: number, extents: number,
  stripes = 1, stripeSize = 0,
): void {
  const names: string[] = [];
  imageSegments(areas, stripes, stripeSize).forEach((segs, i) => {
    const img = newSubLv(vg, top, `${top.name}_mimage_${i}`, segs);
    vg.lvs.push(img);
    names.push(img.name);
  });
  const log = addLog(vg, top, logs, 'inherit');
  top.segments = [mirrorSeg(extents, regionSize, names, log)];
}

/**
 * Up-convert an m-way mirror. With a disk log, LVM2 inserts the temporary layer: the old mirror
 * becomes `<lv>_mimagetmp_<k>` (keeping the log) and the LV becomes a core-log mirror of that layer
 * and the new images; with a core log the images are simply added. Returns the layer's name.
 */
export function addImages(vg: VolumeGroup, lv: LogicalVolume, areas: AllocatedRun[][]): string | null {
  const seg = lv.segments[0]!;
  const extents = seg.extentCount;
  let layer: string | null = null;
  const first = generateName(vg, `${lv.name}_mimage_`);
  if (seg.mirrorLog) {
    layer = `${lv.name}_mimagetmp_${first.slice(`${lv.name}_mimage_`.length)}`;
    const tmp = newSubLv(vg, lv, layer, [seg]);
    vg.lvs.push(tmp);
  }
  const names: string[] = [];
  for (const runs of areas) {
    const img = newSubLv(vg, lv, generateName(vg, `${lv.name}_mimage_`), linearSegments(runs));
    vg.lvs.push(img);
    names.push(img.name);
  }
  if (layer) lv.segments = [mirrorSeg(extents, seg.regionSize, [layer, ...names], null)];
  else seg.areas.push(...names.map((n) => ({ kind: 'lv' as const, lvName: n, le: 0 })));
  return layer;
}

/** Fold the temporary layer back: one flat mirror with the layer's images, the new ones and its log. */
export function collapseLayer(vg: VolumeGroup, lv: LogicalVolume): void {
  const tmp = tmpLayer(vg, lv);
  if (!tmp) return;
  const seg = lv.segments[0]!;
  const inner = tmp.segments[0]!;
  seg.areas = [...inner.areas, ...seg.areas.slice(1)];
  seg.mirrorLog = inner.mirrorLog;
  removeLvs(vg, [tmp.name]);
}

/**
 * The images of a mirror as one list, the temporary layer's first (lv_mirror_count's view while an
 * up-convert is in progress).
 */
export function flatImages(vg: VolumeGroup, lv: LogicalVolume): LogicalVolume[] {
  const tmp = tmpLayer(vg, lv);
  return mirrorImages(vg, lv).flatMap((i) => (i === tmp ? mirrorImages(vg, tmp) : [i]));
}

/**
 * Remove images during an up-convert: the new images go first; when only the layer is left the LV
 * takes the layer's place (segment and log), as LVM2's collapse does; then the rest as usual.
 */
export function removeImagesDeep(vg: VolumeGroup, lv: LogicalVolume, names: string[]): { collapsed: boolean } {
  const tmp = tmpLayer(vg, lv);
  if (!tmp) {
    removeImages(vg, lv, names);
    return { collapsed: false };
  }
  const seg = lv.segments[0]!;
  const outer = names.filter((n) => seg.areas.some((a) => a.kind === 'lv' && a.lvName === n));
  seg.areas = seg.areas.filter((a) => !(a.kind === 'lv' && outer.includes(a.lvName)));
  removeLvs(vg, outer);
  let collapsed = false;
  if (seg.areas.length === 1) {
    lv.segments = tmp.segments;
    removeLvs(vg, [tmp.name]);
    collapsed = true;
  }
  const inner = names.filter((n) => !outer.includes(n));
  if (inner.length) removeImages(vg, collapsed ? lv : tmp, inner);
  return { collapsed };
}

/** Log LVs (the log and its mirror legs). */
export function logTree(vg: VolumeGroup, lv: LogicalVolume): LogicalVolume[] {
  const log = logLvOf(vg, lv);
  if (!log) return [];
  return [log, ...(isMirror(log) ? mirrorImages(vg, log) : [])];
}

/** Replace the log: none (core), or a new disk/mirrored log from `logs`. */
export function setLog(vg: VolumeGroup, lv: LogicalVolume, logs: AllocatedRun[][], alloc: AllocPolicy): void {
  removeLvs(vg, logTree(vg, lv).map((l) => l.name));
  lv.segments[0]!.mirrorLog = addLog(vg, lv, logs, alloc);
}

/**
 * Remove images (given by name). One image left: the LV becomes linear on its extents and the log
 * goes (LVM2 _remove_mirror_images with collapse). Returns the removed LVs.
 */
export function removeImages(vg: VolumeGroup, lv: LogicalVolume, names: string[]): LogicalVolume[] {
  const seg = lv.segments[0]!;
  const removed = names.map((n) => findLv(vg, n)!).filter(Boolean);
  seg.areas = seg.areas.filter((a) => !(a.kind === 'lv' && names.includes(a.lvName)));
  removeLvs(vg, names);
  if (seg.areas.length === 1) {
    const last = findLv(vg, (seg.areas[0] as { lvName: string }).lvName)!;
    const logs = logTree(vg, lv);
    removed.push(...logs);
    removeLvs(vg, [last.name, ...logs.map((l) => l.name)]);
    lv.segments = last.segments;
    lv.flags = lv.flags.filter((f) => f !== 'NOTSYNCED');
  }
  return removed;
}

/**
 * Split the given images (LVM2 _split_mirror_images): the first becomes the visible LV `newName`;
 * with more than one, `newName` is a new core-log mirror over them (renamed newName_mimage_N).
 * The original loses those images (and becomes linear if one is left). Returns the new top LV.
 */
export function splitImages(vg: VolumeGroup, lv: LogicalVolume, names: string[], newName: string): LogicalVolume {
  const seg = lv.segments[0]!;
  const imgs = names.map((n) => findLv(vg, n)!);
  seg.areas = seg.areas.filter((a) => !(a.kind === 'lv' && names.includes(a.lvName)));
  const first = imgs[0]!;
  first.name = newName;
  first.visible = true;
  if (imgs.length > 1) {
    const inner = newSubLv(vg, first, `${newName}_mimage_0`, first.segments);
    vg.lvs.push(inner);
    const rest = imgs.slice(1).map((img, i) => {
      img.name = `${newName}_mimage_${i + 1}`;
      return img.name;
    });
    first.segments = [mirrorSeg(lvExtents(inner), seg.regionSize, [inner.name, ...rest], null)];
  }
  if (seg.areas.length === 1) {
    const last = findLv(vg, (seg.areas[0] as { lvName: string }).lvName)!;
    const logs = logTree(vg, lv);
    removeLvs(vg, [last.name, ...logs.map((l) => l.name)]);
    lv.segments = last.segments;
  }
  return first;
}
