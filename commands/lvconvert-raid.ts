// lvconvert for raid1 (tools/lvconvert.c _lvconvert_raid, lib/metadata/raid_manip.c
// lv_raid_change_image_count, _convert_mirror_to_raid1, _convert_raid1_to_mirror): linear -> raid1,
// raid1 -m N|+N|-N (down to linear), mirror -> raid1 and raid1 -> mirror. LVM2's prompts, refusals
// and "successfully converted" line; like the kernel's md resync, new images are copied in the
// background after the command returns (the rmeta bitmap says what is left).
import { AllocError, allocate, buildParallelAreas } from '../src/alloc/index.js';
import { CommandFailed } from '../src/cli/errors.js';
import { DevicePool } from '../src/device/device-pool.js';
import { createPvList, findPvArg } from '../src/lv/pv-list.js';
import type { AllocPolicy, LogicalVolume, VolumeGroup } from '../src/model/types.js';
import { lvExtents } from '../src/model/types.js';
import { DEFAULT_MIRROR_MAX_IMAGES, DEFAULT_RAID1_MAX_IMAGES } from '../src/model/defaults.js';
import { isLinearLv, isMirror, isRaid1, lvPvs } from '../src/model/vg-query.js';
import { ensureSyncing } from '../src/mirror/daemon.js';
import { writtenFromImages } from '../src/mirror/ever-written.js';
import { adjustedRegionSize, defaultRegionSize, linearSegments, mirrorImages, newSubLv, setLog, tmpLayer } from '../src/mirror/layout.js';
import { mirrorLogExtents } from '../src/mirror/log-format.js';
import { mirrorRegions, prepareLog, readBitmaps } from '../src/mirror/log-init.js';
import { dropCoreLog } from '../src/mirror/core-log.js';
import { mirrorPercent } from '../src/mirror/poll.js';
import { addNewLegs, dropMirrorFiles, loadFailedLegs, withLvLock } from '../src/mirror/state.js';
import { addRaidImages, linearToRaid1, raidImages, raidMetas, removeRaidImages } from '../src/raid/layout.js';
import { addedRmetaExtents, rmetaExtents } from '../src/raid/rmeta-format.js';
import { prepareRaid1Meta, writeSuperblocks } from '../src/raid/rmeta-log.js';
import { commitVg } from './lvconvert-mirror.js';
import type { ConvertCall } from './lvconvert-poll.js';

type Env = { devices: DevicePool; systemDir: string };

function allocOrFail(fn: () => ReturnType<typeof allocate>): ReturnType<typeof allocate> {
  try {
    return fn();
  } catch (e) {
    if (e instanceof AllocError) throw new CommandFailed(...e.lines);
    throw e;
  }
}

function allowed(c: ConvertCall) {
  return c.pvArgs.length ? createPvList(c.ctx, c.loaded.vg, c.pvArgs).limits : undefined;
}

function full(c: ConvertCall): string {
  return `${c.loaded.vg.name}/${c.lv.name}`;
}

function ask(c: ConvertCall, question: string, refusal: string): void {
  if (c.args.has('yes')) return;
  if (!c.ctx.yesNo(question)) throw new CommandFailed(refusal);
}

function requireActive(c: ConvertCall): void {
  if (!c.lv.active) throw new CommandFailed(`${full(c)} must be active to perform this operation.`);
}

function inSync(c: ConvertCall): boolean {
  return c.lv.flags.includes('NOTSYNCED') || (mirrorPercent(c.ctx.systemDir, c.loaded.vg, c.lv) ?? 0) >= 100;
}

/** What -m / --type ask of a raid1 or linear LV: the new image count (lvconvert.c _lvconvert_raid). */
function wantedImages(c: ConvertCall, current: number): number {
  const { args } = c;
  const type = args.str('type');
  if (type === 'linear') {
    if (args.has('mirrors') && Number(args.str('mirrors')) !== 0) throw new CommandFailed('Cannot specify mirrors with linear type.');
    return 1;
  }
  const m = args.str('mirrors');
  if (m === undefined) return type === 'raid1' && current === 1 ? 2 : current;
  const n = Math.abs(Number(m));
  const images = m.startsWith('+') ? current + n : m.startsWith('-') ? current - n : n + 1;
  if (images < 1) throw new CommandFailed('Unable to reduce images by specified amount.');
  return images;
}

/** Entry point from lvconvert.ts for a raid1 LV, or a linear/mirror LV asked to become raid1. */
export async function convertRaid(c: ConvertCall): Promise<number> {
  const { args, lv } = c;
  const type = args.str('type');
  if ((args.has('mirrorlog') || args.has('corelog')) && type !== 'mirror') {
    throw new CommandFailed('--corelog and --mirrorlog are only compatible with mirror devices');
  }
  if (isMirror(lv)) return mirrorToRaid1(c);
  if (isRaid1(lv) && type === 'mirror') return raid1ToMirror(c);
  if (!isRaid1(lv) && !isLinearLv(lv)) throw new CommandFailed(`Conversion of ${full(c)} to raid1 is not supported by tsvm (linear and mirror LVs are).`);
  const current = isRaid1(lv) ? lv.segments[0]!.areas.length : 1;
  const images = wantedImages(c, current);
  if (images > DEFAULT_RAID1_MAX_IMAGES) {
    throw new CommandFailed(`Only up to ${DEFAULT_RAID1_MAX_IMAGES} mirrors in raid1 LV ${full(c)} supported currently.`);
  }
  requireActive(c);
  const level = current === 1 ? 'raid1 with ' : '';
  const segName = isRaid1(lv) ? 'raid1' : 'linear';
  if (!isRaid1(lv) && args.has('type') && !args.has('mirrors')) {
    // lv_raid_convert's takeover prompt, then two images without asking again
    ask(c, `Are you sure you want to convert ${segName} LV ${full(c)} to raid1 type? [y/n]: `, `Logical volume ${full(c)} NOT converted.`);
  } else if (images !== 1) {
    const resil = images < current ? 'reducing' : 'enhancing';
    ask(c, `Are you sure you want to convert ${segName} LV ${full(c)} to ${level}${images} images ${resil} resilience? [y/n]: `,
      `Logical volume ${full(c)} NOT converted.`);
  }
  if (isRaid1(lv) && loadFailedLegs(c.ctx.systemDir, lv.uuid).length && images >= current) {
    throw new CommandFailed(`Can't change number of mirrors of degraded ${full(c)}.`, `Please run "lvconvert --repair ${full(c)}" first.`);
  }
  if (images === current) {
    c.ctx.out.warn(`WARNING: ${full(c)} already has image count of ${current}.`);
  } else {
    const pool = new DevicePool(c.ctx.systemDir);
    try {
      const env = { devices: pool, systemDir: c.ctx.systemDir };
      if (current === 1) fromLinear(c, images, env);
      else if (images > current) addImages(c, images - current, env);
      else removeImages(c, current - images, env);
    } finally {
      pool.closeAll();
    }
  }
  c.ctx.out.print(`Logical volume ${full(c)} successfully converted.`);
  if (isRaid1(lv) && lv.active) ensureSyncing(c.ctx.systemDir, c.loaded.vg, lv);
  return 0;
}

/** Pairs (rmeta + rimage) of new images, each on a PV the LV does not use. */
function allocPairs(c: ConvertCall, count: number, metaLen: number, alloc: AllocPolicy) {
  const { loaded, lv } = c;
  const vg = loaded.vg;
  return allocOrFail(() => allocate({
    vg, policy: alloc, areaCount: count, extents: lvExtents(lv) + metaLen, logCount: 0, logLen: 0, allowedPvs: allowed(c), lvName: '',
    avoidPvUuids: lvPvs(vg, lv).map((p) => p.uuid),
  })).areas;
}

/** An rmeta for an existing image, on that image's PV(s) (raid_manip.c _alloc_rmeta_for_lv). */
function allocRmetaFor(vg: VolumeGroup, data: LogicalVolume, metaLen: number, alloc: AllocPolicy) {
  return allocOrFail(() => allocate({
    vg, policy: alloc, areaCount: 1, extents: metaLen, logCount: 0, logLen: 0, lvName: '',
    allowedPvs: lvPvs(vg, data).map((p) => ({ pvUuid: p.uuid })),
  })).areas[0]!;
}

function regionSizeFor(c: ConvertCall): number {
  const vg = c.loaded.vg;
  const r = c.args.size('regionsize')?.sectors ?? (c.lv.segments[0]!.regionSize || defaultRegionSize(c.ctx.config));
  const adj = adjustedRegionSize(vg.extentSize, lvExtents(c.lv), r);
  return adj.size;
}

function fromLinear(c: ConvertCall, images: number, env: Env): void {
  const { ctx, loaded, lv } = c;
  const vg = loaded.vg;
  const alloc = (c.args.str('alloc') as AllocPolicy | undefined) ?? lv.alloc;
  const regionSize = regionSizeFor(c);
  const metaLen = rmetaExtents(lvExtents(lv), regionSize, vg.extentSize);
  const pairs = allocPairs(c, images - 1, metaLen, alloc);
  const meta0 = allocRmetaFor(vg, lv, metaLen, alloc);
  withLvLock(ctx.systemDir, lv.uuid, () => {
    const added = linearToRaid1(vg, lv, meta0, pairs, metaLen, regionSize);
    // Durable intent before the commit: nothing in sync; written where any image ever held data.
    prepareRaid1Meta(env, vg, lv, mirrorRegions(vg, lv), { sync: false, written: writtenFromImages(env.devices, vg, lv) });
    addNewLegs(ctx.systemDir, lv.uuid, added);
    commitVg(ctx, loaded, `lvconvert --type raid1 -m ${images - 1} ${full(c)}`);
  });
}

function addImages(c: ConvertCall, add: number, env: Env): void {
  const { ctx, loaded, lv } = c;
  const vg = loaded.vg;
  const alloc = (c.args.str('alloc') as AllocPolicy | undefined) ?? lv.alloc;
  const metaLen = addedRmetaExtents(lvExtents(raidImages(vg, lv)[0]!), add, lv.segments[0]!.regionSize, vg.extentSize);
  const before = readBitmaps(env, vg, lv);
  const pairs = allocPairs(c, add, metaLen, alloc);
  withLvLock(ctx.systemDir, lv.uuid, () => {
    const added = addRaidImages(vg, lv, pairs, metaLen);
    prepareRaid1Meta(env, vg, lv, mirrorRegions(vg, lv), { sync: false, written: before?.written ?? true });
    addNewLegs(ctx.systemDir, lv.uuid, added);
    commitVg(ctx, loaded, `lvconvert -m +${add} ${full(c)}`);
  });
}

/** _raid_extract_images(): from the end, images on the PVs given first. One left: linear. */
function removeImages(c: ConvertCall, remove: number, env: Env): void {
  const { ctx, loaded, lv } = c;
  const vg = loaded.vg;
  let imgs = raidImages(vg, lv);
  if (c.pvArgs.length) {
    const pvs = c.pvArgs.map((a) => findPvArg(ctx, vg, a.replace(/:.*$/, ''))?.uuid);
    const on = (img: LogicalVolume) => lvPvs(vg, img).every((p) => pvs.includes(p.uuid));
    imgs = [...imgs.filter((i) => !on(i)), ...imgs.filter(on)];
  }
  const gone = imgs.slice(imgs.length - remove);
  if (imgs.length - remove === 1) {
    ask(c, `Are you sure you want to convert raid1 LV ${full(c)} to type linear losing all resilience? [y/n]: `,
      `Logical volume ${full(c)} NOT converted to "linear".`);
  }
  withLvLock(ctx.systemDir, lv.uuid, () => {
    removeRaidImages(vg, lv, gone.map((g) => g.name));
    commitVg(ctx, loaded, `lvconvert -m -${remove} ${full(c)}`);
    if (!isRaid1(lv)) dropMirrorFiles(ctx.systemDir, lv.uuid);
    else writeSuperblocks(env, vg, lv, mirrorRegions(vg, lv));
  });
}

/** lvconvert --type raid1 of a mirror (_convert_mirror_to_raid1): images keep their data, in sync. */
function mirrorToRaid1(c: ConvertCall): number {
  const { ctx, args, loaded, lv } = c;
  const vg = loaded.vg;
  if (args.str('type') !== 'raid1') throw new CommandFailed(`Conversion of mirror ${full(c)} is not supported by tsvm here.`);
  requireActive(c);
  if (tmpLayer(vg, lv) || !inSync(c)) throw new CommandFailed(`Unable to convert ${full(c)} while it is not in-sync.`);
  ask(c, `Are you sure you want to convert mirror LV ${full(c)} to raid1 type? [y/n]: `, `Logical volume ${full(c)} NOT converted.`);
  const pool = new DevicePool(ctx.systemDir);
  const env = { devices: pool, systemDir: ctx.systemDir };
  try {
    const bits = readBitmaps(env, vg, lv);
    const images = mirrorImages(vg, lv);
    const metaLen = rmetaExtents(lvExtents(lv), lv.segments[0]!.regionSize, vg.extentSize);
    // Each rmeta on its image's PV; each is in the VG before the next is allocated.
    const metas = images.map((img, k) => {
      const m = newSubLv(vg, lv, `${lv.name}_rmeta_${k}`, linearSegments(allocRmetaFor(vg, img, metaLen, lv.alloc)), lv.alloc);
      vg.lvs.push(m);
      return m;
    });
    withLvLock(ctx.systemDir, lv.uuid, () => {
      const seg = lv.segments[0]!;
      const wasCore = !seg.mirrorLog;
      setLog(vg, lv, [], 'inherit');
      images.forEach((img, k) => (img.name = `${lv.name}_rimage_${k}`));
      seg.type = 'raid1';
      seg.mirrorLog = null;
      seg.areas = images.map((img) => ({ kind: 'lv' as const, lvName: img.name, le: 0 }));
      seg.metaAreas = metas.map((m) => m.name);
      prepareRaid1Meta(env, vg, lv, mirrorRegions(vg, lv), { sync: true, written: bits?.written ?? true });
      commitVg(ctx, loaded, `lvconvert --type raid1 ${full(c)}`);
      if (wasCore) dropCoreLog(ctx.systemDir, lv);
    });
  } finally {
    pool.closeAll();
  }
  ctx.out.print(`Logical volume ${full(c)} successfully converted.`);
  return 0;
}

/** lvconvert --type mirror of a raid1 LV (_raid1_to_mirrored_wrapper): a disk log, images in sync. */
function raid1ToMirror(c: ConvertCall): number {
  const { ctx, loaded, lv } = c;
  const vg = loaded.vg;
  requireActive(c);
  if (!inSync(c)) throw new CommandFailed();
  ask(c, `Are you sure you want to convert ${full(c)} back to the older mirror type? [y/n]: `, `Logical volume ${full(c)} NOT converted to "mirror".`);
  const images = raidImages(vg, lv);
  if (images.length > DEFAULT_MIRROR_MAX_IMAGES) {
    throw new CommandFailed(`Unable to convert raid1 LV ${full(c)} with ${images.length} images to mirror.`,
      `At least reduce to the maximum of ${DEFAULT_MIRROR_MAX_IMAGES} images with "lvconvert -m${DEFAULT_MIRROR_MAX_IMAGES - 1} ${full(c)}".`);
  }
  const pool = new DevicePool(ctx.systemDir);
  const env = { devices: pool, systemDir: ctx.systemDir };
  try {
    const bits = readBitmaps(env, vg, lv);
    const seg = lv.segments[0]!;
    const logs = allocOrFail(() => allocate({
      vg, policy: vg.alloc, areaCount: 0, extents: 0, logCount: 1,
      logLen: mirrorLogExtents(seg.regionSize, vg.extentSize, lvExtents(lv)), allowedPvs: allowed(c), lvName: '',
      parallelAreas: buildParallelAreas(vg, lv.name),
    })).logs;
    withLvLock(ctx.systemDir, lv.uuid, () => {
      const metas = raidMetas(vg, lv).map((m) => m.name);
      vg.lvs = vg.lvs.filter((l) => !metas.includes(l.name));
      images.forEach((img, k) => (img.name = `${lv.name}_mimage_${k}`));
      seg.type = 'mirror';
      delete seg.metaAreas;
      delete seg.writebehind;
      delete seg.minRecoveryRate;
      delete seg.maxRecoveryRate;
      seg.areas = images.map((img) => ({ kind: 'lv' as const, lvName: img.name, le: 0 }));
      for (const img of images) img.flags = img.flags.filter((f) => f !== 'WRITEMOSTLY');
      setLog(vg, lv, logs, 'inherit');
      prepareLog(env, vg, lv, { sync: true, written: bits?.written ?? true });
      commitVg(ctx, loaded, `lvconvert --type mirror ${full(c)}`);
    });
  } finally {
    pool.closeAll();
  }
  ctx.out.print(`Logical volume ${full(c)} successfully converted.`);
  return 0;
}

