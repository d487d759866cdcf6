// How far pvmove's mirror is (LVM2 lib/metadata/lv_manip.c copy_percent with the running segment's
// extents_copied from dm-mirror status, lib/mirror/mirrored.c _mirrored_target_percent): segments
// whose move was committed count whole, the first one not yet committed counts the extents its
// in-sync regions cover (rounded down, as the kernel status gives them), later ones nothing.
import { DevicePool } from '../device/device-pool.js';
import type { LogicalVolume, LvSegment, VolumeGroup } from '../model/types.js';
import { SECTOR } from '../model/types.js';
import { getBit } from './log-format.js';
import { liveDirtyRegions } from './live-dirty.js';
import { MirrorDevice } from './mirror-device.js';

/** The regions of the mirror's log covering segment `seg` (inclusive). */
export function segmentRegions(vg: VolumeGroup, seg: LvSegment, regionBytes: number): [number, number] {
  const eb = vg.extentSize * SECTOR;
  const r0 = Math.floor((seg.startLe * eb) / regionBytes);
  const r1 = Math.ceil(((seg.startLe + seg.extentCount) * eb) / regionBytes) - 1;
  return [r0, r1];
}

/** The segment being moved now: the first one whose move is not committed. */
export function runningSegment(lv: LogicalVolume): LvSegment | undefined {
  return lv.segments.find((s) => (s.extentsMoved ?? 0) < s.extentCount);
}

/** Regions r0..r1 in sync, counting those live writers hold marked only as their intent to write. */
export function regionsInSync(sync: Uint8Array, live: ReadonlySet<number>, r0: number, r1: number): number {
  let n = 0;
  for (let r = r0; r <= r1; r++) if (getBit(sync, r) || live.has(r)) n++;
  return n;
}

/** copy_percent() of a pvmove LV given its log's sync bitmap. */
export function pvmovePercentOf(vg: VolumeGroup, lv: LogicalVolume, sync: Uint8Array, live: ReadonlySet<number>, regionBytes: number): number {
  const running = runningSegment(lv);
  let num = 0;
  let den = 0;
  for (const seg of lv.segments) {
    den += seg.extentCount;
    if ((seg.extentsMoved ?? 0) >= seg.extentCount) num += seg.extentCount;
    else if (seg === running) {
      const [r0, r1] = segmentRegions(vg, seg, regionBytes);
      num += Math.floor((seg.extentCount * regionsInSync(sync, live, r0, r1)) / (r1 - r0 + 1));
    } else num += seg.extentsMoved ?? 0;
  }
  return den ? (100 * num) / den : 100;
}

/** The pvmove LV's progress now, or undefined when its log cannot be read. */
export function pvmovePercent(systemDir: string, vg: VolumeGroup, lv: LogicalVolume): number | undefined {
  const pool = new DevicePool(systemDir);
  let dev: MirrorDevice | undefined;
  try {
    dev = new MirrorDevice({ devices: pool, systemDir }, vg, lv, { writable: false });
    if (!dev.log) return runningSegment(lv) ? 0 : 100;
    return pvmovePercentOf(vg, lv, dev.log.readAll('sync'), liveDirtyRegions(systemDir, lv.uuid), dev.regionBytes);
  } catch {
    return undefined;
  } finally {
    dev?.close();
    pool.closeAll();
  }
}

/** LVM2's display_percent(): two decimals, 100.00 only when complete and 0.00 only when nothing is. */
export function displayPercent(p: number): string {
  let s = p.toFixed(2);
  if (s === '100.00' && p < 100) s = '99.99';
  if (s === '0.00' && p > 0) s = '0.01';
  return s;
}
