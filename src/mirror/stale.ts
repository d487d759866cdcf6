// When every original image of a mirror is lost before its new images were copied (state.ts
// loadNewLegs), the regions the copy had not reached hold stale bytes on the images left. While the
// mirror keeps its not-yet-copied record, mirror-device.ts refuses them; a command that ends that
// record (vgreduce --removemissing --force making the LV linear on a new image, lvchange --resync
// copying everything again from a new image) first hands them to the LV's lost-region record
// (src/lv-io/lost-regions.ts), which keeps refusing them whatever the LV becomes. LVM2 has no such
// record: its kernel would serve the stale bytes.
import { addLost } from '../lv-io/lost-regions.js';
import type { LogicalVolume, VolumeGroup } from '../model/types.js';
import { topLv } from '../model/vg-query.js';
import { getBit } from './log-format.js';
import type { MirrorIoEnv } from './lv-device.js';
import { MirrorDevice } from './mirror-device.js';
import { clearNewLegs } from './state.js';

/** A leg that can serve nothing: failed, or a mirror layer whose own images all failed. */
function dead(leg: MirrorDevice['legs'][number]): boolean {
  return !!leg.failed || (leg.dev instanceof MirrorDevice && !leg.dev.legs.some((l) => !dead(l)));
}

/**
 * The regions of mirror `lv` no surviving image holds valid data for: null when an original image
 * survives (or nothing was being copied); else the written regions its log has out of sync.
 */
export function staleRegions(env: MirrorIoEnv, vg: VolumeGroup, lv: LogicalVolume): { regionBytes: number; regions: number[] } | null {
  const dev = new MirrorDevice(env, vg, lv, { writable: false });
  try {
    if (!dev.newLegs.size) return null;
    const live = dev.legs.filter((l) => !dead(l));
    if (!live.length || live.some((l) => !dev.newLegs.has(l.lv.name))) return null;
    const regions: number[] = [];
    const sync = dev.log?.readAll('sync');
    const written = dev.log?.readAll('written');
    for (let r = 0; r < dev.nrRegions; r++) {
      if (!sync || !written || (!getBit(sync, r) && getBit(written, r))) regions.push(r);
    }
    return { regionBytes: dev.regionBytes, regions };
  } finally {
    dev.close();
  }
}

/**
 * Move the stale regions of mirror `lv` (if its originals are lost) to the lost-region record of
 * its top-level LV and drop its not-yet-copied record. Returns how many regions were recorded.
 */
export function retireNewLegs(env: MirrorIoEnv, vg: VolumeGroup, lv: LogicalVolume): number {
  const stale = staleRegions(env, vg, lv);
  if (!stale) return 0;
  addLost(env.systemDir, topLv(vg, lv).uuid, stale.regionBytes, stale.regions);
  clearNewLegs(env.systemDir, lv.uuid);
  return stale.regions.length;
}

/** What a command that retired not-yet-copied images tells the user (no LVM2 counterpart). */
export function lostWarning(vg: VolumeGroup, lv: LogicalVolume, regions: number): string {
  const top = topLv(vg, lv);
  return `WARNING: ${regions} region${regions === 1 ? '' : 's'} of ${vg.name}/${top.name} had not been copied to its remaining images when the original images were lost: reading ${regions === 1 ? 'it' : 'them'} fails until ${regions === 1 ? 'it is' : 'they are'} written again.`;
}
