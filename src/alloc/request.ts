// The allocator's request and result shapes (the public contract of src/alloc).
// Mirrors the arguments of LVM2's allocate_extents()/_alloc_init() in lib/metadata/lv_manip.c.
import type { AllocPolicy, LvSegment, VolumeGroup } from '../model/types.js';
import type { PvExtentRun } from '../model/pv-map.js';

/** A PV from the command line, optionally limited to inclusive PE ranges ("/dev/x:0-9"). */
export interface PvRangeLimit {
  pvUuid: string;
  ranges?: Array<[number, number]>;
}

/**
 * PVs used by an existing LV over one range of its LEs (LVM2 struct seg_pvs, built by
 * build_parallel_areas_from_lv): new areas at those LEs must avoid them.
 */
export interface ParallelArea {
  le: number;
  len: number;
  pvUuids: string[];
}

export interface AllocRequest {
  /** Current metadata (free space is derived from its LVs). */
  vg: VolumeGroup;
  /** The LV's policy ('inherit' => vg.alloc). */
  policy: AllocPolicy;
  /** Parallel areas: stripes for striped, NEW mirror images for mirrors (each needs `extents`). */
  areaCount: number;
  /** Extents each parallel area needs. */
  extents: number;
  /** Mirror log areas to allocate (0, 1, or 2 for a mirrored log). */
  logCount: number;
  /** Extents per log area. */
  logLen: number;
  /** PV list from the command line; undefined = all allocatable PVs of the VG. */
  allowedPvs?: PvRangeLimit[];
  /**
   * pvFreeRuns of each PV of this very VG when the caller has them (lvcreate: the read cache's
   * index of the version read, store/used-space.ts): no walk over every LV's areas then.
   */
  freeRuns?: ReadonlyMap<string, PvExtentRun[]>;
  /** PVs that must not be used for new areas, over the whole LE range (coarse form of parallelAreas). */
  avoidPvUuids?: string[];
  /**
   * Per-LE-range PVs to avoid (LVM2's parallel areas; see buildParallelAreas). When given it is
   * used instead of avoidPvUuids; it makes new mirror images follow the segment boundaries of the
   * existing image, as LVM2 does.
   */
  parallelAreas?: ParallelArea[];
  /** For an extension: the LV's existing segments (areas may name sub-LVs of req.vg). */
  previous?: LvSegment[];
  /** For extending mirror images: the segments of each image, index = area. */
  previousPerArea?: LvSegment[][];
  /** For messages ('' for lvconvert's mirror allocation, as LVM2 prints it). */
  lvName: string;
  /** Default true: an area may be built from several runs. */
  canSplit?: boolean;
  /** allocation/mirror_logs_require_separate_pvs, default false. */
  mirrorLogsRequireSeparatePvs?: boolean;
  /** allocation/maximise_cling, default true. */
  maximiseCling?: boolean;
}

export interface AllocatedRun {
  pvUuid: string;
  pe: number;
  len: number;
}

/** areas[i] = runs for parallel area i in LE order; logs[i] likewise for log area i. */
export interface AllocResult {
  areas: AllocatedRun[][];
  logs: AllocatedRun[][];
}
