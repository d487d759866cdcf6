// lvcreate's VG stage (LVM2 tools/lvcreate.c _lvcreate_single, _update_extents_params and
// lib/metadata/lv_manip.c _lv_create_an_lv): size in extents, PV list, the checks in LVM2's
// order, allocation, commit, then activation state and zeroing of the new LV's start.
import type { Context } from '../cli/context.js';
import { CommandFailed } from '../cli/errors.js';
import { visibleLvCount } from '../model/vg-query.js';
import { commitVg, readVgForUpdate } from '../cli/toollib.js';
import { allocate, AllocError, checkStripeCount, checkVgFree, type PvRangeLimit } from '../alloc/index.js';
import type { LogicalVolume, VolumeGroup } from '../model/types.js';
import { findLv } from '../model/vg-query.js';
import { nextLvolName } from '../model/names.js';
import { vgExtentCount, vgFreeExtents } from '../model/pv-map.js';
import { freeSpaceAsRead } from '../store/used-space.js';
import { newUuid } from '../model/uuid.js';
import type { LoadedVg } from '../store/metadata-store.js';
import type { CreateParams } from './create-params.js';
import { displayLvName } from './common.js';
import { extentsFromSize, percentOfExtents } from './extents-arg.js';
import { displaySize } from '../model/units.js';
import { createPvList, pvListFreeExtents } from './pv-list.js';
import { mergeSegments, segmentsFromRuns } from './segments.js';
import { zeroLvStart } from './wipe.js';

const PAGE_SECTORS = 8;

interface Sized {
  extents: number;
  pvCount: number;
  allowed?: PvRangeLimit[];
}

/** _update_extents_params(): extents from -L/-l, the PV list, percentages. */
function sizeInExtents(ctx: Context, vg: VolumeGroup, p: CreateParams, say: (l: string) => void): Sized {
  let extents = p.size !== undefined ? extentsFromSize(say, p.size, vg.extentSize) : p.extents!.value;
  const list = p.pvArgs.length ? createPvList(ctx, vg, p.pvArgs) : undefined;
  const pct = p.size === undefined ? p.extents!.percent : undefined;
  if (pct) {
    const free = vgFreeExtents(vg);
    let n: number;
    switch (pct) {
      case 'VG':
        n = percentOfExtents(extents, vgExtentCount(vg));
        if (n > free) {
          n = free;
          say(`Reducing ${extents}%VG to remaining free space ${displaySize(vg.extentSize * n)} in VG.`);
        }
        break;
      case 'FREE':
        n = percentOfExtents(extents, free);
        break;
      case 'PVS':
        n = percentOfExtents(extents, list ? pvListFreeExtents(vg, list) : vgExtentCount(vg));
        break;
      default:
        throw new CommandFailed('Please express size as %FREE, %PVS or %VG.');
    }
    if (!n) throw new CommandFailed('Calculated size of logical volume is 0 extents. Needs to be larger.');
    if (p.mirrors > 1) n = Math.max(1, Math.floor(n / p.mirrors));
    extents = n;
    const stripeExtents = Math.max(1, Math.floor(p.stripeSize / vg.extentSize));
    const rest = p.stripes > 1 ? extents % (p.stripes * stripeExtents) : 0;
    if (rest && free < extents - rest + p.stripes * stripeExtents) {
      say(`Rounding size (${extents} extents) down to stripe boundary size (${extents - rest} extents)`);
      extents -= rest;
    }
  }
  return { extents, pvCount: list ? list.pvs.length : vg.pvs.length, allowed: list?.limits };
}

/** _round_to_stripe_boundary(..., extend=1). */
function roundToStripes(vg: VolumeGroup, extents: number, stripes: number, say: (l: string) => void): number {
  const rest = stripes > 1 ? extents % stripes : 0;
  if (!rest) return extents;
  const n = extents + stripes - rest;
  say(`Rounding size ${displaySize(extents * vg.extentSize)} (${extents} extents) up to stripe boundary size ` +
    `${displaySize(n * vg.extentSize)} (${n} extents).`);
  return n;
}

function zeroCheck(p: CreateParams): boolean {
  const why = `${p.writable ? '' : 'read-only '}${p.activate ? '' : 'inactive '}${p.activationSkip ? 'skipped from activation ' : ''}`;
  if (why) {
    if (p.zeroArg) {
      throw new CommandFailed(`Cannot zero ${why}logical volume with option -Zy or -Wy.`);
    }
    return false;
  }
  return p.zeroArg ?? true;
}

export async function createLv(ctx: Context, p: CreateParams, say: (l: string) => void): Promise<number> {
  const loaded = readVgForUpdate(ctx, p.vgName);
  const vg = loaded.vg;
  if (typeof p.readAhead === 'number' && p.readAhead % PAGE_SECTORS) {
    p.readAhead = p.readAhead < PAGE_SECTORS ? PAGE_SECTORS : Math.floor(p.readAhead / PAGE_SECTORS) * PAGE_SECTORS;
    ctx.out.warn(`WARNING: Overriding readahead to ${p.readAhead} sectors, a multiple of ${PAGE_SECTORS / 2}K page size.`);
  }
  if (p.segtype === 'raid' && p.segtypeName !== 'raid1') {
    throw new CommandFailed(`Segment type ${p.segtypeName} is not available in tsvm yet; raid1 and mirror are.`);
  }
  let zero = zeroCheck(p);
  const sized = sizeInExtents(ctx, vg, p, say);
  if (p.lvName && findLv(vg, p.lvName)) {
    throw new CommandFailed(`Logical Volume "${p.lvName}" already exists in volume group "${vg.name}"`);
  }
  // _vg_check_features: vg_max_lv_reached
  if (vg.maxLv && visibleLvCount(vg) >= vg.maxLv) {
    throw new CommandFailed(`Maximum number of logical volumes (${vg.maxLv}) reached in volume group ${vg.name}`);
  }
  if (p.stripeSize > vg.extentSize) {
    say(`Reducing requested stripe size ${displaySize(p.stripeSize)} to maximum, physical extent size ${displaySize(vg.extentSize)}.`);
    p.stripeSize = vg.extentSize;
  }
  const extents = roundToStripes(vg, sized.extents, p.stripes, say);
  if (p.segtype === 'mirror') return createMirror(ctx, loaded, p, { ...sized, extents }, zero);
  if (p.segtype === 'raid') return createRaid1(ctx, loaded, p, { ...sized, extents }, zero);

  const stripeErr = checkStripeCount(p.stripes, sized.pvCount, p.alloc === 'anywhere' ? 'anywhere' : 'normal');
  if (stripeErr) throw new CommandFailed(...stripeErr);
  const approx = p.extents?.percent !== undefined;
  // the space the LVs use, for the free-space check and the allocation: the read cache's index of
  // this version (at 10,000 LVs a walk over every LV's areas was ~15-25 ms), else one walk
  const free = freeSpaceAsRead(loaded);
  if (!approx) {
    const freeErr = checkVgFree(vg, extents, free.extents);
    if (freeErr) throw new CommandFailed(...freeErr);
  }
  const name = p.lvName ?? nextLvolName(vg.lvs.map((l) => l.name));
  let result;
  try {
    result = allocate({
      vg, policy: p.alloc, areaCount: p.stripes, extents: extents / p.stripes, logCount: 0, logLen: 0,
      allowedPvs: sized.allowed, lvName: name, freeRuns: free.runs,
    });
  } catch (e) {
    if (e instanceof AllocError) throw new CommandFailed(...e.lines);
    throw e;
  }
  const lv: LogicalVolume = {
    uuid: newUuid(), name, visible: true, writable: p.writable, alloc: p.alloc, active: p.activate,
    creationTime: ctx.now(), creationHost: ctx.host, tags: [...new Set(p.tags)], readAhead: p.readAhead,
    flags: p.activationSkip ? ['ACTIVATION_SKIP'] : [],
    segments: mergeSegments(segmentsFromRuns(result.areas, 0, p.stripeSize)),
  };
  vg.lvs.push(lv);
  commitVg(ctx, loaded, `lvcreate ${vg.name}/${name}`);
  if (zero && p.activate) {
    try {
      zeroLvStart(vg, lv);
    } catch (e) {
      revert(ctx, vg, lv);
      throw new CommandFailed('Aborting. Failed to wipe start of new LV.', String((e as Error).message));
    }
  } else {
    zero = false;
  }
  if (!zero) ctx.out.warn(`WARNING: Logical volume ${displayLvName(vg, lv)} not zeroed.`);
  say(`Logical volume "${name}" created.`);
  return 0;
}

/** Undo a committed creation whose device-side step failed (revert_new_lv). */
function revert(ctx: Context, vg: VolumeGroup, lv: LogicalVolume): void {
  const again = readVgForUpdate(ctx, vg.name);
  again.vg.lvs = again.vg.lvs.filter((l) => l.uuid !== lv.uuid);
  commitVg(ctx, again, `lvcreate: revert ${vg.name}/${lv.name}`);
}

async function createMirror(ctx: Context, loaded: LoadedVg, p: CreateParams, sized: Sized, zero: boolean): Promise<number> {
  const { createMirrorLv } = await import('../mirror/create.js');
  return createMirrorLv(ctx, loaded, {
    name: p.lvName, extents: sized.extents, mirrors: p.mirrors, log: p.mirrorLog, regionSize: p.regionSize,
    nosync: p.nosync, alloc: p.alloc, allowedPvs: sized.allowed, activate: p.activate, zero, monitor: p.monitor,
    stripes: p.stripes, stripeSize: p.stripeSize,
  });
}

async function createRaid1(ctx: Context, loaded: LoadedVg, p: CreateParams, sized: Sized, zero: boolean): Promise<number> {
  const { createRaid1Lv } = await import('../raid/create.js');
  return createRaid1Lv(ctx, loaded, {
    name: p.lvName, extents: sized.extents, mirrors: p.mirrors, regionSize: p.regionSize, nosync: p.nosync, alloc: p.alloc,
    allowedPvs: sized.allowed, activate: p.activate, zero, monitor: p.monitor, minRecoveryRate: p.minRecoveryRate ?? 0,
    maxRecoveryRate: p.maxRecoveryRate ?? 0, readAhead: p.readAhead, tags: p.tags, writable: p.writable,
  });
}
