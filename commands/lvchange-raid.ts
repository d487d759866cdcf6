// lvchange's raid1 options (tools/lvchange.c _lvchange_syncaction_single, _lvchange_rebuild,
// _lvchange_writemostly, _lvchange_recovery_rate; lib/activate/activate.c lv_raid_message):
// --syncaction check|repair starts a scrub in the background (src/raid/scrub*.ts), as LVM2 hands it
// to the kernel; --rebuild PV recopies the images on PV; --writemostly PV[:y|n|t], --writebehind,
// --minrecoveryrate/--maxrecoveryrate change the LV's raid1 settings.
import type { Args } from '../src/cli/args.js';
import type { Context } from '../src/cli/context.js';
import { CommandFailed } from '../src/cli/errors.js';
import { commitAndKeep, displayLvName } from '../src/lv/common.js';
import { findPvArg } from '../src/lv/pv-list.js';
import type { LogicalVolume } from '../src/model/types.js';
import { isRaid1, lvPvs } from '../src/model/vg-query.js';
import { DevicePool } from '../src/device/device-pool.js';
import { ensureSyncing } from '../src/mirror/daemon.js';
import { mirrorRegions, readBitmaps } from '../src/mirror/log-init.js';
import { MirrorDevice } from '../src/mirror/mirror-device.js';
import { mirrorPercent } from '../src/mirror/poll.js';
import { addNewLegs, withLvLock } from '../src/mirror/state.js';
import { getBit } from '../src/mirror/log-format.js';
import { raidImages } from '../src/raid/layout.js';
import { runningScrub } from '../src/raid/scrub-state.js';
import { spawnScrub } from '../src/raid/scrub-run.js';
import type { LoadedVg } from '../src/store/metadata-store.js';

export const RAID_OPTIONS = ['syncaction', 'rebuild', 'writemostly', 'writebehind', 'minrecoveryrate', 'maxrecoveryrate'];

function inSync(ctx: Context, loaded: LoadedVg, lv: LogicalVolume): boolean {
  return lv.flags.includes('NOTSYNCED') || (lv.active && (mirrorPercent(ctx.systemDir, loaded.vg, lv) ?? 0) >= 100);
}

/** The raid1 options given for `lv`; returns the exit status. */
export async function changeRaid(ctx: Context, args: Args, loaded: LoadedVg, lv: LogicalVolume, say: (l: string) => void): Promise<number> {
  const vg = loaded.vg;
  const full = displayLvName(vg, lv);
  if (!isRaid1(lv)) {
    const type = lv.segments[0]?.type === 'mirror' ? 'mirror' : lv.segments.some((s) => s.areas.length > 1) ? 'striped' : 'linear';
    if (args.has('syncaction')) throw new CommandFailed(`${full} must be a RAID logical volume to perform this action.`);
    throw new CommandFailed(`Command on LV ${full} does not accept LV type ${type}.`, `Command not permitted on LV ${full}.`);
  }
  if (args.has('syncaction')) return syncaction(ctx, args, loaded, lv);
  if (args.has('rebuild')) return rebuild(ctx, args, loaded, lv);
  const seg = lv.segments[0]!;
  if (args.has('writemostly') || args.has('writebehind')) {
    if (!inSync(ctx, loaded, lv)) {
      throw new CommandFailed(`Unable to change write${args.has('writemostly') ? 'mostly' : 'behind'} on ${full} while it is not in-sync.`);
    }
    if (args.has('writebehind')) {
      const wb = args.int('writebehind') ?? 0;
      if (wb) seg.writebehind = wb;
      else delete seg.writebehind;
    }
    for (const spec of args.all('writemostly')) {
      const m = /^(.*):([ynt])$/.exec(spec);
      const pvName = m ? m[1]! : spec;
      const mode = m ? m[2]! : 'y';
      const pv = findPvArg(ctx, vg, pvName);
      if (!pv) throw new CommandFailed(`${pvName} not found in volume group, ${vg.name}`);
      for (const img of raidImages(vg, lv)) {
        if (!lvPvs(vg, img).includes(pv)) continue;
        const on = img.flags.includes('WRITEMOSTLY');
        const want = mode === 'y' ? true : mode === 'n' ? false : !on;
        img.flags = img.flags.filter((f) => f !== 'WRITEMOSTLY');
        if (want) img.flags.push('WRITEMOSTLY');
      }
    }
    if (raidImages(vg, lv).every((i) => i.flags.includes('WRITEMOSTLY'))) {
      throw new CommandFailed(`Can't set all images of raid1 LV ${full} to writemostly.`);
    }
  }
  if (args.has('minrecoveryrate')) seg.minRecoveryRate = Math.floor(args.size('minrecoveryrate')!.sectors / 2) || undefined;
  if (args.has('maxrecoveryrate')) seg.maxRecoveryRate = Math.floor(args.size('maxrecoveryrate')!.sectors / 2) || undefined;
  if (seg.maxRecoveryRate && (seg.minRecoveryRate ?? 0) > seg.maxRecoveryRate) {
    throw new CommandFailed('Minimum recovery rate cannot be higher than maximum.');
  }
  if (!seg.minRecoveryRate) delete seg.minRecoveryRate;
  if (!seg.maxRecoveryRate) delete seg.maxRecoveryRate;
  withLvLock(ctx.systemDir, lv.uuid, () => commitAndKeep(ctx, loaded, `lvchange ${full}`));
  say(`Logical volume ${full} changed.`);
  return 0;
}

/** lv_raid_message(): only from "idle", only on an active LV. */
function syncaction(ctx: Context, args: Args, loaded: LoadedVg, lv: LogicalVolume): number {
  const full = displayLvName(loaded.vg, lv);
  const msg = args.str('syncaction')!;
  if (!lv.active) throw new CommandFailed('Unable to send message to an inactive logical volume.');
  if (msg !== 'check' && msg !== 'repair') throw new CommandFailed(`"${msg}" is not a supported sync operation.`);
  const running = runningScrub(ctx.systemDir, lv.uuid);
  const current = running ? running.action : inSync(ctx, loaded, lv) ? 'idle' : 'resync';
  if (current !== 'idle') throw new CommandFailed(`${full} state is currently "${current}".  Unable to switch to "${msg}".`);
  spawnScrub(ctx.systemDir, loaded.vg.name, lv.name, lv.uuid, msg);
  return 0;
}

/** _lv_raid_rebuild_or_replace(rebuild = 1): the images on the PVs given are copied again from the others. */
function rebuild(ctx: Context, args: Args, loaded: LoadedVg, lv: LogicalVolume): number {
  const vg = loaded.vg;
  const full = displayLvName(vg, lv);
  const pvArgs = args.all('rebuild');
  if (!args.has('yes') && !ctx.yesNo(`Do you really want to rebuild ${pvArgs.length} PVs of logical volume ${full} [y/n]: `)) {
    throw new CommandFailed(`Logical volume ${full} not rebuild.`);
  }
  const pvs = pvArgs.map((a) => {
    const pv = findPvArg(ctx, vg, a);
    if (!pv) throw new CommandFailed(`Physical Volume "${ctx.device(a).name}" not found in Volume Group "${vg.name}".`);
    return pv;
  });
  if (!lv.active) throw new CommandFailed(`${full} must be active to perform this operation.`);
  if (!inSync(ctx, loaded, lv)) throw new CommandFailed(`Unable to replace devices in ${full} while it is not in-sync.`);
  const imgs = raidImages(vg, lv);
  const hit = imgs.filter((img) => lvPvs(vg, img).some((p) => pvs.includes(p)));
  if (!hit.length) throw new CommandFailed(`Logical volume ${full} does not contain devices specified to rebuild.`);
  if (hit.length === imgs.length) throw new CommandFailed(`Unable to rebuild all PVs from ${full} at once.`);
  const pool = new DevicePool(ctx.systemDir);
  try {
    withLvLock(ctx.systemDir, lv.uuid, () => {
      const bits = readBitmaps({ devices: pool, systemDir: ctx.systemDir }, vg, lv);
      const nr = mirrorRegions(vg, lv);
      // Every written region out of sync, the images rebuilt valid only where in sync (a new leg's rule).
      addNewLegs(ctx.systemDir, lv.uuid, hit.map((i) => i.name));
      const dev = new MirrorDevice({ devices: pool, systemDir: ctx.systemDir }, vg, lv, { writable: true });
      try {
        const ch = new Map<number, boolean>();
        for (let r = 0; r < nr; r++) if (!bits || getBit(bits.written, r)) ch.set(r, false);
        dev.log?.update('sync', ch, true);
      } finally {
        dev.close();
      }
    });
  } finally {
    pool.closeAll();
  }
  ensureSyncing(ctx.systemDir, vg, lv);
  return 0;
}
