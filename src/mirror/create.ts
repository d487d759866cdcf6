// lvcreate --type mirror (LVM2 lv_manip.c _lv_create_an_lv with a mirror segtype): every image and
// the log come from one allocation; the log is written before the metadata commit; the initial
// sync then runs in the background (the kernel's job in LVM2), copying only regions ever written.
import { AllocError, allocate, type PvRangeLimit } from '../alloc/index.js';
import type { Context } from '../cli/context.js';
import { CommandFailed } from '../cli/errors.js';
import { commitVg } from '../cli/toollib.js';
import { DevicePool } from '../device/device-pool.js';
import { nextLvolName } from '../model/names.js';
import type { AllocPolicy, LogicalVolume, VolumeGroup } from '../model/types.js';
import { lvExtents, SECTOR } from '../model/types.js';
import { displaySize } from '../model/units.js';
import { monitorOnActivation } from './monitoring.js';
import { newUuid } from '../model/uuid.js';
import type { LoadedVg } from '../store/metadata-store.js';
import { ensureSyncing } from './daemon.js';
import { adjustedRegionSize, defaultRegionSize, MAX_MIRROR_IMAGES, newMirrorLv } from './layout.js';
import { mirrorLogExtents } from './log-format.js';
import { prepareLog } from './log-init.js';
import { MirrorDevice } from './mirror-device.js';
import type { MirrorIoEnv } from './lv-device.js';

export interface CreateMirrorRequest {
  name?: string;
  extents: number;
  /** Images in total (lvcreate's -m N gives N+1). */
  mirrors: number;
  log: 'disk' | 'core' | 'mirrored';
  /** Sectors, from -R. */
  regionSize?: number;
  nosync: boolean;
  alloc: AllocPolicy;
  allowedPvs?: PvRangeLimit[];
  activate: boolean;
  zero: boolean;
  /** --monitor y|n with the activation (undefined: activation/monitoring). */
  monitor?: string;
  /** -i: each image striped over this many PVs (with stripeSize sectors per stripe). */
  stripes?: number;
  stripeSize?: number;
}

export async function createMirrorLv(ctx: Context, loaded: LoadedVg, req: CreateMirrorRequest): Promise<number> {
  const vg = loaded.vg;
  const name = req.name ?? nextLvolName(vg.lvs.map((l) => l.name));
  const images = Math.max(2, req.mirrors);
  if (images > MAX_MIRROR_IMAGES) throw new CommandFailed(`Only up to ${MAX_MIRROR_IMAGES} images in mirror supported currently.`);
  const adj = adjustedRegionSize(vg.extentSize, req.extents, req.regionSize ?? defaultRegionSize(ctx.config));
  if (adj.reduced) ctx.out.print(`Using reduced mirror region size of ${displaySize(adj.size)}`);
  const logCount = req.log === 'core' ? 0 : req.log === 'disk' ? 1 : 2;
  const stripes = Math.max(1, req.stripes ?? 1);
  if (req.nosync) ctx.out.warn("WARNING: New mirror won't be synchronised. Don't read what you didn't write!");
  let result;
  try {
    // Striped images: images x stripes parallel areas, each a stripe of one image (LVM2 area_multiple)
    result = allocate({
      vg, policy: req.alloc, areaCount: images * stripes, extents: req.extents / stripes, logCount,
      logLen: mirrorLogExtents(adj.size, vg.extentSize, req.extents), allowedPvs: req.allowedPvs, lvName: name,
      mirrorLogsRequireSeparatePvs: ctx.config.bool('allocation/mirror_logs_require_separate_pvs', false),
    });
  } catch (e) {
    if (e instanceof AllocError) throw new CommandFailed(...e.lines);
    throw e;
  }
  const top: LogicalVolume = {
    uuid: newUuid(), name, visible: true, writable: true, alloc: req.alloc, active: req.activate,
    creationTime: ctx.now(), creationHost: ctx.host, tags: [], readAhead: 'auto',
    flags: req.nosync ? ['NOTSYNCED'] : [], segments: [],
  };
  vg.lvs.push(top);
  newMirrorLv(vg, top, result.areas, result.logs, adj.size, req.extents, stripes, req.stripeSize ?? 0);
  const pool = new DevicePool(ctx.systemDir);
  const env = { devices: pool, systemDir: ctx.systemDir };
  try {
    // Nothing was ever written: the initial sync has nothing to copy, only bits to set.
    prepareLog(env, vg, top, { sync: req.nosync, written: false });
    commitVg(ctx, loaded, `lvcreate --type mirror ${vg.name}/${name}`);
    if (req.activate) monitorOnActivation(ctx.systemDir, [top.uuid], true, req.monitor);
    const zeroed = req.zero && req.activate && zeroStart(env, vg, top);
    if (!zeroed) ctx.out.warn(`WARNING: Logical volume ${vg.name}/${name} not zeroed.`);
  } finally {
    pool.closeAll();
  }
  ctx.out.print(`Logical volume "${name}" created.`);
  if (req.activate && !req.nosync) ensureSyncing(ctx.systemDir, vg, top);
  return 0;
}

/**
 * Wipe the start of a new mirror-like LV (mirror or raid1) through its legs, as LVM2's lvcreate
 * zeroes the first 4 KiB so an old signature is not found there; true once written and flushed.
 */
export function zeroStart(env: MirrorIoEnv, vg: VolumeGroup, top: LogicalVolume): true {
  const dev = new MirrorDevice(env, vg, top, { writable: true });
  try {
    dev.writeAt(Buffer.alloc(Math.min(4096, lvExtents(top) * vg.extentSize * SECTOR)), 0);
    dev.flush();
    return true;
  } finally {
    dev.close();
  }
}
