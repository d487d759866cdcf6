// What lvextend does differently for a raid1 LV (LVM2 lv_manip.c lv_extend): the region size is
// doubled until the LV has at most 2^21 regions (raid_ensure_min_region_size: the md bitmap's
// limit; LVM2 says so only with -vv), and the rmeta sub-LVs keep their size (an existing LV gets no
// metadata areas allocated). tsvm keeps the write-intent bitmap and the checksum table in that
// fixed space: the bitmap must still fit (else the extension is refused before anything changes),
// and the table is re-laid for the new size (src/checksum/relayout.ts).
import { CommandFailed } from '../cli/errors.js';
import type { BlockDevice } from '../device/block-device.js';
import { DeviceIoError } from '../device/block-device.js';
import type { LogicalVolume, VolumeGroup } from '../model/types.js';
import { SECTOR } from '../model/types.js';
import { displaySize } from '../model/units.js';
import { relayoutChecksums, type RelayoutResult } from '../checksum/relayout.js';
import { checksumAreas } from '../mirror/checksums.js';
import { bitmapSectors, LOG_OFFSET_SECTORS } from '../mirror/log-format.js';
import { LinearDevice, type MirrorIoEnv } from '../mirror/lv-device.js';
import { mirrorImages } from '../mirror/layout.js';
import { rmetaLogBytes } from './rmeta-format.js';
import { rmetaBytes, rmetaLvs } from './rmeta-log.js';

/** The md bitmap tracks at most 2^21 regions (LVM2 raid_ensure_min_region_size). */
const MAX_BITMAP_REGIONS = 2 ** 21;

/** raid_ensure_min_region_size: `regionSize` (sectors) doubled until `raidSectors` has at most 2^21 regions. */
export function raidMinRegionSize(raidSectors: number, regionSize: number): number {
  const min = Math.floor(raidSectors / MAX_BITMAP_REGIONS);
  let r = regionSize;
  while (r < min) r *= 2;
  return r;
}

/**
 * The sync bitmap of `nrRegions` must fit the rmeta's bitmap window (tsvm's layout; LVM2 sizes the
 * rmeta for the bitmap when the LV is made and never grows it). Refused with tsvm's words otherwise.
 */
export function checkBitmapFits(vg: VolumeGroup, lv: LogicalVolume, nrRegions: number): void {
  const meta = rmetaLvs(vg, lv)[0];
  if (!meta) return;
  const window = rmetaLogBytes(rmetaBytes(vg, meta));
  const need = (LOG_OFFSET_SECTORS + bitmapSectors(nrRegions)) * SECTOR;
  if (need <= window) return;
  const full = `${vg.name}/${lv.name}`;
  throw new CommandFailed(
    `Metadata LV ${vg.name}/${meta.name} of ${displaySize(rmetaBytes(vg, meta) / SECTOR)} is too small for the write-intent bitmap `
      + `of the ${nrRegions} regions of ${full} (${displaySize(need / SECTOR)} needed); raid metadata LVs are not extended.`,
    `Use a larger region size for ${full}, or a VG with larger extents.`,
  );
}

/**
 * Re-lay raid1 `lv`'s checksum table for its new region size and count (the VG object already has
 * them; the caller holds the LV lock and commits afterwards).
 */
export function relayoutRaidChecksums(
  env: MirrorIoEnv, vg: VolumeGroup, lv: LogicalVolume, old: { regionSize: number; bytes: number; sync: Uint8Array | null }, newNrRegions: number,
  progress?: (done: number, total: number) => void,
): RelayoutResult {
  const copies = checksumAreas(env, vg, lv, true);
  const images: Array<BlockDevice | null> = mirrorImages(vg, lv).map((img) => {
    try {
      return new LinearDevice(env, vg, img, false);
    } catch (e) {
      if (!(e instanceof DeviceIoError)) throw e;
      return null;
    }
  });
  try {
    if (!copies.length) return { outcome: 'none', recomputed: 0, unrepairable: 0 };
    const sync = old.sync;
    return relayoutChecksums({
      copies, owner: lv.uuid, regionSize: old.regionSize, newRegionSize: lv.segments[0]!.regionSize, newNrRegions,
      oldBytes: old.bytes, images, progress,
      clean: (r) => !!sync && ((sync[r >> 3]! >> (r & 7)) & 1) === 1,
    });
  } finally {
    for (const c of copies) c.close();
    for (const i of images) i?.close();
  }
}
