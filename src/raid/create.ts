// lvcreate --type raid1 (and -m N under global/mirror_segtype_default = "raid1", LVM2 2.03's
// default): LVM2 lv_manip.c _lv_create_an_lv with a raid segtype. Images and their rmetas come from
// one allocation (each area is rmeta + rimage on one PV, alloc_and_split_meta); the rmetas
// (superblocks, write-intent bitmap) are written before the metadata commit; the initial sync
// then runs in the background (the kernel's md resync in LVM2), copying only regions ever written.
import { AllocError, allocate, type PvRangeLimit } from '../alloc/index.js';
import type { Context } from '../cli/context.js';
import { CommandFailed } from '../cli/errors.js';
import { commitVg } from '../cli/toollib.js';
import { DevicePool } from '../device/device-pool.js';
import { nextLvolName } from '../model/names.js';
import type { AllocPolicy, LogicalVolume } from '../model/types.js';
import { SECTOR } from '../model/types.js';
import { displaySize } from '../model/units.js';
import { newUuid } from '../model/uuid.js';
import type { LoadedVg } from '../store/metadata-store.js';
import { ensureSyncing } from '../mirror/daemon.js';
import { adjustedRegionSize, defaultRegionSize } from '../mirror/layout.js';
import { zeroStart } from '../mirror/create.js';
import { mirrorRegions } from '../mirror/log-init.js';
import { MirrorDevice } from '../mirror/mirror-device.js';
import { monitorOnActivation } from '../mirror/monitoring.js';
import { DEFAULT_RAID1_MAX_IMAGES, newRaid1Lv } from './layout.js';
import { prepareRaid1Meta } from './rmeta-log.js';
import { formatChecksums } from '../mirror/checksums.js';
import { rmetaExtents } from './rmeta-format.js';

export interface CreateRaid1Request {
  name?: string;
  extents: number;
  /** Images in total (-m N gives N+1). */
  mirrors: number;
  regionSize?: number;
  nosync: boolean;
  alloc: AllocPolicy;
  allowedPvs?: PvRangeLimit[];
  activate: boolean;
  zero: boolean;
  monitor?: string;
  /** kiB/sec/disk (0: none). */
  minRecoveryRate: number;
  maxRecoveryRate: number;
  readAhead: 'auto' | number;
  tags: string[];
  writable: boolean;
}

export async function createRaid1Lv(ctx: Context, loaded: LoadedVg, req: CreateRaid1Request): Promise<number> {
  const vg = loaded.vg;
  const name = req.name ?? nextLvolName(vg.lvs.map((l) => l.name));
  const images = Math.max(2, req.mirrors);
  if (images > DEFAULT_RAID1_MAX_IMAGES) throw new CommandFailed(`Only up to ${DEFAULT_RAID1_MAX_IMAGES} mirrors in raid1 supported currently.`);
  const adj = adjustedRegionSize(vg.extentSize, req.extents, req.regionSize ?? defaultRegionSize(ctx.config));
  if (adj.reduced) ctx.out.print(`Using reduced mirror region size of ${displaySize(adj.size)}`);
  if (req.nosync) ctx.out.warn("WARNING: New raid1 won't be synchronised. Don't read what you didn't write!");
  const metaLen = rmetaExtents(req.extents, adj.size, vg.extentSize);
  let result;
  try {
    result = allocate({
      vg, policy: req.alloc, areaCount: images, extents: req.extents + metaLen, logCount: 0, logLen: 0,
      allowedPvs: req.allowedPvs, lvName: name,
    });
  } catch (e) {
    if (e instanceof AllocError) throw new CommandFailed(...e.lines);
    throw e;
  }
  const top: LogicalVolume = {
    uuid: newUuid(), name, visible: true, writable: req.writable, alloc: req.alloc, active: req.activate,
    creationTime: ctx.now(), creationHost: ctx.host, tags: [...new Set(req.tags)], readAhead: req.readAhead,
    flags: req.nosync ? ['NOTSYNCED'] : [], segments: [],
  };
  vg.lvs.push(top);
  newRaid1Lv(vg, top, result.areas, metaLen, adj.size, req.extents);
  const seg = top.segments[0]!;
  if (req.minRecoveryRate) seg.minRecoveryRate = req.minRecoveryRate;
  if (req.maxRecoveryRate) seg.maxRecoveryRate = req.maxRecoveryRate;
  const pool = new DevicePool(ctx.systemDir);
  const env = { devices: pool, systemDir: ctx.systemDir };
  try {
    // Nothing was ever written: the initial sync has nothing to copy, only bits to set.
    prepareRaid1Meta(env, vg, top, mirrorRegions(vg, top), { sync: req.nosync, written: false });
    // Per-block checksums (tsvm's own, activation/raid_checksums): the table in every rmeta.
    formatChecksums(env, vg, top, mirrorRegions(vg, top), ctx.config);
    commitVg(ctx, loaded, `lvcreate --type raid1 ${vg.name}/${name}`);
    if (req.activate) monitorOnActivation(ctx.systemDir, [top.uuid], true, req.monitor);
    const zeroed = req.zero && req.activate && req.writable && zeroStart(env, vg, top);
    if (!zeroed) ctx.out.warn(`WARNING: Logical volume ${vg.name}/${name} not zeroed.`);
  } finally {
    pool.closeAll();
  }
  ctx.out.print(`Logical volume "${name}" created.`);
  if (req.activate && !req.nosync) ensureSyncing(ctx.systemDir, vg, top);
  return 0;
}
