// The runtime facts reports ask of mirrors (what LVM2 gets from device-mapper status): Cpy%Sync,
// read from the region log at this moment, and whether an image is in sync (lv_attr i/I). Loaded
// by src/report/status.ts, which this module registers itself with.
import type { Context } from '../cli/context.js';
import type { LogicalVolume, VolumeGroup } from '../model/types.js';
import { areaUser, isMirrorLike, isRaid1, subLvs, topLv } from '../model/vg-query.js';
import { setStatusSource, type LvStatusSource } from '../report/status.js';
import { mirrorPercent } from './poll.js';
import { loadFailedLegs } from './state.js';
import { ensureSyncing } from './daemon.js';
import { syncerRunning } from './state.js';
import { isMonitored } from './monitoring.js';
import { loadNewLegs } from './state.js';
import { loadScrubState, runningScrub } from '../raid/scrub-state.js';
import { mismatchRegions } from '../raid/mismatch-regions.js';
import { loadHeals } from './heal-log.js';

export function createStatusSource(ctx: Pick<Context, 'systemDir'>): LvStatusSource {
  const cache = new Map<string, number | undefined>();
  const percent = (vg: VolumeGroup, lv: LogicalVolume): number | undefined => {
    if (!cache.has(lv.uuid)) {
      const p = mirrorPercent(ctx.systemDir, vg, lv);
      cache.set(lv.uuid, p);
      // The next access recovers: an active mirror left out of sync with nobody syncing gets a syncer.
      if (p !== undefined && p < 100 && lv.visible && !syncerRunning(ctx.systemDir, lv.uuid)) ensureSyncing(ctx.systemDir, vg, lv);
    }
    return cache.get(lv.uuid);
  };
  return {
    copyPercent(vg, lv) {
      if (!isMirrorLike(lv) || !topLv(vg, lv).active) return undefined;
      return percent(vg, lv);
    },
    imageInSync(vg, lv) {
      const user = areaUser(vg, lv.name);
      if (!user || (user.seg.type !== 'mirror' && user.seg.type !== 'raid1')) return false;
      const mirror = user.lv;
      // lv_raid_image_in_sync(): an inactive raid image is assumed not in sync, even under --nosync
      if (user.seg.type === 'raid1' && !topLv(vg, mirror).active) return false;
      if (mirror.flags.includes('NOTSYNCED')) return true;
      if (!topLv(vg, mirror).active) return false;
      const top = topLv(vg, mirror);
      if (loadFailedLegs(ctx.systemDir, top.uuid).some((l) => l.lvName === lv.name)) return false;
      return (percent(vg, mirror) ?? 0) >= 100;
    },
    raidSyncAction(vg, lv) {
      if (!isRaid1(lv) || !lv.active) return undefined;
      const scrub = runningScrub(ctx.systemDir, lv.uuid);
      if (scrub) return scrub.action;
      if ((percent(vg, lv) ?? 0) >= 100) return 'idle';
      return loadNewLegs(ctx.systemDir, lv.uuid).length || lv.flags.includes('REBUILD') ? 'recover' : 'resync';
    },
    raidMismatches(_vg, lv) {
      if (!isRaid1(lv) || !lv.active) return undefined;
      return loadScrubState(ctx.systemDir, lv.uuid)?.mismatches ?? 0;
    },
    raidMismatchRegions(_vg, lv) {
      if (!isRaid1(lv) || !lv.active) return undefined;
      return mismatchRegions(loadScrubState(ctx.systemDir, lv.uuid)?.bad ?? []);
    },
    heals(vg, lv) {
      if (!isMirrorLike(lv) || !lv.active || topLv(vg, lv) !== lv) return undefined;
      const h = loadHeals(ctx.systemDir, lv.uuid);
      return { healed: h.healed, unrecoverable: h.unrecoverable };
    },
    raidHealthy(vg, lv) {
      const top = topLv(vg, lv);
      if (!top.active || !isRaid1(top)) return true;
      const failed = loadFailedLegs(ctx.systemDir, top.uuid);
      // an image vgreduce --removemissing replaced by an error segment is dead to the array ('D')
      const virtual = (l: LogicalVolume) => l.segments.some((s) => s.type === 'error');
      if (lv === top) return failed.length === 0 && !subLvs(vg, top).some(virtual);
      return !virtual(lv) && !failed.some((l) => l.lvName === lv.name);
    },
    monitored(vg, lv) {
      if (!isMirrorLike(lv) || !topLv(vg, lv).active) return undefined;
      return isMonitored(ctx.systemDir, topLv(vg, lv).uuid);
    },
  };
}

setStatusSource((ctx) => createStatusSource(ctx));
