// lvextend / lvreduce / lvresize (LVM2 tools/lvresize.c and lib/metadata/lv_manip.c lv_resize:
// _lvresize_adjust_size, _lvresize_extents_from_percent, _lvresize_adjust_extents,
// _request_confirmation, _lvresize_volume). Linear and striped LVs are resized here; the new
// extents come from the allocator, which clings to the LV's previous segments as LVM2 does.
import { trimLost } from '../lv-io/lost-regions.js';
import type { Args } from '../cli/args.js';
import type { Context } from '../cli/context.js';
import { CommandFailed, InvalidCommandLine } from '../cli/errors.js';
import { noMatchingSyntaxLines } from '../cli/help.js';
import { commitVg, readVgForUpdate } from '../cli/toollib.js';
import { allocate, AllocError, type PvRangeLimit } from '../alloc/index.js';
import type { AllocPolicy, LogicalVolume, VolumeGroup } from '../model/types.js';
import { lvExtents } from '../model/types.js';
import { findLv, isMirrorLike } from '../model/vg-query.js';
import { vgExtentCount, vgFreeExtents } from '../model/pv-map.js';
import { DEFAULT_STRIPE_SIZE } from '../model/defaults.js';
import type { LoadedVg } from '../store/metadata-store.js';
import { displayLvName, printer, usageError } from './common.js';
import { percentOfExtents } from './extents-arg.js';
import { displaySize } from '../model/units.js';
import { createPvList, pvListFreeExtents } from './pv-list.js';
import { mergeSegments, segmentsFromRuns, truncateSegments } from './segments.js';

export type ResizeMode = 'extend' | 'reduce' | 'any';
type Sign = '+' | '-' | '';

interface ResizeParams {
  vg: string;
  lv: string;
  sign: Sign;
  size?: number;
  extents?: number;
  percent?: 'VG' | 'FREE' | 'PVS' | 'LV' | 'ORIGIN';
  stripes: number;
  stripeSize: number;
  pvArgs: string[];
}

/** _lvresize_params(): the command line (exit 3 on errors). */
function readParams(ctx: Context, args: Args, mode: ResizeMode): ResizeParams {
  const size = args.size('size');
  const ext = args.extents('extents');
  if (mode === 'reduce') {
    for (const [opt, word, val] of [['size', 'Size', size], ['extents', 'Extents', ext]] as const) {
      if (val?.sign === '+') {
        throw new InvalidCommandLine(`${word} may not be positive.`, `Invalid argument for --${opt}: ${args.str(opt)}`,
          'Error during parsing of command line.');
      }
    }
  }
  const pos = args.positionals;
  if (!pos.length || (!size && !ext && pos.length < 2)) {
    if (mode === 'reduce' && !pos.length) {
      ctx.out.print('lvreduce -L|--size [-]Size[m|UNIT] LV');
      ctx.out.raw('\n');
      throw new InvalidCommandLine(...noMatchingSyntaxLines(ctx.cmd), 'Correct command syntax is:');
    }
    throw new InvalidCommandLine(...noMatchingSyntaxLines(ctx.cmd));
  }
  const t = args.str('type');
  if (t !== undefined && !['linear', 'striped', 'mirror', 'raid1'].includes(t)) {
    throw new CommandFailed(`Resizing with --type ${t} is not supported by tsvm.`);
  }
  const zero = (['extents', 'size', 'stripes', 'stripesize'] as const).find((o) =>
    o === 'extents' ? ext?.value === 0 : o === 'size' ? size?.sectors === 0 : o === 'stripesize' ? args.size(o)?.sectors === 0 : args.has(o) && args.int(o) === 0);
  if (zero) throw usageError(ctx.cmd, `--${zero} may not be zero.`);
  if (size && ext) throw usageError(ctx.cmd, 'Please specify either size or extents but not both.');
  const p: ResizeParams = { vg: '', lv: '', sign: '', stripes: args.int('stripes') ?? 0, stripeSize: args.size('stripesize')?.sectors ?? 0, pvArgs: pos.slice(1) };
  if (ext) {
    p.sign = ext.sign;
    p.extents = ext.value;
    p.percent = ext.percent;
  } else if (size) {
    p.sign = size.sign;
    p.size = size.sectors;
  } else {
    p.extents = 100;
    p.percent = 'PVS';
    p.sign = '+';
  }
  if (mode === 'extend' && p.sign === '-') throw usageError(ctx.cmd, 'Negative argument not permitted - use lvreduce.');
  if (mode === 'reduce' && p.sign === '+') throw usageError(ctx.cmd, 'Positive sign not permitted - use lvextend.');
  let lvArg = pos[0]!.startsWith('/dev/') ? pos[0]!.slice(5) : pos[0]!;
  if (lvArg.includes('/')) {
    const m = /^([^/]*)\/+([^/]*)$/.exec(lvArg);
    if (!m) throw usageError(ctx.cmd, `"${pos[0]}": Invalid path for Logical Volume.`);
    p.vg = m[1]!;
    lvArg = m[2]!;
  } else if (ctx.env.LVM_VG_NAME) {
    p.vg = ctx.env.LVM_VG_NAME;
  } else {
    throw usageError(ctx.cmd, 'Please specify a logical volume path.');
  }
  p.lv = lvArg;
  if (args.has('resizefs')) {
    throw new CommandFailed('tsvm has no filesystem tools: --resizefs is not supported. Resize the filesystem yourself ' +
      '(before reducing, after extending) and run the command without -r.');
  }
  return p;
}

interface Plan {
  newExtents: number;
  stripes: number;
  stripeSize: number;
}

/** Percentages into extents (_lvresize_extents_from_percent). Returns [extents, arePes]. */
function fromPercent(vg: VolumeGroup, lv: LogicalVolume, p: ResizeParams, say: (l: string) => void,
  listFree: number | undefined): [number, boolean] {
  const up = p.sign !== '-';
  const cur = lvExtents(lv);
  const pct = p.percent!;
  let n: number;
  switch (pct) {
    case 'VG':
      n = percentOfExtents(p.extents!, vgExtentCount(vg), up);
      if (p.sign === '' && n > cur + vgFreeExtents(vg)) {
        n = cur + vgFreeExtents(vg);
        say(`Reducing ${p.extents}%VG to remaining free space ${displaySize(vg.extentSize * n)} in VG.`);
      }
      break;
    case 'FREE':
      n = percentOfExtents(p.extents!, vgFreeExtents(vg), up);
      break;
    case 'LV':
      n = percentOfExtents(p.extents!, cur, up);
      break;
    case 'PVS':
      n = percentOfExtents(p.extents!, listFree ?? vgExtentCount(vg), up);
      break;
    default:
      throw new CommandFailed('Specified LV does not have an origin LV.');
  }
  return [n, pct !== 'LV'];
}

/** _lvresize_adjust_size / _lvresize_adjust_extents: the new size, stripes, and LVM2's refusals. */
function plan(vg: VolumeGroup, lv: LogicalVolume, p: ResizeParams, mode: ResizeMode, say: (l: string) => void,
  listFree: number | undefined): Plan {
  const cur = lvExtents(lv);
  let extents: number;
  let arePes = false;
  if (p.size !== undefined) {
    let size = p.size;
    const adjust = size % vg.extentSize;
    if (adjust) {
      if (p.sign !== '-') size += vg.extentSize;
      size -= adjust;
      say(`Rounding size to boundary between physical extents: ${displaySize(size)}.`);
    }
    extents = size / vg.extentSize;
  } else if (p.percent) {
    [extents, arePes] = fromPercent(vg, lv, p, say, listFree);
  } else {
    extents = p.extents!;
  }
  const mirrors = isMirrorLike(lv) ? lv.segments[0]!.areas.length : 0;
  if (arePes && mirrors) extents = Math.floor(extents / mirrors);
  const reducing = p.sign === '-' || (p.sign === '' && extents < cur);
  let stripes = p.stripes;
  let stripeSize = p.stripeSize;
  let segSize = 0;
  if (!reducing) {
    if (mirrors) say(`Extending ${mirrors} mirror images.`);
    if (!(stripes === 1 || (stripes > 1 && stripeSize))) {
      let segStripes = 0;
      let segStripeSize = 0;
      const segs = mirrors ? [] : lv.segments;
      for (const s of segs) {
        if (s.type !== 'striped') continue;
        const sz = s.stripeSize;
        const str = s.areas.length;
        if ((segStripeSize && segStripeSize !== sz && sz && !stripeSize) || (segStripes && segStripes !== str && !stripes)) {
          throw new CommandFailed('Please specify number of stripes (-i) and stripesize (-I)');
        }
        segStripeSize = sz;
        segStripes = str;
      }
      if (mirrors) segStripes = 1;
      if (!stripes) stripes = segStripes;
      if (!stripeSize && stripes > 1) {
        if (segStripeSize) {
          say(`Using stripesize of last segment ${displaySize(segStripeSize)}`);
          stripeSize = segStripeSize;
        } else {
          stripeSize = DEFAULT_STRIPE_SIZE;
          say(`Using default stripesize ${displaySize(stripeSize)}`);
        }
      }
    }
    segSize = p.sign === '+' ? extents : extents - cur;
    extents = cur + segSize;
  } else {
    if (p.stripes || p.stripeSize) say('Ignoring stripes, stripesize and mirrors arguments when reducing.');
    if (p.sign === '-') {
      if (extents >= cur) throw new CommandFailed(`Unable to reduce ${displayLvName(vg, lv)} below 1 extent.`);
      extents = cur - extents;
    }
    const last = lv.segments.find((s) => extents <= s.startLe + s.extentCount) ?? lv.segments[lv.segments.length - 1]!;
    segSize = extents - last.startLe;
    stripes = last.type === 'striped' ? last.areas.length : 1;
    stripeSize = last.stripeSize;
  }
  if (!extents) throw new CommandFailed('New size of 0 not permitted.');
  if (extents === cur) throw new CommandFailed(`New size (${extents} extents) matches existing size (${cur} extents).`);
  if (stripes > 1) {
    let stripeExtents = stripes;
    if (stripeSize > vg.extentSize) stripeExtents *= stripeSize / vg.extentSize;
    const rest = segSize % stripeExtents;
    if (rest && (extents < cur || !p.percent || vgFreeExtents(vg) >= extents - cur - rest + stripeExtents)) {
      say(`Rounding size (${extents} extents) up to stripe boundary size for segment (${extents - rest + stripeExtents} extents).`);
      extents = extents - rest + stripeExtents;
    } else if (rest) {
      say(`Rounding size (${extents} extents) down to stripe boundary size for segment (${extents - rest} extents)`);
      extents -= rest;
    }
  }
  if (extents < cur && mode === 'extend') {
    throw new CommandFailed(`New size given (${extents} extents) not larger than existing size (${cur} extents)`);
  }
  if (extents > cur && mode === 'reduce') {
    throw new CommandFailed(`New size given (${extents} extents) not less than existing size (${cur} extents)`);
  }
  if (extents === cur) throw new CommandFailed(`New size (${extents} extents) matches existing size (${cur} extents)`);
  return { newExtents: extents, stripes: Math.max(1, stripes), stripeSize };
}

/** _request_confirmation(): only an active LV is worth a warning when it shrinks. */
function confirmReduce(ctx: Context, args: Args, vg: VolumeGroup, lv: LogicalVolume, extents: number): void {
  if (!lv.active) return;
  ctx.out.warn(`WARNING: Reducing active logical volume to ${displaySize(extents * vg.extentSize)}.`);
  ctx.out.warn('THIS MAY DESTROY YOUR DATA (filesystem etc.)');
  if (args.has('force') || args.has('yes')) return;
  if (!ctx.yesNo(`Do you really want to reduce ${displayLvName(vg, lv)}? [y/n]: `)) {
    throw new CommandFailed(`Logical volume ${displayLvName(vg, lv)} NOT reduced.`);
  }
}

function extendSegments(vg: VolumeGroup, lv: LogicalVolume, pl: Plan, alloc: AllocPolicy, allowed: PvRangeLimit[] | undefined): void {
  const cur = lvExtents(lv);
  const add = pl.newExtents - cur;
  let result;
  try {
    result = allocate({
      vg, policy: alloc, areaCount: pl.stripes, extents: add / pl.stripes, logCount: 0, logLen: 0, allowedPvs: allowed,
      previous: lv.segments, lvName: lv.name,
    });
  } catch (e) {
    if (e instanceof AllocError) throw new CommandFailed(...e.lines);
    throw e;
  }
  const added = segmentsFromRuns(result.areas, cur, pl.stripes > 1 ? pl.stripeSize : 0);
  lv.segments = mergeSegments([...lv.segments, ...added]);
}

type MirrorResize = {
  resizeMirrorLv(ctx: Context, loaded: LoadedVg, lv: LogicalVolume, newExtents: number, allowedPvs: PvRangeLimit[] | undefined,
    args: Args, resized: () => void): Promise<number> | number;
};

/** _validate_stripesize(): at most the extent size (reduced with a notice), a power of 2. */
function validateStripeSize(vg: VolumeGroup, stripeSize: number, say: (l: string) => void): number {
  const limit = 2 * ((0xffffffff >>> 2) + 1);
  if (stripeSize > limit) throw new CommandFailed(`Stripe size cannot be larger than ${displaySize(limit / 2)}.`);
  let size = stripeSize;
  if (size > vg.extentSize) {
    say(`Reducing stripe size ${displaySize(size)} to maximum, physical extent size ${displaySize(vg.extentSize)}.`);
    size = vg.extentSize;
  }
  if (size & (size - 1)) throw new CommandFailed('Stripe size must be power of 2.');
  return size;
}

export async function resizeCommand(ctx: Context, args: Args, mode: ResizeMode): Promise<number> {
  const p = readParams(ctx, args, mode);
  const say = printer(ctx, args);
  const loaded = readVgForUpdate(ctx, p.vg);
  const vg = loaded.vg;
  const lv = findLv(vg, p.lv);
  if (!lv) throw new CommandFailed(`Logical volume ${p.lv} not found in volume group ${vg.name}.`);
  const list = p.pvArgs.length ? createPvList(ctx, vg, p.pvArgs) : undefined;
  if (!lv.visible) throw new CommandFailed(`Can't resize internal logical volume ${displayLvName(vg, lv)}.`);
  if (lv.flags.includes('LOCKED')) throw new CommandFailed(`Can't resize locked logical volume ${displayLvName(vg, lv)}.`);
  if (p.stripeSize) p.stripeSize = validateStripeSize(vg, p.stripeSize, say);
  const pl = plan(vg, lv, p, mode, say, list ? pvListFreeExtents(vg, list) : undefined);
  const cur = lvExtents(lv);
  const reduce = pl.newExtents < cur;
  if (reduce && list) say('Ignoring PVs on command line when reducing.');
  if (reduce) confirmReduce(ctx, args, vg, lv, pl.newExtents);
  const before = `${displaySize(cur * vg.extentSize)} (${cur} extents)`;
  const after = `${displaySize(pl.newExtents * vg.extentSize)} (${pl.newExtents} extents)`;
  // (_lvresize_volume says it once the extents are allocated, before vg_write, which may still refuse)
  const resized = () => say(`Size of logical volume ${displayLvName(vg, lv)} changed from ${before} to ${after}.`);
  // raid1 too: the same engine (its bitmap rewritten in the rmetas for the new region count)
  if (isMirrorLike(lv)) {
    const mod: MirrorResize = await import('../mirror/resize.js');
    const rc = await mod.resizeMirrorLv(ctx, loaded, lv, pl.newExtents, list?.limits, args, resized);
    if (rc) return rc;
  } else {
    if (reduce) lv.segments = truncateSegments(lv.segments, pl.newExtents);
    else extendSegments(vg, lv, pl, (args.str('alloc') as AllocPolicy | undefined) ?? lv.alloc, list?.limits);
    resized();
    commitVg(ctx, loaded, `${ctx.cmd} ${displayLvName(vg, lv)}`);
  }
  // Lost regions (lv-io/lost-regions.ts) past the new end are gone with the extents under them.
  if (reduce) trimLost(ctx.systemDir, lv.uuid, pl.newExtents * vg.extentSize * 512);
  say(`Logical volume ${displayLvName(vg, lv)} successfully resized.`);
  return 0;
}
