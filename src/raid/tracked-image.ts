// The image of a raid1 LV split off with --trackchanges, opened for writing as an LV of its own:
// a LinearDevice that marks, durably, the regions it is about to write in the image side's
// tracking bitmap (track.ts), so that --mergemirrors knows what to recopy. tsvm's addition: LVM2
// makes the tracked image read-only.
import type { LogicalVolume, VolumeGroup } from '../model/types.js';
import { SECTOR } from '../model/types.js';
import { LinearDevice, type MirrorIoEnv } from '../mirror/lv-device.js';
import { mirrorRegions } from '../mirror/log-init.js';
import { openTracker, RegionTracker } from './track.js';

export class TrackedImageDevice extends LinearDevice {
  private readonly tracker: RegionTracker | null;

  constructor(env: MirrorIoEnv, vg: VolumeGroup, img: LogicalVolume, raid: LogicalVolume) {
    super(env, vg, img, true);
    const log = openTracker(env.systemDir, img.uuid, 'img', mirrorRegions(vg, raid));
    this.tracker = log ? new RegionTracker(log, raid.segments[0]!.regionSize * SECTOR) : null;
  }

  override writeAt(buf: Uint8Array, offset: number): void {
    this.tracker?.beforeWrite(offset, buf.length);
    super.writeAt(buf, offset);
  }

  override close(): void {
    try {
      super.close();
    } finally {
      this.tracker?.close();
    }
  }
}
