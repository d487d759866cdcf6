// lvconvert --type mirror / -m N|+N|-N / --mirrorlog / --corelog (tools/lvconvert.c
// _lvconvert_mirrors, _lvconvert_mirrors_parse_params, _lvconvert_mirrors_aux): linear -> mirror,
// adding images through the _mimagetmp layer, removing images, changing the log type. New layouts
// are committed with the new images out of sync; the copy follows (lvconvert-poll.ts).
import { AllocError, allocate, buildParallelAreas } from '../src/alloc/index.js';
import { CommandFailed } from '../src/cli/errors.js';
import { commitVg as commitOnce } from '../src/cli/toollib.js';
import type { Context } from '../src/cli/context.js';
import type { LoadedVg } from '../src/store/metadata-store.js';
import { vgJson } from '../src/store/vg-json.js';
import { DevicePool } from '../src/device/device-pool.js';
import { createPvList, findPvArg } from '../src/lv/pv-list.js';
import type { AllocPolicy, LogicalVolume, VolumeGroup } from '../src/model/types.js';
import { lvExtents } from '../src/model/types.js';
import { displaySize } from '../src/model/units.js';
import { isLinearLv, isMirror, isStripedLv, lvPvs } from '../src/model/vg-query.js';
import { DEFAULT_STRIPE_SIZE } from '../src/model/defaults.js';
import {
  addImages, adjustedRegionSize, defaultRegionSize, logCount, makeMirror, MAX_MIRROR_IMAGES, mirrorCount, mirrorImages,
  logTree, removeImagesDeep, setLog, tmpLayer, flatImages,
} from '../src/mirror/layout.js';
import { mirrorLogExtents } from '../src/mirror/log-format.js';
import { prepareLog, readBitmaps } from '../src/mirror/log-init.js';
import { dropCoreLog } from '../src/mirror/core-log.js';
import { writtenFromImages } from '../src/mirror/ever-written.js';
import { mirrorPercent } from '../src/mirror/poll.js';
import { addNewLegs, dropMirrorFiles, withLvLock } from '../src/mirror/state.js';
import { waitForSync, type ConvertCall } from './lvconvert-poll.js';

const LOG_COUNT = { core: 0, disk: 1, mirrored: 2 } as const;

export async function convertMirror(c: ConvertCall): Promise<number> {
  const { ctx, args, loaded, lv } = c;
  const vg = loaded.vg;
  const full = `${vg.name}/${lv.name}`;
  const type = args.str('type');
  const mirrored = isMirror(lv);
  if (!mirrored && !isLinearLv(lv) && !isStripedLv(lv)) throw new CommandFailed(`Mirrors of ${full} are not supported by tsvm.`);
  if (type === 'mirror' && !args.has('mirrors') && !mirrored) throw new CommandFailed('Conversions to --type mirror require -m/--mirrors');
  if (type === 'linear' && args.has('mirrors') && Number(args.str('mirrors')) !== 0) throw new CommandFailed('Cannot specify mirrors with linear type.');

  // _lvconvert_mirrors_parse_params
  const oldImages = mirrored ? mirrorCount(vg, lv) : 1;
  const oldLog = mirrored ? logCount(vg, lv) : 0;
  let images = oldImages;
  const m = args.str('mirrors');
  if (type === 'linear') images = 1;
  else if (m !== undefined) {
    const n = Math.abs(Number(m));
    images = m.startsWith('+') ? oldImages + n : m.startsWith('-') ? Math.max(oldImages - n, 0) : n + 1;
  }
  if (images > MAX_MIRROR_IMAGES) throw new CommandFailed(`Only up to ${MAX_MIRROR_IMAGES} images in mirror supported currently.`);
  if (images < 1) throw new CommandFailed(`Unable to reduce images by specified amount - only ${oldImages} in ${lv.name}`);
  let regionSize = mirrored ? lv.segments[0]!.regionSize : defaultRegionSize(ctx.config);
  const rArg = args.size('regionsize');
  if (rArg) {
    if (mirrored && args.has('mirrorlog') && rArg.sectors !== regionSize) throw new CommandFailed('Mirror log region size cannot be changed on an existing mirror.');
    if (!mirrored) regionSize = rArg.sectors;
  }
  let newLog = oldImages > 1 ? oldLog : 1;
  if (args.has('corelog') || args.has('mirrorlog')) newLog = args.has('corelog') ? 0 : LOG_COUNT[args.str('mirrorlog') as keyof typeof LOG_COUNT];
  if (mirrored && newLog === 2 && oldLog !== 2 && !ctx.config.bool('global/support_mirrored_mirror_log', false)) {
    throw new CommandFailed('Log type "mirrored" is DEPRECATED. Use RAID1 LV or disk log instead.');
  }
  if (((oldImages < images && oldLog > newLog) || (oldImages > images && oldLog < newLog)) && c.pvArgs.length) {
    throw new CommandFailed('Cannot both allocate and free extents when specifying physical volumes to use.', 'Please specify the operation in two steps.');
  }
  if (images === 1 && !mirrored) {
    ctx.out.warn(`WARNING: Logical volume ${full} is already not mirrored.`);
    return 0;
  }
  if (images === oldImages && newLog === oldLog) return 0;
  const adj = adjustedRegionSize(vg.extentSize, lvExtents(lv), regionSize);
  if (adj.reduced) ctx.out.print(`Using reduced mirror region size of ${displaySize(adj.size)}`);
  regionSize = adj.size;
  const alloc = (args.str('alloc') as AllocPolicy | undefined) ?? lv.alloc;
  const pool = new DevicePool(ctx.systemDir);
  const env = { devices: pool, systemDir: ctx.systemDir };
  try {
    if (!mirrored) {
      upFromLinear(c, images, newLog, regionSize, alloc, env);
      return await finishUp(c, !args.has('background'));
    }
    if (images > oldImages) {
      if (lv.flags.includes('NOTSYNCED')) throw new CommandFailed("Can't add mirror to out-of-sync mirrored LV: use lvchange --resync first.");
      if (tmpLayer(vg, lv)) throw new CommandFailed(`${full} is already being converted.  Unable to start another conversion.`);
      if (newLog !== oldLog) changeLog(c, newLog, alloc, env);
      upMirror(c, images - oldImages, alloc, env);
      return await finishUp(c, true);
    }
    if (images < oldImages) {
      downMirror(c, oldImages - images);
      if (isMirror(lv) && newLog !== oldLog) changeLog(c, newLog, alloc, env);
    } else {
      changeLog(c, newLog, alloc, env);
    }
    ctx.out.print(`Logical volume ${full} converted.`);
    return 0;
  } finally {
    pool.closeAll();
  }
}

async function finishUp(c: ConvertCall, polling: boolean): Promise<number> {
  const { ctx, loaded, lv } = c;
  const full = `${loaded.vg.name}/${lv.name}`;
  ctx.out.print(polling ? `Logical volume ${full} being converted.` : `Logical volume ${full} converted.`);
  if (!lv.active) {
    ctx.out.print('Conversion starts after activation.');
    return 0;
  }
  await waitForSync(c, loaded.vg.name, lv.name);
  return 0;
}

function allowed(c: ConvertCall) {
  return c.pvArgs.length ? createPvList(c.ctx, c.loaded.vg, c.pvArgs).limits : undefined;
}

function allocOrFail(fn: () => ReturnType<typeof allocate>): ReturnType<typeof allocate> {
  try {
    return fn();
  } catch (e) {
    if (e instanceof AllocError) throw new CommandFailed(...e.lines, 'Unable to allocate extents for mirror(s).');
    throw e;
  }
}

type Env = { devices: DevicePool; systemDir: string };

/** Linear -> mirror: the LV's extents become _mimage_0; the rest is allocated in one go (lv_add_mirrors). */
function upFromLinear(c: ConvertCall, images: number, newLog: number, regionSize: number, alloc: AllocPolicy, env: Env): void {
  const { ctx, loaded, lv } = c;
  const vg = loaded.vg;
  const extents = lvExtents(lv);
  // The new images are linear unless --stripes asks for striped ones (the LV itself may be striped).
  const stripes = c.args.int('stripes') ?? 1;
  const stripeSize = stripes > 1 ? c.args.size('stripesize')?.sectors ?? DEFAULT_STRIPE_SIZE : 0;
  if (stripes > 1 && !c.args.has('stripesize')) ctx.out.print(`Using default stripesize ${displaySize(stripeSize)}.`);
  if (stripes > 1 && extents % stripes) throw new CommandFailed(`Number of extents ${extents} of ${vg.name}/${lv.name} is not a multiple of ${stripes} stripes.`);
  const res = allocOrFail(() => allocate({
    vg, policy: alloc, areaCount: (images - 1) * stripes, extents: extents / stripes, logCount: newLog,
    logLen: mirrorLogExtents(regionSize, vg.extentSize, extents),
    allowedPvs: allowed(c), lvName: '', parallelAreas: buildParallelAreas(vg, lv.name),
    mirrorLogsRequireSeparatePvs: ctx.config.bool('allocation/mirror_logs_require_separate_pvs', false),
  }));
  makeMirror(vg, lv, res.areas, res.logs, regionSize, c.args.str('alloc') ? alloc : 'inherit', stripes, stripeSize);
  // Durable intent: the log says "nothing in sync" before the layout is committed; regions are
  // "written" where any leg's extents ever held data (the rest are zeros on every leg).
  withLvLock(ctx.systemDir, lv.uuid, () => {
    prepareLog(env, vg, lv, { sync: false, written: writtenFromImages(env.devices, vg, lv) });
    // The images after the first are copies still to be made: valid only where the log is in sync.
    addNewLegs(ctx.systemDir, lv.uuid, mirrorImages(vg, lv).slice(1).map((i) => i.name));
    commitVg(ctx, loaded, `lvconvert --type mirror ${vg.name}/${lv.name}`);
  });
}

/** m-way -> n-way: new images (avoiding every PV of the mirror), through the _mimagetmp layer for a disk log. */
function upMirror(c: ConvertCall, add: number, alloc: AllocPolicy, env: Env): void {
  const { ctx, loaded, lv } = c;
  const vg = loaded.vg;
  const before = readBitmaps(env, vg, lv);
  const extents = lvExtents(lv);
  const res = allocOrFail(() => allocate({
    vg, policy: alloc, areaCount: add, extents, logCount: 0, logLen: 0, allowedPvs: allowed(c), lvName: '',
    parallelAreas: buildParallelAreas(vg, lv.name),
  }));
  withLvLock(ctx.systemDir, lv.uuid, () => {
    const had = new Set(mirrorImages(vg, lv).map((i) => i.name));
    const layer = addImages(vg, lv, res.areas);
    // The LV's (core) log now tracks the new images: nothing in sync; written as before.
    prepareLog(env, vg, lv, { sync: false, written: before?.written ?? true });
    addNewLegs(ctx.systemDir, lv.uuid, mirrorImages(vg, lv).map((i) => i.name).filter((n) => !had.has(n) && n !== layer));
    commitVg(ctx, loaded, `lvconvert -m +${add} ${vg.name}/${lv.name}${layer ? ` (layer ${layer})` : ''}`);
  });
}

/** Remove images: those on the PVs given first, then from the end (lv_remove_mirrors). */
function downMirror(c: ConvertCall, remove: number): void {
  const { ctx, loaded, lv } = c;
  const vg = loaded.vg;
  const full = `${vg.name}/${lv.name}`;
  let imgs = flatImages(vg, lv);
  if (c.pvArgs.length) {
    // _remove_mirror_images: images entirely on the PVs given move to the end; the rest of the
    // count is then taken from the end anyway.
    const pvs = c.pvArgs.map((a) => findPvArg(ctx, vg, a.replace(/:.*$/, ''))?.uuid);
    const removable = (img: LogicalVolume) => lvPvs(vg, img).every((p) => pvs.includes(p.uuid));
    const moved: LogicalVolume[] = [];
    for (let i = imgs.length - 1; i >= 0 && moved.length < remove; i--) if (removable(imgs[i]!)) moved.unshift(imgs[i]!);
    imgs = [...imgs.filter((i) => !moved.includes(i)), ...moved];
  }
  const gone = imgs.slice(imgs.length - remove);
  const primary = flatImages(vg, lv)[0]!;
  if (gone.includes(primary) && (mirrorPercent(ctx.systemDir, vg, lv) ?? 0) < 100 && !lv.flags.includes('NOTSYNCED')) {
    throw new CommandFailed(`Unable to remove primary mirror image while mirror volume ${full} is not in-sync.`);
  }
  withLvLock(ctx.systemDir, lv.uuid, () => {
    const { collapsed } = removeImagesDeep(vg, lv, gone.map((g) => g.name));
    commitVg(ctx, loaded, `lvconvert -m -${remove} ${full}`);
    if (collapsed) dropCoreLog(ctx.systemDir, lv);
    if (!isMirror(lv)) dropMirrorFiles(ctx.systemDir, lv.uuid);
  });
}

/** Change the log type (_lv_update_log_type): core <-> disk (<-> mirrored), carrying the region state over. */
export function changeLog(c: ConvertCall, newLog: number, alloc: AllocPolicy, env: Env): void {
  const { ctx, loaded, lv } = c;
  const vg = loaded.vg;
  const bits = readBitmaps(env, vg, lv);
  const old = logCount(vg, lv);
  if (old === 2 && newLog === 1) {
    // mirrored -> disk: the log keeps its first copy (LVM2 removes the log's second image).
    withLvLock(ctx.systemDir, lv.uuid, () => {
      const log = logTree(vg, lv)[0]!;
      const legs = mirrorImages(vg, log);
      log.segments = legs[0]!.segments;
      vg.lvs = vg.lvs.filter((l) => !legs.includes(l));
      prepareLog(env, vg, lv, bits ? { sync: bits.sync, written: bits.written } : { sync: false, written: true });
      commitVg(ctx, loaded, `lvconvert --mirrorlog disk ${vg.name}/${lv.name}`);
    });
    return;
  }
  let logs: ReturnType<typeof allocate>['logs'] = [];
  if (newLog > 0) {
    const seg = lv.segments[0]!;
    logs = allocOrFail(() => allocate({
      vg, policy: alloc, areaCount: 0, extents: 0, logCount: newLog,
      logLen: mirrorLogExtents(seg.regionSize, vg.extentSize, lvExtents(lv)), allowedPvs: allowed(c), lvName: '',
      parallelAreas: buildParallelAreas(vg, lv.name),
      mirrorLogsRequireSeparatePvs: ctx.config.bool('allocation/mirror_logs_require_separate_pvs', false),
    })).logs;
  }
  withLvLock(ctx.systemDir, lv.uuid, () => {
    setLog(vg, lv, logs, c.args.str('alloc') ? alloc : 'inherit');
    prepareLog(env, vg, lv, bits ? { sync: bits.sync, written: bits.written } : { sync: false, written: true });
    commitVg(ctx, loaded, `lvconvert --mirrorlog ${['core', 'disk', 'mirrored'][newLog]} ${vg.name}/${lv.name}`);
    if (newLog > 0) dropCoreLog(ctx.systemDir, lv);
  });
}

/**
 * Bring a mirror (or a linear LV) to `images` images and `logs` log copies, committing the layout
 * (used by --repair to re-add what failed). True when new images need a copy (polling).
 */
export function convertTo(c: ConvertCall, images: number, logs: number, alloc: AllocPolicy): boolean {
  const { loaded, lv } = c;
  const vg: VolumeGroup = loaded.vg;
  const pool = new DevicePool(c.ctx.systemDir);
  const env = { devices: pool, systemDir: c.ctx.systemDir };
  try {
    if (!isMirror(lv)) {
      if (images <= 1) return false;
      upFromLinear(c, images, logs, lv.segments[0]?.regionSize || defaultRegionSize(c.ctx.config), alloc, env);
      return true;
    }
    const cur = mirrorCount(vg, lv);
    if (logs !== logCount(vg, lv)) changeLog(c, logs, alloc, env);
    if (images > cur) {
      upMirror(c, images - cur, alloc, env);
      return true;
    }
    return false;
  } finally {
    pool.closeAll();
  }
}

/** Commit, and make `loaded` the base of the next commit of the same command (several steps). */
export function commitVg(ctx: Context, loaded: LoadedVg, description: string): void {
  commitOnce(ctx, loaded, description);
  loaded.readSeqno = loaded.vg.seqno;
  loaded.snapshot = vgJson(loaded.vg);
}
