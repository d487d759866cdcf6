// lvconvert --splitmirrors for raid1 (lib/metadata/raid_manip.c lv_raid_split,
// lv_raid_split_and_track, lv_raid_merge): split one image off as a new LV; or, with
// --trackchanges, take it out of the array while both sides keep being written (tsvm lets the
// image be written too, src/raid/track.ts) and bring it back with --mergemirrors, recopying only
// the regions written on either side since the split.
import { CommandFailed, InvalidCommandLine } from '../src/cli/errors.js';
import { DevicePool } from '../src/device/device-pool.js';
import { findPvArg } from '../src/lv/pv-list.js';
import { lvNameRestriction, nameError } from '../src/model/names.js';
import type { LogicalVolume } from '../src/model/types.js';
import { SECTOR } from '../src/model/types.js';
import { displaySize } from '../src/model/units.js';
import { areaUser, findLv, isRaid1, lvPvs } from '../src/model/vg-query.js';
import { mirrorRegions } from '../src/mirror/log-init.js';
import { MirrorDevice } from '../src/mirror/mirror-device.js';
import { mirrorPercent, pollMirror } from '../src/mirror/poll.js';
import { addNewLegs, dropMirrorFiles, withLvLock } from '../src/mirror/state.js';
import { withFilesystemFrozen } from '../src/nbd/suspend.js';
import { raidImages, removeRaidImages } from '../src/raid/layout.js';
import { writeSuperblocks } from '../src/raid/rmeta-log.js';
import { startTracking, stopTracking, trackedImage, trackedRegions, trackingRaid } from '../src/raid/track.js';
import { vgLockName } from '../src/store/locks.js';
import { commitVg } from './lvconvert-mirror.js';
import type { ConvertCall } from './lvconvert-poll.js';

function ask(c: ConvertCall, question: string, refusal: string): void {
  if (c.args.has('yes')) return;
  if (!c.ctx.yesNo(question)) throw new CommandFailed(refusal);
}

/** The image to split: the last one on the PVs given (all PVs when none are). */
function pickImage(c: ConvertCall): LogicalVolume {
  const { ctx, loaded, lv } = c;
  const vg = loaded.vg;
  const imgs = raidImages(vg, lv);
  if (!c.pvArgs.length) return imgs[imgs.length - 1]!;
  const pvs = c.pvArgs.map((a) => findPvArg(ctx, vg, a.replace(/:.*$/, ''))?.uuid);
  for (let k = imgs.length - 1; k >= 0; k--) if (lvPvs(vg, imgs[k]!).every((p) => pvs.includes(p.uuid))) return imgs[k]!;
  throw new CommandFailed('Unable to find image to satisfy request.');
}

function inSync(c: ConvertCall): boolean {
  return c.lv.flags.includes('NOTSYNCED') || (c.lv.active && (mirrorPercent(c.ctx.systemDir, c.loaded.vg, c.lv) ?? 0) >= 100);
}

export async function splitRaid(c: ConvertCall): Promise<number> {
  const { ctx, args, loaded, lv } = c;
  const vg = loaded.vg;
  const full = `${vg.name}/${lv.name}`;
  const n = args.int('splitmirrors') ?? 0;
  const count = lv.segments[0]!.areas.length;
  if (count - n < 1) throw new CommandFailed('Unable to split images by specified amount.');
  if (args.has('trackchanges')) {
    if (n !== 1) throw new CommandFailed(`Exactly one image must be split off from ${full} when tracking changes.`);
    return splitAndTrack(c);
  }
  const newName = args.str('name')!.replace(/^.*\//, '');
  const bad = nameError(newName) ?? lvNameRestriction(newName);
  if (bad) throw new InvalidCommandLine(bad, `Logical volume name "${newName}" is invalid.`);
  if (n !== 1) throw new CommandFailed(`Unable to split more than one image from ${full}.`);
  if (findLv(vg, newName)) throw new CommandFailed(`Logical Volume "${newName}" already exists in ${vg.name}.`);
  if (!inSync(c)) throw new CommandFailed(`Unable to split ${full} while it is not in-sync.`);
  if (count === 2) ask(c, `Are you sure you want to split raid1 LV ${full} losing all resilience? [y/n]: `, `Logical volume ${full} NOT split.`);
  const tracked = trackedImage(vg, lv);
  if (tracked && c.pvArgs.length && pickImage(c) !== tracked) {
    throw new CommandFailed(`Unable to split additional image from ${full} while tracking changes for ${vg.name}/${tracked.name}.`);
  }
  const img = tracked ?? pickImage(c);
  const pool = new DevicePool(ctx.systemDir);
  try {
    withFilesystemFrozen(ctx.systemDir, lv.uuid, (l) => ctx.out.warn(l), () => withLvLock(ctx.systemDir, lv.uuid, () => {
      const oldUuid = img.uuid;
      const [, meta] = removeRaidImages(vg, lv, [img.name]);
      // The image leaves with its extents: back into the VG as the new, visible LV (its rmeta goes).
      img.name = newName;
      img.visible = true;
      img.active = lv.active;
      img.flags = img.flags.filter((f) => f !== 'WRITEMOSTLY');
      vg.lvs.push(img);
      void meta;
      commitVg(ctx, loaded, `lvconvert --splitmirrors 1 --name ${newName} ${full}`);
      if (tracked) stopTracking(ctx.systemDir, oldUuid);
      if (isRaid1(lv)) writeSuperblocks({ devices: pool, systemDir: ctx.systemDir }, vg, lv, mirrorRegions(vg, lv));
      else dropMirrorFiles(ctx.systemDir, lv.uuid);
    }));
  } finally {
    pool.closeAll();
  }
  return 0;
}

function splitAndTrack(c: ConvertCall): number {
  const { ctx, loaded, lv } = c;
  const vg = loaded.vg;
  const full = `${vg.name}/${lv.name}`;
  if (!inSync(c)) throw new CommandFailed(`Unable to split image from ${full} while not in-sync.`);
  if (trackedImage(vg, lv)) throw new CommandFailed('Cannot track more than one split image at a time.');
  const count = lv.segments[0]!.areas.length;
  if (count === 2) {
    ask(c, `Are you sure you want to split and track raid1 LV ${full} losing resilience for any newly written data? [y/n]: `,
      `Logical volume ${full} NOT split.`);
  }
  const img = pickImage(c);
  withFilesystemFrozen(ctx.systemDir, lv.uuid, (l) => ctx.out.warn(l), () => withLvLock(ctx.systemDir, lv.uuid, () => {
    // Both bitmaps exist (empty) before the image leaves the array.
    startTracking(ctx.systemDir, img.uuid, mirrorRegions(vg, lv), lv.segments[0]!.regionSize);
    img.visible = true;
    commitVg(ctx, loaded, `lvconvert --splitmirrors 1 --trackchanges ${full}`);
  }));
  ctx.out.print(`${vg.name}/${img.name} split from ${full} for read-only purposes.`);
  ctx.out.print(`tsvm: ${vg.name}/${img.name} stays writable; the regions written on it and on ${full} are tracked.`);
  if (count === 2) ctx.out.warn(`WARNING: Any newly written data will be non-resilient on LV ${full} during the split!`);
  ctx.out.print(`Use 'lvconvert --merge ${vg.name}/${img.name}' to merge back into ${full}.`);
  return 0;
}

/** lvconvert --mergemirrors (or --merge) of a tracked image. */
export async function mergeRaidImage(c: ConvertCall): Promise<number> {
  const { ctx, loaded, lv: img } = c;
  const vg = loaded.vg;
  const name = `${vg.name}/${img.name}`;
  const user = areaUser(vg, img.name);
  if (!user || user.seg.type !== 'raid1') throw new CommandFailed(`Unable to merge non-raid image ${name}.`);
  const raid = trackingRaid(vg, img);
  if (!raid) throw new CommandFailed(`${name} cannot be merged because --trackchanges was not used.`);
  const full = `${vg.name}/${raid.name}`;
  const nr = mirrorRegions(vg, raid);
  const regionBytes = raid.segments[0]!.regionSize * SECTOR;
  let counts = { lv: 0, img: 0, union: 0 };
  const pool = new DevicePool(ctx.systemDir);
  try {
    withLvLock(ctx.systemDir, img.uuid, () => withLvLock(ctx.systemDir, raid.uuid, () => {
      const t = trackedRegions(ctx.systemDir, img.uuid, nr);
      counts = { lv: t.lv.length, img: t.img.length, union: t.union.length };
      // Durable intent: the union is out of sync (and counts as written) in the raid bitmap, and the
      // image is valid only where in sync, before it is back in the array.
      const dev = new MirrorDevice({ devices: pool, systemDir: ctx.systemDir }, vg, raid, { writable: true });
      try {
        dev.log?.update('written', new Map(t.union.map((r) => [r, true])), false);
        dev.log?.update('sync', new Map(t.union.map((r) => [r, false])), true);
      } finally {
        dev.close();
      }
      addNewLegs(ctx.systemDir, raid.uuid, [img.name]);
      img.visible = false;
      commitVg(ctx, loaded, `lvconvert --mergemirrors ${name}`);
      stopTracking(ctx.systemDir, img.uuid);
    }));
  } finally {
    pool.closeAll();
  }
  ctx.locks.unlock(vgLockName(vg.name));
  if (raid.active) await pollMirror(ctx.systemDir, vg.name, raid.name, { interval: 0 });
  ctx.out.print(`tsvm: ${counts.union} regions (${displaySize((counts.union * regionBytes) / SECTOR)}) recopied from ${full} to ${name}: `
    + `${counts.lv} written on ${full}, ${counts.img} on ${name} since the split.`);
  ctx.out.print(`${name} successfully merged back into ${full}.`);
  return 0;
}
