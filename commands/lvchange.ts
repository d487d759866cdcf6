// lvchange: LV properties (-p, --alloc/-C, -r, tags, -k) and activation (-a), --resync for
// mirrors and raid1, and raid1's own options (lvchange-raid.ts) (tools/lvchange.c). Properties of one LV are committed together and announced with
// "Logical volume vg/lv changed."; activation is silent, as in LVM2.
import { checkNotInUse } from '../src/nbd/in-use.js';
import type { Args } from '../src/cli/args.js';
import type { CommandSpec } from '../src/cli/command-spec.js';
import type { Context } from '../src/cli/context.js';
import { CommandFailed, ECMD_FAILED, InvalidCommandLine } from '../src/cli/errors.js';
import { noMatchingSyntaxLines } from '../src/cli/help.js';
import { groupLvArgs, readVgForUpdate } from '../src/cli/toollib.js';
import type { AllocPolicy, LogicalVolume, VolumeGroup } from '../src/model/types.js';
import { findLv, isMirrorImage, isMirrorLike, isMirrorLog, lvTree } from '../src/model/vg-query.js';
import type { LoadedVg } from '../src/store/metadata-store.js';
import { commitAndKeep, displayLvName, printer } from '../src/lv/common.js';
import { monitorOnActivation, setMonitoring } from '../src/mirror/monitoring.js';
import { duplicateRefusal, partialRefusal, refreshRefusal, type ActivationMode } from '../src/cli/activation-mode.js';

const PAGE_SECTORS = 8;
/** lvchange-raid.ts (kept here so that parsing does not load it). */
const RAID_OPTIONS = ['syncaction', 'rebuild', 'writemostly', 'writebehind', 'minrecoveryrate', 'maxrecoveryrate'];
const PROPERTY_OPTIONS = ['permission', 'alloc', 'contiguous', 'readahead', 'addtag', 'deltag', 'setactivationskip'];

/** One property change: true when it changed something, else it printed LVM2's error. */
type Change = (ctx: Context, args: Args, vg: VolumeGroup, lv: LogicalVolume) => boolean;

const permission: Change = (ctx, args, vg, lv) => {
  const wantWrite = args.str('permission') === 'rw';
  if (!wantWrite && !lv.writable) {
    ctx.out.error(`Logical volume "${displayLvName(vg, lv)}" is already read only.`);
    return false;
  }
  if (wantWrite && lv.writable) {
    ctx.out.error(`Logical volume ${displayLvName(vg, lv)} is already writable.`);
    return false;
  }
  lv.writable = wantWrite;
  return true;
};

const alloc: Change = (ctx, args, vg, lv) => {
  const want = (args.str('alloc') as AllocPolicy | undefined) ?? (args.str('contiguous') === 'y' ? 'contiguous' : 'inherit');
  if (want === lv.alloc) {
    ctx.out.error(`Allocation policy of logical volume ${displayLvName(vg, lv)} is already ${want}.`);
    return false;
  }
  lv.alloc = want;
  return true;
};

const readahead: Change = (ctx, args, vg, lv) => {
  const v = args.str('readahead')!;
  let ra: 'auto' | number = v === 'auto' ? 'auto' : v === 'none' ? 0 : Number(v);
  if (typeof ra === 'number' && ra !== 0 && ra % PAGE_SECTORS) {
    ra = ra < PAGE_SECTORS ? PAGE_SECTORS : Math.floor(ra / PAGE_SECTORS) * PAGE_SECTORS;
    ctx.out.warn(`WARNING: Overriding readahead to ${ra} sectors, a multiple of ${PAGE_SECTORS / 2}K page size.`);
  }
  if (lv.readAhead === ra) {
    ctx.out.error(ra === 'auto' ? `Read ahead is already auto for ${displayLvName(vg, lv)}.`
      : `Read ahead is already ${ra} for ${displayLvName(vg, lv)}.`);
    return false;
  }
  lv.readAhead = ra;
  return true;
};

const tags: Change = (_ctx, args, _vg, lv) => {
  for (const t of args.all('addtag')) if (!lv.tags.includes(t)) lv.tags.push(t);
  lv.tags = lv.tags.filter((t) => !args.all('deltag').includes(t));
  return true;
};

const activationSkip: Change = (_ctx, args, _vg, lv) => {
  const skip = args.str('setactivationskip') === 'y';
  lv.flags = lv.flags.filter((f) => f !== 'ACTIVATION_SKIP');
  if (skip) lv.flags.push('ACTIVATION_SKIP');
  return true;
};

/** The first group of lvchange_properties_single(): each option once, then one commit. */
function changeProperties(ctx: Context, args: Args, loaded: LoadedVg, lv: LogicalVolume, say: (l: string) => void): boolean {
  const vg = loaded.vg;
  const steps: Array<[boolean, Change]> = [
    [args.has('permission'), permission],
    [args.has('alloc') || args.has('contiguous'), alloc],
    [args.has('readahead'), readahead],
    [args.has('addtag') || args.has('deltag'), tags],
    [args.has('setactivationskip'), activationSkip],
  ];
  let asked = 0;
  let done = 0;
  for (const [wanted, change] of steps) {
    if (!wanted) continue;
    asked++;
    if (change(ctx, args, vg, lv)) done++;
  }
  if (done) {
    commitAndKeep(ctx, loaded, `lvchange ${displayLvName(vg, lv)}`);
    say(`Logical volume ${displayLvName(vg, lv)} changed.`);
  }
  return asked === done;
}

type ActivationModule = { mirrorActivationChanged(ctx: Context, vg: VolumeGroup, lv: LogicalVolume, active: boolean): unknown };
type ResyncModule = { lvchangeResync(ctx: Context, loaded: LoadedVg, lv: LogicalVolume, args: Args): Promise<number> | number };

/** -a y|n: the state lives in metadata; sub-LVs follow their top LV. */
async function changeActivation(ctx: Context, args: Args, loaded: LoadedVg, lv: LogicalVolume, mode: ActivationMode): Promise<void> {
  const active = args.str('activate')!.endsWith('y');
  if (active && lv.flags.includes('ACTIVATION_SKIP') && !args.has('ignoreactivationskip')) return;
  const refusal = active ? duplicateRefusal(ctx, loaded.vg) ?? partialRefusal(loaded.vg, lv, mode) : null;
  if (refusal) throw new CommandFailed(refusal);
  // pvmove's layer is activated with an LV on it, and left to vgchange -an (other LVs may use it).
  const tree = lvTree(loaded.vg, lv).filter((l) => active || !l.flags.includes('PVMOVE'));
  // Activating asks for the LV's block device even when the metadata says active (LVM2 refreshes).
  if (active) ctx.wantsDevices = true;
  else if (lv.active) checkNotInUse(ctx.systemDir, lv.uuid, displayLvName(loaded.vg, lv));
  if (!args.has('ignoremonitoring')) monitorOnActivation(ctx.systemDir, [lv.uuid], active, args.str('monitor'));
  if (tree.every((l) => l.active === active)) return;
  const changed = tree.filter((l) => l.active !== active);
  for (const l of tree) l.active = active;
  // Not a metadata change in LVM2 (device-mapper holds it): no new seqno, nothing written to the
  // PVs' areas, the lv rows updated in place (as vgchange -a does).
  ctx.store.setLvActive(changed.map((l) => l.uuid), active, loaded);
  if (changed.some((l) => l.flags.includes('PVMOVE'))) {
    const mod = await import('../src/pvmove/activation.js');
    mod.pvmoveActivationChanged(ctx.systemDir, loaded.vg, changed, active);
  }
  if (isMirrorLike(lv)) {
    const mod: ActivationModule = await import('../src/mirror/activation.js');
    await mod.mirrorActivationChanged(ctx, loaded.vg, lv, active);
  }
}

async function changeOne(ctx: Context, args: Args, loaded: LoadedVg, lv: LogicalVolume, say: (l: string) => void,
  mode: ActivationMode): Promise<number> {
  const role = isMirrorImage(loaded.vg, lv) ? 'lv_is_mirror_image' : isMirrorLog(loaded.vg, lv) ? 'lv_is_mirror_log' : null;
  if (role) {
    const name = displayLvName(loaded.vg, lv);
    throw new CommandFailed(`Command on LV ${name} is invalid on LV with properties: ${role} .`, `Command not permitted on LV ${name}.`);
  }
  let rc = 0;
  if (RAID_OPTIONS.some((o) => args.has(o))) {
    const mod = await import('./lvchange-raid.js');
    rc = Math.max(rc, await mod.changeRaid(ctx, args, loaded, lv, say));
  }
  if (PROPERTY_OPTIONS.some((o) => args.has(o)) && !changeProperties(ctx, args, loaded, lv, say)) rc = ECMD_FAILED;
  if (args.has('resync')) {
    const mod: ResyncModule = await import('../src/mirror/resync.js');
    rc = Math.max(rc, await mod.lvchangeResync(ctx, loaded, lv, args));
  }
  if (args.has('activate')) await changeActivation(ctx, args, loaded, lv, mode);
  else if (args.has('refresh')) {
    // lv_refresh: reload what is active from the metadata (the serving daemon's device follows it)
    const refusal = refreshRefusal(loaded.vg, lv, mode);
    if (refusal) throw new CommandFailed(refusal);
    if (lv.active) ctx.wantsDevices = true;
  } else if (args.has('monitor') && !args.has('ignoremonitoring')) {
    // _lvchange_monitoring(): (un)register an active LV with "dmeventd"
    if (!lv.active) throw new CommandFailed(`Logical volume ${displayLvName(loaded.vg, lv)} is not active.`);
    setMonitoring(ctx.systemDir, lv.uuid, args.str('monitor') === 'y');
  }
  return rc;
}



export const spec: CommandSpec = {
  name: 'lvchange',
  summary: 'Change the attributes of logical volume(s)',
  usage: ['lvchange -a|--activate y|n VG|LV|Tag|Select ...', 'lvchange -p|--permission r|rw VG|LV|Tag|Select ...'],
  options: [
    'activate', 'permission', 'alloc', 'contiguous', 'readahead', 'addtag', 'deltag', 'setactivationskip',
    'ignoreactivationskip', 'resync', 'autobackup', 'force', 'select', 'monitor', 'ignoremonitoring', 'noudevsync',
    'reportformat', 'partial', 'ignorelockingfailure', 'sysinit', 'ignoreskippedcluster', 'activationmode', 'refresh',
    'syncaction', 'rebuild', 'writemostly', 'writebehind', 'minrecoveryrate', 'maxrecoveryrate',
  ],
  async run(ctx, args) {
    const acting = [...PROPERTY_OPTIONS, ...RAID_OPTIONS, 'activate', 'resync', 'monitor', 'refresh'].some((o) => args.has(o));
    if (!acting || !args.positionals.length) throw new InvalidCommandLine(...noMatchingSyntaxLines('lvchange'));
    if (args.has('contiguous') && args.has('alloc')) {
      throw new InvalidCommandLine('Only one of --alloc and --contiguous permitted.', "Run `lvchange --help' for more information.");
    }
    const say = printer(ctx, args);
    const mode = args.has('activate') || args.has('refresh') ? ctx.activationMode : 'degraded';
    const invalid: string[] = [];
    const groups = groupLvArgs(ctx, args.positionals, invalid);
    let rc = invalid.length ? ECMD_FAILED : 0;
    for (const t of groups) {
      try {
        const loaded = readVgForUpdate(ctx, t.vg, { handlesMissingPvs: !args.has('resync') });
        const names = t.lvs ?? loaded.vg.lvs.filter((l) => l.visible).map((l) => l.name);
        for (const name of names) {
          const lv = findLv(loaded.vg, name);
          if (!lv) {
            ctx.out.error(`Failed to find logical volume "${t.vg}/${name}"`);
            rc = ECMD_FAILED;
            continue;
          }
          try {
            rc = Math.max(rc, await changeOne(ctx, args, loaded, lv, say, mode));
          } catch (e) {
            if (!(e instanceof CommandFailed)) throw e;
            for (const l of e.lines) ctx.out.error(l);
            rc = ECMD_FAILED;
          }
        }
      } catch (e) {
        if (!(e instanceof CommandFailed)) throw e;
        for (const l of e.lines) ctx.out.error(l);
        rc = ECMD_FAILED;
      }
    }
    return rc;
  },
};
