// Where pvcreate puts a PV's metadata areas and its first extent (format-text.c _text_pv_initialise
// and _text_pv_add_metadata_area, metadata.c pv_create): mda0 at 4 KiB, its end rounded up to the
// data alignment and moved on by the alignment offset, which is pe_start; mda1 (--pvmetadatacopies 2)
// at the end of the device, its start rounded down to the alignment.
import { MDA_START, type DiskLocn } from '../device/pv-label.js';
import type { PhysicalVolume } from '../model/types.js';

/** devices/default_data_alignment: 1 MiB. */
const ALIGNMENT = 1024 * 1024;
/** get_default_pvmetadatasize_sectors for a 4 KiB page: 1020 KiB, so that pe_start is 1 MiB. */
export const DEFAULT_PV_METADATA_SIZE = 2040;
/** LABEL_SCAN_SIZE: where mda0 would start if a page did not fit before the limit. */
const LABEL_SCAN_SIZE = 2048;
/** MDA_SIZE_MIN: 8 pages. */
const MDA_SIZE_MIN = 8 * 4096;

export interface PvLayout {
  /** pe_start in sectors. */
  peStart: number;
  mdas: DiskLocn[];
}

/** What pvcreate's options ask for (pvcreate_params' pva): sizes as LVM2 takes them. */
export interface PvLayoutRequest {
  /** --metadatasize in sectors. */
  metadataSize?: number;
  /** --pvmetadatacopies 0-2. */
  copies?: number;
  /** --dataalignment in bytes (0 or absent: devices/default_data_alignment). */
  alignment?: number;
  /** --dataalignmentoffset in bytes. */
  alignmentOffset?: number;
}

/**
 * The layout of a new PV of devSize bytes named `dev`, or LVM2's error lines when the request does
 * not fit (the caller adds `Failed to setup physical volume "dev".`).
 */
export function pvLayout(dev: string, devSize: number, req: PvLayoutRequest = {}): PvLayout | { errors: string[] } {
  const align = req.alignment || ALIGNMENT;
  const offset = req.alignmentOffset ?? 0;
  // pv_create: the given alignment and offset against the device
  if (devSize < (req.alignment ?? 0) + offset) return { errors: [`${dev}: Data alignment must not exceed device size.`] };
  // _text_pv_initialise
  const initFailed = `Format-specific initialisation of physical volume ${dev} failed.`;
  if (align < offset) {
    return { errors: [`${dev}: pe_align (${align / 512} sectors) must not be less than pe_align_offset (${offset / 512} sectors)`, initFailed] };
  }
  if (devSize < align + offset) return { errors: [`${dev}: Data alignment must not exceed device size.`, initFailed] };
  let peStart = align + offset;
  const mdas: DiskLocn[] = [];
  const size = (req.metadataSize ?? DEFAULT_PV_METADATA_SIZE) * 512;
  for (let i = 0; i < (req.copies ?? 1); i++) {
    const area = i === 0 ? mda0Locn(devSize, size, align, offset) : mda1Placed(devSize, size, align, peStart);
    const bad = [`Not enough space available for metadata area with index ${i} on PV ${dev}.`, `Failed to add metadata area for new physical volume ${dev}`];
    if (!area) return { errors: bad };
    if (!area.size) continue;
    if (area.size < MDA_SIZE_MIN) return { errors: [`Metadata area size too small: ${area.size} bytes. It must be at least ${MDA_SIZE_MIN} bytes.`, ...bad] };
    if (i === 0) peStart = area.offset + area.size;
    mdas.push(area);
  }
  return { peStart: peStart / 512, mdas };
}

/** mda0 of a PV whose pe_start is not fixed yet: the device is the limit. */
function mda0Locn(limit: number, requested: number, align: number, offset: number): DiskLocn | null {
  let start = LABEL_SCAN_SIZE;
  if (limit - start >= MDA_SIZE_MIN && start % 4096) start += 4096 - (start % 4096);
  let size = requested;
  const adj = (start + size) % align;
  if (adj && start + size + align - adj <= limit) size += align - adj;
  if (offset && (start + size) % align === 0 && start + size + offset <= limit) size += offset;
  if (start + size > limit) {
    if (limit - start > align * 2) {
      size = limit - start - align * 2;
      const a = (start + size) % align;
      if (a) size += align - a;
      if (start + size > limit) return null;
    } else {
      size = limit - start;
    }
  }
  return { offset: start, size };
}

/** mda1 of a new PV: at the end of the device, not below pe_start, its start aligned down if it fits. */
function mda1Placed(devSize: number, requested: number, align: number, peStart: number): DiskLocn | null {
  if (peStart >= devSize) return null;
  let size = requested > devSize ? devSize - peStart : requested;
  if (devSize - size < peStart) size = devSize - peStart;
  else {
    const adj = (devSize - size) % align;
    if (adj && size + adj < devSize && devSize - size - adj >= peStart) size += adj;
  }
  return { offset: devSize - size, size };
}

/** The second metadata area of a PV stored before its size was recorded: LVM2's default size. */
function mda1Default(devSize: number, size: number): DiskLocn {
  let start = devSize - size;
  const adj = start % ALIGNMENT;
  if (adj) start -= adj;
  return { offset: start, size: devSize - start };
}

/** The metadata areas the PV's label lists (from what pvcreate recorded in the model). */
export function pvMdas(pv: PhysicalVolume): DiskLocn[] {
  const count = pv.mdaCount ?? 1;
  if (!count) return [];
  const size = pv.mdaSize ?? pv.peStart * 512 - MDA_START;
  const mdas = [{ offset: MDA_START, size }];
  if (count > 1) mdas.push(pv.mda1Size ? { offset: pv.devSize - pv.mda1Size, size: pv.mda1Size } : mda1Default(pv.devSize, size));
  return mdas;
}

/**
 * LVM2's metadata_areas_in_use is not empty: a PV among these is present and has an area not
 * marked ignored (vg_write); `orIgnored`: ignored areas count too (vg_split_mdas looks at both lists).
 */
export function hasMetadataAreaInUse(pvs: readonly PhysicalVolume[], orIgnored = false): boolean {
  return pvs.some((pv) => !pv.missing && !pv.absent && pvMdas(pv).some((_a, i) => orIgnored || !mdaIsIgnored(pv, i)));
}

/** Bytes from pe_start that extents may use: up to the second metadata area if there is one. */
export function pvDataBytes(pv: PhysicalVolume): number {
  const end = (pv.mdaCount ?? 1) > 1 ? pvMdas(pv)[1]!.offset : pv.devSize;
  return Math.max(0, end - pv.peStart * 512);
}

/** The model's record of a layout (PhysicalVolume.mdaCount / mdaSize / mda1Size; defaults left out). */
export function mdaFields(layout: PvLayout): Pick<PhysicalVolume, 'mdaCount' | 'mdaSize' | 'mda1Size'> {
  const out: Pick<PhysicalVolume, 'mdaCount' | 'mdaSize' | 'mda1Size'> = {};
  if (layout.mdas.length !== 1) out.mdaCount = layout.mdas.length;
  if (layout.mdas.length && layout.mdas[0]!.size !== layout.peStart * 512 - MDA_START) out.mdaSize = layout.mdas[0]!.size;
  if (layout.mdas[1]) out.mda1Size = layout.mdas[1].size;
  return out;
}

/** The areas LVM2 has for the PV once it has read them (damaged ones dropped), with their index. */
export function pvSoundMdas(pv: PhysicalVolume): { area: DiskLocn; i: number }[] {
  return pvMdas(pv).map((area, i) => ({ area, i })).filter(({ i }) => !((pv.mdaDamaged ?? 0) & (1 << i)));
}

/**
 * The areas of a PV whose device is now devSize bytes (_text_pv_resize): the second area keeps its
 * size and moves to the new end of the device.
 */
export function movedMdas(mdas: readonly DiskLocn[], devSize: number): DiskLocn[] {
  return mdas.map((a, i) => (i === 1 ? { offset: devSize - a.size, size: a.size } : a));
}

/** A PV's size and second area once pvresize has made its device devSize bytes. */
export function pvResized(pv: PhysicalVolume, devSize: number): Pick<PhysicalVolume, 'devSize' | 'mda1Size'> {
  const mda1 = pvMdas(pv)[1];
  return mda1 ? { devSize, mda1Size: mda1.size } : { devSize };
}

/** Whether area i of the PV is marked ignored (RAW_LOCN_IGNORED). */
export function mdaIsIgnored(pv: PhysicalVolume, i: number): boolean {
  return !!((pv.mdaIgnored ?? 0) & (1 << i));
}

/** pv_mda_used_count: the PV's areas not marked ignored. */
export function pvMdaUsedCount(pv: PhysicalVolume): number {
  return pvMdas(pv).filter((_a, i) => !mdaIsIgnored(pv, i)).length;
}
