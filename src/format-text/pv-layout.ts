// Where pvcreate puts a PV's metadata areas and its first extent (format-text.c
// _text_pv_add_metadata_area with LVM2's defaults): mda0 at 4 KiB, its end rounded up to the 1 MiB
// data alignment, which is pe_start; mda1 (--pvmetadatacopies 2) at the end of the device.
import { MDA_START, type DiskLocn } from '../device/pv-label.js';
import type { PhysicalVolume } from '../model/types.js';

/** devices/default_data_alignment: 1 MiB. */
const ALIGNMENT = 1024 * 1024;
/** metadata/pvmetadatasize default: 255 sectors (rounded up by the alignment to ~1 MiB). */
export const DEFAULT_PV_METADATA_SIZE = 255;

export interface PvLayout {
  /** pe_start in sectors. */
  peStart: number;
  mdas: DiskLocn[];
}

/**
 * The layout of a new PV: metadataSize in sectors (--metadatasize), copies 0-2 (--pvmetadatacopies),
 * the data alignment in bytes (--dataalignment: pe_start, the end of mda0, is rounded up to it).
 */
export function pvLayout(devSize: number, metadataSize = DEFAULT_PV_METADATA_SIZE, copies = 1, alignment = ALIGNMENT): PvLayout {
  if (!copies) return { peStart: alignment / 512, mdas: [] };
  let size = metadataSize * 512;
  const adj = (MDA_START + size) % alignment;
  if (adj && MDA_START + size + alignment - adj <= devSize) size += alignment - adj;
  const mdas = [{ offset: MDA_START, size }];
  if (copies > 1) mdas.push(mda1Locn(devSize, size));
  return { peStart: (MDA_START + size) / 512, mdas };
}

/** The second metadata area: `size` bytes before the end, its start aligned down where possible. */
export function mda1Locn(devSize: number, size: number): DiskLocn {
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
  if (count > 1) mdas.push(mda1Locn(pv.devSize, size));
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

/** The model's record of a layout (PhysicalVolume.mdaCount / mdaSize; defaults left out). */
export function mdaFields(layout: PvLayout): Pick<PhysicalVolume, 'mdaCount' | 'mdaSize'> {
  const out: Pick<PhysicalVolume, 'mdaCount' | 'mdaSize'> = {};
  if (layout.mdas.length !== 1) out.mdaCount = layout.mdas.length;
  if (layout.mdas.length && layout.mdas[0]!.size !== layout.peStart * 512 - MDA_START) out.mdaSize = layout.mdas[0]!.size;
  return out;
}

/** The areas LVM2 has for the PV once it has read them (damaged ones dropped), with their index. */
export function pvSoundMdas(pv: PhysicalVolume): { area: DiskLocn; i: number }[] {
  return pvMdas(pv).map((area, i) => ({ area, i })).filter(({ i }) => !((pv.mdaDamaged ?? 0) & (1 << i)));
}

/** Whether area i of the PV is marked ignored (RAW_LOCN_IGNORED). */
export function mdaIsIgnored(pv: PhysicalVolume, i: number): boolean {
  return !!((pv.mdaIgnored ?? 0) & (1 << i));
}

/** pv_mda_used_count: the PV's areas not marked ignored. */
export function pvMdaUsedCount(pv: PhysicalVolume): number {
  return pvMdas(pv).filter((_a, i) => !mdaIsIgnored(pv, i)).length;
}
