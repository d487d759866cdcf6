// Zeroing the start of a new LV (LVM2 lib/metadata/lv_manip.c wipe_lv: the first 4 KiB), on the
// PV image files its first extent maps to.
import { FileDevice } from '../device/file-device.js';
import type { LogicalVolume, VolumeGroup } from '../model/types.js';
import { lvByteRuns } from '../lv-io/extent-map.js';
import { isMirror, findLv } from '../model/vg-query.js';

export const WIPE_BYTES = 4096;

/** Write zeros over the first 4 KiB of `lv` (every image of a mirror). */
export function zeroLvStart(vg: VolumeGroup, lv: LogicalVolume): void {
  const targets: LogicalVolume[] = [];
  if (isMirror(lv)) {
    for (const a of lv.segments[0]!.areas) {
      const img = a.kind === 'lv' ? findLv(vg, a.lvName) : undefined;
      if (img) targets.push(img);
    }
  } else {
    targets.push(lv);
  }
  const extentBytes = vg.extentSize * 512;
  for (const t of targets) {
    const total = t.segments.reduce((n, s) => n + s.extentCount, 0) * extentBytes;
    for (const run of lvByteRuns(vg, t, 0, Math.min(WIPE_BYTES, total))) {
      const dev = new FileDevice(run.pv.path, true);
      try {
        dev.writeAt(new Uint8Array(run.length), run.byteOffset);
        dev.flush();
      } finally {
        dev.close();
      }
    }
  }
}
