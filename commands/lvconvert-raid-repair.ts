// lvconvert --repair of a raid1 LV (tools/lvconvert.c _lvconvert_repair_pvs_raid, raid_manip.c
// lv_raid_replace): images (and their rmetas) on missing PVs, or recorded failed by the I/O path,
// are replaced by new ones allocated elsewhere, under the same names, and rebuilt from the
// surviving images. activation/raid_fault_policy decides with --usepolicies ("warn": only say so;
// "allocate": replace). The copy runs in the background, as md's recovery does.
import { AllocError, allocate } from '../src/alloc/index.js';
import { CommandFailed } from '../src/cli/errors.js';
import { DevicePool } from '../src/device/device-pool.js';
import type { LogicalVolume } from '../src/model/types.js';
import { lvExtents } from '../src/model/types.js';
import { findLv, isDegradedSubLv, lvPvs } from '../src/model/vg-query.js';
import { ensureSyncing } from '../src/mirror/daemon.js';
import { linearSegments } from '../src/mirror/layout.js';
import { mirrorRegions, readBitmaps } from '../src/mirror/log-init.js';
import { mirrorPercent } from '../src/mirror/poll.js';
import { addNewLegs, loadFailedLegs, saveFailedLegs, withLvLock } from '../src/mirror/state.js';
import { splitMeta } from '../src/raid/layout.js';
import { addedRmetaExtents } from '../src/raid/rmeta-format.js';
import { prepareRaid1Meta } from '../src/raid/rmeta-log.js';
import { commitVg } from './lvconvert-mirror.js';
import type { ConvertCall } from './lvconvert-poll.js';

export async function repairRaid1(c: ConvertCall): Promise<number> {
  const { ctx, args, loaded, lv } = c;
  const vg = loaded.vg;
  const full = `${vg.name}/${lv.name}`;
  if (!lv.active) throw new CommandFailed(`${full} must be active to perform this operation.`);
  let doIt = true;
  if (args.has('usepolicies')) {
    const policy = ctx.config.str('activation/raid_fault_policy', 'warn');
    doIt = policy === 'allocate' || policy === 'replace';
  } else if (!args.has('yes') && !ctx.yesNo('Attempt to replace failed RAID images (requires full device resync)? [y/n]: ')) {
    doIt = false;
  }
  if (!doIt) {
    if (args.has('usepolicies')) ctx.out.warn(`Use 'lvconvert --repair ${full}' to replace failed device.`);
    return 0;
  }
  const seg = lv.segments[0]!;
  const recorded = new Set(loadFailedLegs(ctx.systemDir, lv.uuid).map((l) => l.lvName));
  const bad = (x: LogicalVolume) => recorded.has(x.name) || isDegradedSubLv(vg, x);
  const failed: number[] = [];
  seg.areas.forEach((a, k) => {
    const img = findLv(vg, (a as { lvName: string }).lvName)!;
    const meta = findLv(vg, seg.metaAreas![k]!)!;
    if (bad(img) || bad(meta)) failed.push(k);
  });
  if (!failed.length) {
    ctx.out.print(`${full} does not contain devices specified to replace.`);
    ctx.out.print(`Faulty devices in ${full} successfully replaced.`);
    return 0;
  }
  if (failed.length === seg.areas.length) throw new CommandFailed(`Unable to replace all PVs from ${full} at once.`);
  if (!lv.flags.includes('NOTSYNCED') && (mirrorPercent(ctx.systemDir, vg, lv) ?? 0) < 100) {
    throw new CommandFailed(`Unable to replace devices in ${full} while it is not in-sync.`);
  }
  // (sized as LVM2's _alloc_image_components sizes them, for all the replaced images together)
  const imageExtents = lvExtents(findLv(vg, (seg.areas[0] as { lvName: string }).lvName)!);
  const metaLen = addedRmetaExtents(imageExtents, failed.length, seg.regionSize, vg.extentSize);
  const keepPvs = seg.areas.flatMap((a, k) => (failed.includes(k) ? [] : lvPvs(vg, findLv(vg, (a as { lvName: string }).lvName)!)));
  const missing = vg.pvs.filter((p) => p.missing).map((p) => p.uuid);
  let areas;
  try {
    areas = allocate({
      vg, policy: lv.alloc, areaCount: failed.length, extents: imageExtents + metaLen, logCount: 0, logLen: 0, lvName: '',
      avoidPvUuids: [...new Set([...keepPvs.map((p) => p.uuid), ...missing, ...failed.flatMap((k) => lvPvs(vg, findLv(vg, (seg.areas[k] as { lvName: string }).lvName)!).map((p) => p.uuid))])],
    }).areas;
  } catch (e) {
    if (e instanceof AllocError) throw new CommandFailed(...e.lines, `Failed to replace faulty devices in ${full}.`);
    throw e;
  }
  const pool = new DevicePool(ctx.systemDir);
  try {
    const env = { devices: pool, systemDir: ctx.systemDir };
    const bits = readBitmaps(env, vg, lv);
    withLvLock(ctx.systemDir, lv.uuid, () => {
      const names: string[] = [];
      failed.forEach((k, i) => {
        // The replacement takes the failed pair's place and names: new extents, rmeta first.
        const img = findLv(vg, (seg.areas[k] as { lvName: string }).lvName)!;
        const meta = findLv(vg, seg.metaAreas![k]!)!;
        const { meta: m, data } = splitMeta(areas[i]!, metaLen);
        img.segments = linearSegments(data);
        meta.segments = linearSegments(m);
        names.push(img.name);
      });
      prepareRaid1Meta(env, vg, lv, mirrorRegions(vg, lv), { sync: false, written: bits?.written ?? true });
      addNewLegs(ctx.systemDir, lv.uuid, names);
      commitVg(ctx, loaded, `lvconvert --repair ${full}`);
      saveFailedLegs(ctx.systemDir, lv.uuid, loadFailedLegs(ctx.systemDir, lv.uuid).filter((l) => !names.includes(l.lvName)
        && !failed.some((k) => seg.metaAreas![k] === l.lvName)));
    });
  } finally {
    pool.closeAll();
  }
  ctx.out.print(`Faulty devices in ${full} successfully replaced.`);
  ensureSyncing(ctx.systemDir, vg, lv);
  return 0;
}
