// Free areas per PV during one allocation (LVM2 lib/metadata/pv_map.c: pv_map, pv_area).
// Each PV's list is kept largest first; ties keep insertion order. Areas are mutable objects so
// that, as in LVM2, a reservation can reorder the list while the allocator walks it.
import type { PhysicalVolume, VolumeGroup } from '../model/types.js';
import { pvFreeRuns, vgUsedRuns, type PvExtentRun } from '../model/pv-map.js';
import type { PvRangeLimit } from './request.js';

export interface PvArea {
  map: PvMap;
  start: number;
  count: number;
  /** Extents not yet reserved by the search in progress. */
  unreserved: number;
}

export interface PvMap {
  pv: PhysicalVolume;
  areas: PvArea[];
}

/** _insert_area: before the first area with a smaller count, else at the end. */
function insertArea(map: PvMap, a: PvArea, reduced: boolean): void {
  const count = reduced ? a.unreserved : a.count;
  const i = map.areas.findIndex((other) => count > other.count);
  if (i < 0) map.areas.push(a);
  else map.areas.splice(i, 0, a);
}

function removeArea(a: PvArea): void {
  const list = a.map.areas;
  list.splice(list.indexOf(a), 1);
}

/** reinsert_changed_pv_area: re-sort an area after its unreserved count dropped. */
export function reinsertChanged(a: PvArea): void {
  removeArea(a);
  insertArea(a.map, a, true);
}

/** consume_pv_area: take `len` extents from the start of an area. */
export function consumeArea(a: PvArea, len: number): void {
  removeArea(a);
  if (len < a.count) {
    a.start += len;
    a.count -= len;
    a.unreserved = a.count;
    insertArea(a.map, a, false);
  }
}

/** _reset_unreserved (walking each list as LVM2 does, while it is being re-sorted). */
export function resetUnreserved(maps: PvMap[]): void {
  for (const m of maps) {
    for (const a of walkAreas(m)) {
      if (a.unreserved !== a.count) {
        a.unreserved = a.count;
        reinsertChanged(a);
      }
    }
  }
}

/** pv_maps_size: free extents left in all maps. */
export function mapsSize(maps: PvMap[]): number {
  return maps.reduce((n, m) => n + m.areas.reduce((k, a) => k + a.count, 0), 0);
}

/**
 * Walk a PV's areas the way dm_list_iterate_items does: the next area is read after the body
 * ran, from the current area's (possibly new) position.
 */
export function* walkAreas(map: PvMap): Generator<PvArea> {
  let a: PvArea | undefined = map.areas[0];
  while (a) {
    yield a;
    const i = map.areas.indexOf(a);
    a = i < 0 ? undefined : map.areas[i + 1];
  }
}

/**
 * create_pv_maps: one map per usable PV (allocatable, not missing), in list order (VG metadata
 * order, or the command line's), with its free runs clipped to the requested PE ranges.
 */
export function buildPvMaps(vg: VolumeGroup, allowed?: PvRangeLimit[], freeRuns?: ReadonlyMap<string, PvExtentRun[]>): PvMap[] {
  const limits: PvRangeLimit[] = allowed ?? vg.pvs.map((pv) => ({ pvUuid: pv.uuid }));
  let used: Map<string, PvExtentRun[]> | undefined;
  const maps: PvMap[] = [];
  for (const limit of limits) {
    const pv = vg.pvs.find((p) => p.uuid === limit.pvUuid);
    if (!pv || !pv.allocatable || pv.missing) continue;
    let map = maps.find((m) => m.pv === pv);
    if (!map) {
      map = { pv, areas: [] };
      maps.push(map);
    }
    const ranges: Array<[number, number]> = limit.ranges ?? [[0, pv.peCount - 1]];
    const free = freeRuns?.get(pv.uuid) ?? pvFreeRuns(vg, pv, (used ??= vgUsedRuns(vg)).get(pv.uuid));
    for (const [from, to] of ranges) addRange(map, free, from, Math.min(to, pv.peCount - 1));
  }
  return maps;
}

/** _create_alloc_areas_for_pv: free runs intersecting [from, to]. */
function addRange(map: PvMap, free: PvExtentRun[], from: number, to: number): void {
  for (const run of free) {
    const start = Math.max(run.start, from);
    const end = Math.min(run.start + run.len - 1, to);
    if (start > end) continue;
    const count = end - start + 1;
    insertArea(map, { map, start, count, unreserved: count }, false);
  }
}
