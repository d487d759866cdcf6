// The in-memory model of LVM2 metadata (lib/metadata/metadata-exported.h: struct physical_volume,
// volume_group, logical_volume, lv_segment). Pure data: no I/O. Sizes in the metadata are kept in
// LVM2's own units: sectors (512 B) for extent size, pe_start and region size; extents for lengths.

export type AllocPolicy = 'contiguous' | 'cling' | 'cling_by_tags' | 'normal' | 'anywhere' | 'inherit';

export const SECTOR = 512;

export interface PhysicalVolume {
  uuid: string;
  /** What LVM2 prints: "/dev/NAME" under TSVM_DEV_DIR, else the absolute path of the image. */
  name: string;
  /** The image file (or block device) that backs it. */
  path: string;
  /** Size of the device in bytes when last scanned (pvcreate, pvresize). */
  devSize: number;
  /** First data sector (LVM2 default 2048 = 1 MiB). */
  peStart: number;
  /** Extents in the VG; 0 while the PV is an orphan. */
  peCount: number;
  allocatable: boolean;
  /** MISSING_PV: the image could not be opened when the VG was last read or written. */
  missing: boolean;
  /**
   * Set by a command's device scan (cli/pv-tools.ts markMissingPvs), never stored: no device carries
   * the PV's label now. A PV flagged missing whose device came back is `missing` but not `absent`:
   * LVM2 then shows it by its device name.
   */
  absent?: boolean;
  tags: string[];
  vgName: string | null;
  /** Metadata areas on the PV (pvcreate --pvmetadatacopies: 0, 1 or 2); absent means 1. */
  mdaCount?: number;
  /** Bytes of its first metadata area, header included (absent: from 4 KiB to pe_start). */
  mdaSize?: number;
  /**
   * Bytes of its second metadata area, which ends at the end of the device (absent: LVM2's
   * default, the first area's size with its start aligned down to 1 MiB).
   */
  mda1Size?: number;
  /**
   * Metadata areas marked ignored (pvchange --metadataignore, vgchange --metadatacopies): bit i
   * for area i; written as RAW_LOCN_IGNORED in the area's header. Absent means none.
   */
  mdaIgnored?: number;
  /**
   * Set by the label scan, never stored: a device carrying a copy of this PV's label that LVM2
   * does not use (lvmcache's unused duplicate), reported with attr `d`.
   */
  duplicate?: boolean;
  /**
   * Set by the label scan, never stored: an orphan whose label says it is used by a VG that no
   * metadata found names (PV_EXT_USED): VG `[unknown]`, attr `u`.
   */
  usedUnknown?: boolean;
  /**
   * Set by a reading command's scan, never stored: areas (bit i for area i) whose header or text
   * is damaged. LVM2 drops them from the PV's areas, so the mda counts and sizes leave them out.
   */
  mdaDamaged?: number;
}

export interface VolumeGroup {
  uuid: string;
  name: string;
  /** Extent size in sectors (LVM2 default 8192 = 4 MiB). */
  extentSize: number;
  seqno: number;
  alloc: Exclude<AllocPolicy, 'inherit'>;
  maxLv: number;
  maxPv: number;
  resizeable: boolean;
  exported: boolean;
  tags: string[];
  systemId: string;
  creationTime: number;
  creationHost: string;
  /** metadata_copies (vgchange --metadatacopies): 0 = unmanaged. */
  mdaCopies?: number;
  /** Bytes of the metadata text (with its NUL) written to the PVs at this seqno; 0 before any. */
  mdaTextSize?: number;
  /** CRC of that text (the raw_locn checksum): an area holding another text was written by someone else. */
  mdaTextCrc?: number;
  /** PVs in metadata order (vgcreate/vgextend order): the allocator walks them in this order. */
  pvs: PhysicalVolume[];
  /** LVs in metadata order. */
  lvs: LogicalVolume[];
}

/**
 * LVM2 status flags tsvm stores: PVMOVE marks pvmove's temporary mirror, LOCKED the LVs it moves,
 * WRITEMOSTLY a raid1 image that reads avoid (lvchange --writemostly).
 */
export type LvStatusFlag = 'NOTSYNCED' | 'ACTIVATION_SKIP' | 'LOCKED' | 'REBUILD' | 'PVMOVE' | 'WRITEMOSTLY';

export interface LogicalVolume {
  /**
   * tsvm's key for the LV: unique across every VG of the database (its rows, and the runtime
   * state under TSVM_SYSTEM_DIR: locks, region files, daemons). Also its LVM2 UUID unless
   * `shownUuid` says another.
   */
  uuid: string;
  name: string;
  visible: boolean;
  /** Permission: LVM2 status WRITE. */
  writable: boolean;
  alloc: AllocPolicy;
  /** Activation state (tsvm keeps it in metadata; LVM2 asks device-mapper). */
  active: boolean;
  creationTime: number;
  creationHost: string;
  tags: string[];
  readAhead: 'auto' | number;
  flags: LvStatusFlag[];
  segments: LvSegment[];
  /**
   * The LV's UUID as LVM2 has it (lv_uuid, the metadata text's `id`) when it is not `uuid`. LVM2
   * ids an LV by its VG's id and its own (lvid), so a VG copied by vgimportclone beside its
   * original keeps its LVs' ids; tsvm gives such an LV a key of its own (model/lv-id.ts).
   * Absent on every other LV (kept last in the object: the stored JSON of other LVs is unchanged).
   */
  shownUuid?: string;
}

/** 'error': LVM2's virtual error segment (no areas; every I/O fails), what vgreduce --removemissing puts in place of a lost raid image. */
export type SegmentType = 'striped' | 'mirror' | 'raid1' | 'error';

/** An area of a segment: a run of extents on a PV, or of logical extents of a sub-LV. */
export type SegmentArea =
  | { kind: 'pv'; pvUuid: string; pe: number }
  | { kind: 'lv'; lvName: string; le: number };

export interface LvSegment {
  startLe: number;
  /** Logical extents covered by this segment (for striped: areaLen * stripes). */
  extentCount: number;
  type: SegmentType;
  /** Stripe size in sectors (striped with >1 area); 0 otherwise. */
  stripeSize: number;
  /** Region size in sectors (mirror only). */
  regionSize: number;
  /** Name of the log LV (mirror with disk or mirrored log), null for a core log. */
  mirrorLog: string | null;
  areas: SegmentArea[];
  /**
   * Set only on the mirror segments of a pvmove LV (LVM2 seg->status PVMOVE, metadata field
   * `extents_moved`): extents of the segment already copied to the destination, as last committed.
   */
  extentsMoved?: number;
  /**
   * raid1 only: the metadata sub-LVs (`LV_rmeta_N`), metaAreas[k] paired with areas[k] (LVM2
   * seg->meta_areas). Each holds image k's superblock and the write-intent bitmap (src/raid/).
   */
  metaAreas?: string[];
  /** raid1: writebehind (lvchange --writebehind), outstanding writes allowed to writemostly images. */
  writebehind?: number;
  /** raid1: min_recovery_rate / max_recovery_rate in kiB/sec/disk (0 or absent: none). */
  minRecoveryRate?: number;
  maxRecoveryRate?: number;
}

/** Extents each area of a segment spans. */
export function areaLen(seg: LvSegment): number {
  return seg.type === 'striped' ? seg.extentCount / seg.areas.length : seg.extentCount;
}

export function lvExtents(lv: LogicalVolume): number {
  return lv.segments.reduce((n, s) => n + s.extentCount, 0);
}
