// lvconvert --repair of a mirror (tools/lvconvert.c _lvconvert_mirrors_repair): first the failed
// images and log are removed (mirror_remove_missing), then, as the user or the fault policies
// (activation/mirror_image_fault_policy, mirror_log_fault_policy with --usepolicies) decide,
// replacements are allocated from free extents (never on the failed PVs) and resynced.
import { AllocError } from '../src/alloc/index.js';
import { CommandFailed, LvmError } from '../src/cli/errors.js';
import { vgMissingPvs, warnPvDevices } from '../src/cli/pv-tools.js';
import { commitVg } from './lvconvert-mirror.js';
import { DevicePool } from '../src/device/device-pool.js';
import type { AllocPolicy } from '../src/model/types.js';
import { isMirror } from '../src/model/vg-query.js';
import { logCount, mirrorCount, tmpLayer } from '../src/mirror/layout.js';
import { removeFailedParts } from '../src/mirror/remove-missing.js';
import { mirrorFailures } from '../src/mirror/repair-plan.js';
import { withLvLock } from '../src/mirror/state.js';
import { waitForSync, type ConvertCall } from './lvconvert-poll.js';

export async function repairMirror(c: ConvertCall): Promise<number> {
  const { ctx, args, loaded, lv } = c;
  const vg = loaded.vg;
  const full = `${vg.name}/${lv.name}`;
  const f = isMirror(lv) ? mirrorFailures(ctx.systemDir, vg, lv) : { images: [], logs: [], pvUuids: [] };
  if (!f.images.length && !f.logs.length) {
    ctx.out.print(`Volume ${full} is consistent. Nothing to repair.`);
    return 0;
  }
  if (tmpLayer(vg, lv)) throw new CommandFailed(`${full} is already being converted.  Unable to start another conversion.`);
  // When only images added by an up-convert and not yet fully copied survive, removing the failed
  // ones hands the regions the copy had not reached to the LV's lost-region record (stale.ts):
  // they keep failing reads after the repair, instead of serving stale bytes.
  const origImages = mirrorCount(vg, lv);
  const origLogs = logCount(vg, lv);
  // Committed under the mirror's I/O lock: a writer with the old view finishes first, and any
  // later write sees the new layout (watched-mirror.ts) before the old log's extents are reused.
  withLvLock(ctx.systemDir, lv.uuid, () => {
    if (removeFailedParts(ctx, vg, lv) === 'dead') throw new CommandFailed(`No usable images left in ${full}.`);
    commitVg(ctx, loaded, `lvconvert --repair ${full}: failed parts removed`);
  });
  // LVM2 reads the VG four times more here (mirror status, reload): the missing devices' lines come again.
  if (vgMissingPvs(vg)) for (let i = 0; i < 4; i++) warnPvDevices(ctx, vg);
  if (f.images.length) ctx.out.print(`Mirror status: ${f.images.length} of ${origImages} images failed.`);
  if (f.logs.length) ctx.out.print(`Mirror log status: ${f.logs.length} of ${origLogs} images failed.`);

  // _lvconvert_mirrors_repair_ask
  let replaceImages: boolean;
  let replaceLog: boolean;
  if (args.has('usepolicies')) {
    replaceImages = ctx.config.str('activation/mirror_image_fault_policy', 'remove') !== 'remove';
    replaceLog = ctx.config.str('activation/mirror_log_fault_policy', 'allocate') !== 'remove';
  } else if (args.has('force')) {
    replaceImages = replaceLog = false;
  } else {
    replaceImages = replaceLog = true;
    if (!args.has('yes')) {
      if (f.logs.length && !ctx.yesNo('Attempt to replace failed mirror log? [y/n]: ')) replaceLog = false;
      if (f.images.length && !ctx.yesNo('Attempt to replace failed mirror images (requires full device resync)? [y/n]: ')) replaceImages = false;
    }
  }
  let images = replaceImages ? origImages : origImages - f.images.length;
  let logs = replaceLog ? origLogs : origLogs - f.logs.length;
  if (images === 1) replaceLog = false, (logs = 0);
  const wanted = { images, logs };
  if (!(replaceImages && f.images.length) && !(replaceLog && f.logs.length)) return 0;
  // Replacements never go back onto the PVs that failed.
  const avoid = new Set(f.pvUuids);
  const allowedPvArgs = c.pvArgs.length ? c.pvArgs : vg.pvs.filter((p) => !avoid.has(p.uuid) && !p.missing).map((p) => p.name);
  const { convertTo } = await import('./lvconvert-mirror.js');
  let polling = false;
  for (;;) {
    ctx.out.warn(`WARNING: Trying to up-convert to ${images} images, ${logs} logs.`);
    try {
      polling = convertTo({ ...c, pvArgs: allowedPvArgs }, images, logs, (args.str('alloc') as AllocPolicy | undefined) ?? lv.alloc);
      break;
    } catch (e) {
      if (!(e instanceof LvmError) && !(e instanceof AllocError)) throw e;
      if (images > 2) images--;
      else if (logs > 0) logs--;
      else break;
    }
  }
  if (replaceImages && mirrorCount(vg, lv) !== wanted.images) {
    ctx.out.warn(`WARNING: Failed to replace ${wanted.images - mirrorCount(vg, lv)} of ${wanted.images} images in volume ${full}.`);
  }
  if (replaceLog && logCount(vg, lv) !== wanted.logs) {
    ctx.out.warn(`WARNING: Failed to replace ${wanted.logs - logCount(vg, lv)} of ${wanted.logs} logs in volume ${full}.`);
  }
  if (polling && lv.active) await waitForSync(c, vg.name, lv.name);
  void DevicePool;
  return 0;
}
