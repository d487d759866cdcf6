// Pure metadata transformations of raid1 LVs, as LVM2 lays them out (lib/metadata/lv_manip.c
// _lv_insert_empty_sublvs, raid_manip.c): names LV_rimage_N / LV_rmeta_N, rmeta allocated in front
// of its image on the same PV (alloc_and_split_meta), conversions from and to linear and mirror.
// No I/O.
import type { AllocatedRun } from '../alloc/index.js';
import type { LogicalVolume, LvSegment, VolumeGroup } from '../model/types.js';
import { lvExtents } from '../model/types.js';
import { findLv } from '../model/vg-query.js';
import { linearSegments, newSubLv } from '../mirror/layout.js';

export { DEFAULT_RAID1_MAX_IMAGES } from '../model/defaults.js';

/** Split one allocated area: its first `metaLen` extents become the rmeta, the rest the rimage. */
export function splitMeta(runs: AllocatedRun[], metaLen: number): { meta: AllocatedRun[]; data: AllocatedRun[] } {
  const meta: AllocatedRun[] = [];
  const data: AllocatedRun[] = [];
  let need = metaLen;
  for (const r of runs) {
    if (need >= r.len) {
      meta.push({ ...r });
      need -= r.len;
    } else if (need > 0) {
      meta.push({ pvUuid: r.pvUuid, pe: r.pe, len: need });
      data.push({ pvUuid: r.pvUuid, pe: r.pe + need, len: r.len - need });
      need = 0;
    } else {
      data.push({ ...r });
    }
  }
  return { meta, data };
}

export function raid1Seg(extents: number, regionSize: number, images: string[], metas: string[]): LvSegment {
  return {
    startLe: 0, extentCount: extents, type: 'raid1', stripeSize: 0, regionSize, mirrorLog: null,
    areas: images.map((n) => ({ kind: 'lv' as const, lvName: n, le: 0 })), metaAreas: metas,
  };
}

/** Image and metadata sub-LVs of a raid1 LV, in area order. */
export function raidImages(vg: VolumeGroup, lv: LogicalVolume): LogicalVolume[] {
  return lv.segments[0]!.areas.map((a) => findLv(vg, (a as { lvName: string }).lvName)!).filter(Boolean);
}

export function raidMetas(vg: VolumeGroup, lv: LogicalVolume): LogicalVolume[] {
  return (lv.segments[0]!.metaAreas ?? []).map((n) => findLv(vg, n)!).filter(Boolean);
}

/** Lowest free index N such that neither LV_rimage_N nor LV_rmeta_N exists. */
function freeIndex(vg: VolumeGroup, lv: LogicalVolume, taken: Set<number>): number {
  for (let k = 0; ; k++) {
    if (taken.has(k)) continue;
    if (!findLv(vg, `${lv.name}_rimage_${k}`) && !findLv(vg, `${lv.name}_rmeta_${k}`)) return k;
  }
}

/**
 * Add images (each `areas[i]` allocated as rmeta + rimage) to the LV's sub-LV lists, with the
 * names and order LVM2 gives them (rimage_N then rmeta_N). Returns the new image names.
 */
function addPairs(vg: VolumeGroup, lv: LogicalVolume, areas: AllocatedRun[][], metaLen: number, images: string[], metas: string[]): string[] {
  const added: string[] = [];
  const taken = new Set<number>();
  for (const runs of areas) {
    const { meta, data } = splitMeta(runs, metaLen);
    const k = freeIndex(vg, lv, taken);
    taken.add(k);
    const img = newSubLv(vg, lv, `${lv.name}_rimage_${k}`, linearSegments(data), lv.alloc);
    const m = newSubLv(vg, lv, `${lv.name}_rmeta_${k}`, linearSegments(meta), lv.alloc);
    vg.lvs.push(img, m);
    images.push(img.name);
    metas.push(m.name);
    added.push(img.name);
  }
  return added;
}

/** lvcreate --type raid1: every image and its rmeta from one allocation (area i = rmeta_i + rimage_i). */
export function newRaid1Lv(vg: VolumeGroup, top: LogicalVolume, areas: AllocatedRun[][], metaLen: number, regionSize: number, extents: number): void {
  const images: string[] = [];
  const metas: string[] = [];
  addPairs(vg, top, areas, metaLen, images, metas);
  top.segments = [raid1Seg(extents, regionSize, images, metas)];
}

/**
 * Linear -> raid1 (LVM2 _takeover_from_linear_to_raid1 + _raid_add_images): the LV's extents become
 * rimage_0, rmeta_0 is `meta0` (allocated on the LV's own PV), the new images come from `areas`.
 */
export function linearToRaid1(vg: VolumeGroup, lv: LogicalVolume, meta0: AllocatedRun[], areas: AllocatedRun[][], metaLen: number, regionSize: number): string[] {
  const extents = lvExtents(lv);
  const img0 = newSubLv(vg, lv, `${lv.name}_rimage_0`, lv.segments, lv.alloc);
  const m0 = newSubLv(vg, lv, `${lv.name}_rmeta_0`, linearSegments(meta0), lv.alloc);
  vg.lvs.push(img0, m0);
  const images = [img0.name];
  const metas = [m0.name];
  const added = addPairs(vg, lv, areas, metaLen, images, metas);
  lv.segments = [raid1Seg(extents, regionSize, images, metas)];
  return added;
}

/** Add images to a raid1 LV (lvconvert -m +N). Returns the new image names. */
export function addRaidImages(vg: VolumeGroup, lv: LogicalVolume, areas: AllocatedRun[][], metaLen: number): string[] {
  const seg = lv.segments[0]!;
  const images = seg.areas.map((a) => (a as { lvName: string }).lvName);
  const metas = [...(seg.metaAreas ?? [])];
  const added = addPairs(vg, lv, areas, metaLen, images, metas);
  seg.areas = images.map((n) => ({ kind: 'lv' as const, lvName: n, le: 0 }));
  seg.metaAreas = metas;
  return added;
}

function dropLvs(vg: VolumeGroup, names: string[]): void {
  vg.lvs = vg.lvs.filter((l) => !names.includes(l.name));
}

/**
 * Remove images (by image name) with their rmetas; the others are renamed to close the gaps, as
 * LVM2's _shift_and_rename_image_components does. One image left: the LV becomes linear on it.
 * Returns the removed LVs.
 */
export function removeRaidImages(vg: VolumeGroup, lv: LogicalVolume, names: string[]): LogicalVolume[] {
  const seg = lv.segments[0]!;
  const removed: LogicalVolume[] = [];
  const keepIdx: number[] = [];
  seg.areas.forEach((a, k) => {
    const n = (a as { lvName: string }).lvName;
    if (names.includes(n)) {
      removed.push(findLv(vg, n)!, findLv(vg, seg.metaAreas![k]!)!);
    } else keepIdx.push(k);
  });
  dropLvs(vg, removed.map((l) => l.name));
  const images = keepIdx.map((k) => findLv(vg, (seg.areas[k] as { lvName: string }).lvName)!);
  const metas = keepIdx.map((k) => findLv(vg, seg.metaAreas![k]!)!);
  if (images.length === 1) {
    dropLvs(vg, [images[0]!.name, metas[0]!.name]);
    removed.push(metas[0]!);
    lv.segments = images[0]!.segments;
    lv.flags = lv.flags.filter((f) => f !== 'NOTSYNCED');
    return removed;
  }
  images.forEach((img, i) => (img.name = `${lv.name}_rimage_${i}`));
  metas.forEach((m, i) => (m.name = `${lv.name}_rmeta_${i}`));
  seg.areas = images.map((img) => ({ kind: 'lv' as const, lvName: img.name, le: 0 }));
  seg.metaAreas = metas.map((m) => m.name);
  return removed;
}
