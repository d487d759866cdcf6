// The initial "written" bitmap of a mirror made from an LV whose write history the log does not
// know (linear -> mirror): a region counts as written when any image's extents under it were
// ever written on their PV images (src/device/written-map.ts). A region that was never written
// on any leg reads as zeros everywhere, so the initial sync has nothing to copy there; LVM2
// copies such regions anyway, producing the same bytes.
import type { DevicePool } from '../device/device-pool.js';
import { lvByteRuns } from '../lv-io/extent-map.js';
import type { LogicalVolume, VolumeGroup } from '../model/types.js';
import { SECTOR } from '../model/types.js';
import { setBit } from './log-format.js';
import { mirrorImages } from './layout.js';
import { mirrorRegions } from './log-init.js';
import { hasPvLegs, mirrorLegLvs } from './pv-legs.js';

export function writtenFromImages(devices: DevicePool, vg: VolumeGroup, lv: LogicalVolume): Uint8Array {
  return writtenFromLegs(devices, vg, hasPvLegs(lv) ? mirrorLegLvs(vg, lv) : mirrorImages(vg, lv), mirrorRegions(vg, lv), lv.segments[0]!.regionSize * SECTOR);
}

/** The same for any set of linear legs (pvmove's leg views included). */
export function writtenFromLegs(devices: DevicePool, vg: VolumeGroup, legs: LogicalVolume[], nr: number, regionBytes: number): Uint8Array {
  const bits = new Uint8Array(Math.ceil(nr / 8));
  for (let r = 0; r < nr; r++) {
    let written = false;
    for (const img of legs) {
      const size = img.segments.reduce((n, s) => n + s.extentCount, 0) * vg.extentSize * SECTOR;
      const len = Math.min(regionBytes, size - r * regionBytes);
      if (len <= 0) continue;
      for (const run of lvByteRuns(vg, img, r * regionBytes, len)) {
        if (devices.everWritten(run.pv, run.byteOffset, run.length)) written = true;
      }
      if (written) break;
    }
    if (written) setBit(bits, r, true);
  }
  return bits;
}
