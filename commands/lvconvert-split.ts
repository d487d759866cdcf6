// lvconvert --splitmirrors N --name NEW (lib/metadata/mirror.c _split_mirror_images): the last N
// images (those on the PVs given first) leave the mirror and become NEW, an independent LV holding
// exactly the data of the split instant. The split happens under the mirror's I/O lock, so no write
// is half-way when the layout changes. --trackchanges is raid1-only.
import { CommandFailed, InvalidCommandLine } from '../src/cli/errors.js';
import { commitVg } from './lvconvert-mirror.js';
import { DevicePool } from '../src/device/device-pool.js';
import { findPvArg } from '../src/lv/pv-list.js';
import { lvNameRestriction, nameError } from '../src/model/names.js';
import type { LogicalVolume } from '../src/model/types.js';
import { findLv, isMirror, lvPvs } from '../src/model/vg-query.js';
import { mirrorCount, mirrorImages, splitImages, tmpLayer } from '../src/mirror/layout.js';
import { prepareLog } from '../src/mirror/log-init.js';
import { mirrorPercent } from '../src/mirror/poll.js';
import { dropMirrorFiles, loadFailedLegs, loadNewLegs, withLvLock } from '../src/mirror/state.js';
import { copyLost } from '../src/lv-io/lost-regions.js';
import { withFilesystemFrozen } from '../src/nbd/suspend.js';
import type { ConvertCall } from './lvconvert-poll.js';

export async function splitMirror(c: ConvertCall): Promise<number> {
  const { ctx, args, loaded, lv } = c;
  const vg = loaded.vg;
  const full = `${vg.name}/${lv.name}`;
  if (args.has('trackchanges')) {
    if (isMirror(lv)) throw new CommandFailed(`Command on LV ${full} does not accept LV type mirror.`);
    throw new CommandFailed(`Command on LV ${full} does not accept LV type linear.`);
  }
  const newName = args.str('name')!.replace(/^.*\//, '');
  const bad = nameError(newName) ?? lvNameRestriction(newName);
  if (bad) throw new InvalidCommandLine(bad, `Logical volume name "${newName}" is invalid.`);
  if (!isMirror(lv)) throw new CommandFailed(`Unable to split non-mirrored LV ${full}.`);
  const n = args.int('splitmirrors') ?? 0;
  const count = mirrorCount(vg, lv);
  if (n < 1 || count - n < 1) throw new CommandFailed(`Unable to reduce images by specified amount - only ${count} in ${lv.name}`);
  if (tmpLayer(vg, lv)) throw new CommandFailed(`${full} is already being converted.  Unable to start another conversion.`);
  if (findLv(vg, newName)) throw new CommandFailed(`Logical Volume "${newName}" already exists in volume group "${vg.name}"`);
  let imgs = mirrorImages(vg, lv);
  if (c.pvArgs.length) {
    const pvs = c.pvArgs.map((a) => findPvArg(ctx, vg, a.replace(/:.*$/, ''))?.uuid);
    const on = (img: LogicalVolume) => lvPvs(vg, img).every((p) => pvs.includes(p.uuid));
    if (imgs.filter(on).length < n) throw new CommandFailed('Insufficient removable PVs given to satisfy request.');
    imgs = [...imgs.filter((i) => !on(i)), ...imgs.filter(on)];
  }
  const pool = new DevicePool(ctx.systemDir);
  try {
    // LVM2 suspends the LV first: a filesystem mounted on it is frozen, so the copy is consistent.
    withFilesystemFrozen(ctx.systemDir, lv.uuid, (l) => ctx.out.warn(l), () => withLvLock(ctx.systemDir, lv.uuid, () => {
      // An image added by an up-convert is a copy only once the copy is done (state.ts loadNewLegs),
      // whatever the log or the NOTSYNCED flag say.
      const uncopied = loadNewLegs(ctx.systemDir, lv.uuid).some((n) => imgs.some((i) => i.name === n));
      // An image that failed I/O holds old data wherever the mirror was written since (dm-raid1
      // keeps such regions out of sync until the image is repaired or removed).
      const failedImage = loadFailedLegs(ctx.systemDir, lv.uuid).length > 0;
      if (uncopied || failedImage || (!lv.flags.includes('NOTSYNCED') && (!lv.active || (mirrorPercent(ctx.systemDir, vg, lv) ?? 0) < 100))) {
        if (!lv.active) ctx.out.error(`Unable to determine mirror sync status of ${full}.`);
        throw new CommandFailed(`Unable to split mirror ${full} that is not in-sync.`);
      }
      const gone = imgs.slice(imgs.length - n).map((i) => i.name);
      const fresh = splitImages(vg, lv, gone, newName);
      fresh.active = lv.active;
      fresh.flags = [];
      // A new mirror of several split images gets a core log, marked in sync (its legs are identical).
      if (isMirror(fresh)) prepareLog({ devices: pool, systemDir: ctx.systemDir }, vg, fresh, { sync: true, written: true });
      // Regions lost before (lv-io/lost-regions.ts) are lost in the copy too.
      copyLost(ctx.systemDir, lv.uuid, fresh.uuid);
      commitVg(ctx, loaded, `lvconvert --splitmirrors ${n} --name ${newName} ${full}`);
      if (!isMirror(lv)) dropMirrorFiles(ctx.systemDir, lv.uuid);
    }));
  } finally {
    pool.closeAll();
  }
  ctx.out.print(`Logical volume ${full} converted.`);
  return 0;
}
