// vgchange: VG attributes and activation of its LVs (tools/vgchange.c).
import type { Args } from '../src/cli/args.js';
import { openLvCount } from '../src/nbd/in-use.js';
import type { CommandSpec } from '../src/cli/command-spec.js';
import { CommandFailed, ECMD_FAILED, InvalidCommandLine } from '../src/cli/errors.js';
import { noMatchingSyntaxLines } from '../src/cli/help.js';
import { commitVg, readVgForUpdate, vgArgNames } from '../src/cli/toollib.js';
import type { LogicalVolume, VolumeGroup } from '../src/model/types.js';
import { monitorOnActivation, setMonitoring } from '../src/mirror/monitoring.js';
import { duplicateRefusal, partialRefusal, type ActivationMode } from '../src/cli/activation-mode.js';
import { lvTree } from '../src/model/vg-query.js';
import { mdaCopiesArg } from '../src/format-text/mda-copies.js';

export const spec: CommandSpec = {
  name: 'vgchange',
  summary: 'Change volume group attributes',
  usage: ['vgchange VG|Tag|Select ...'],
  options: ['activate', 'alloc', 'resizeable', 'autobackup', 'addtag', 'deltag', 'logicalvolume',
    'maxphysicalvolumes', 'physicalextentsize', 'select', 'force', 'ignoremonitoring', 'monitor', 'noudevsync',
    'partial', 'reportformat', 'ignoreactivationskip', 'ignorelockingfailure', 'ignoreskippedcluster', 'sysinit', 'allocation', 'activationmode', 'vgmetadatacopies'],
  async run(ctx, args) {
    const names = args.positionals.length ? vgArgNames(ctx, args.positionals) : ctx.store.vgNames();
    const changes = ['activate', 'alloc', 'resizeable', 'addtag', 'deltag', 'logicalvolume', 'maxphysicalvolumes', 'monitor', 'vgmetadatacopies']
      .filter((o) => args.has(o));
    if (!changes.length) throw new InvalidCommandLine(...noMatchingSyntaxLines('vgchange'));
    // --allocation is a synonym of --resizeable only when merged, after LVM2 matched a variant
    if (args.has('allocation')) throw new InvalidCommandLine(`Command does not accept option: --allocation ${args.str('allocation')}.`);
    const mode = args.has('activate') ? ctx.activationMode : 'degraded';
    let rc = 0;
    for (const name of names) {
      try {
        // Activation and tags may go on with PVs missing; the other changes may not (vgchange.c).
        const unsafe = ['alloc', 'resizeable', 'logicalvolume', 'maxphysicalvolumes', 'vgmetadatacopies'].some((o) => args.has(o));
        const loaded = readVgForUpdate(ctx, name, { handlesMissingPvs: args.has('activate') || !unsafe });
        const vg = loaded.vg;
        if (args.has('activate')) {
          const on = args.str('activate')!.endsWith('y');
          if (!(await activate(ctx, vg, on, mode, (lvs) => ctx.store.setLvActive(lvs.map((l) => l.uuid), on)))) rc = ECMD_FAILED;
          if (!args.has('ignoremonitoring')) {
            monitorOnActivation(ctx.systemDir, vg.lvs.filter((l) => l.visible).map((l) => l.uuid), on, args.str('monitor'));
          }
          continue;
        }
        if (args.has('monitor') && changes.length === 1) {
          if (!args.has('ignoremonitoring')) monitorActiveLvs(ctx, vg, args.str('monitor') === 'y');
          continue;
        }
        for (const [opt, change] of PROPERTY_CHANGES) if (args.has(opt)) change(vg, args, (l) => ctx.out.warn(l));
        commitVg(ctx, loaded, `vgchange ${name}`);
        ctx.out.print(`Volume group "${name}" successfully changed`);
      } catch (e) {
        if (!(e instanceof CommandFailed)) throw e;
        for (const l of e.lines) ctx.out.error(l);
        rc = ECMD_FAILED;
      }
    }
    return rc;
  },
};

/** _vgchange_single()'s property changes, in LVM2's order; each throws LVM2's error. */
const PROPERTY_CHANGES: Array<[string, (vg: VolumeGroup, args: Args, warn: (line: string) => void) => void]> = [
  ['logicalvolume', (vg, args) => {
    const max = args.int('logicalvolume')!;
    if (!vg.resizeable) throw new CommandFailed(`Volume group "${vg.name}" must be resizeable to change MaxLogicalVolume`);
    const visible = vg.lvs.filter((l) => l.visible).length;
    if (max && max < visible) throw new CommandFailed(`MaxLogicalVolume is less than the current number ${visible} of LVs for ${vg.name}`);
    vg.maxLv = max;
  }],
  ['maxphysicalvolumes', (vg, args) => {
    const max = args.int('maxphysicalvolumes')!;
    if (!vg.resizeable) throw new CommandFailed(`Volume group "${vg.name}" must be resizeable to change MaxPhysicalVolumes`);
    if (max && max < vg.pvs.length) {
      throw new CommandFailed(`MaxPhysicalVolumes is less than the current number ${vg.pvs.length} of PVs for "${vg.name}"`);
    }
    vg.maxPv = max;
  }],
  ['resizeable', (vg, args) => {
    const want = args.str('resizeable') === 'y';
    if (want === vg.resizeable) throw new CommandFailed(`Volume group "${vg.name}" is already ${want ? 'resizeable' : 'not resizeable'}`);
    vg.resizeable = want;
  }],
  ['deltag', (vg, args) => {
    for (const t of args.all('deltag')) vg.tags = vg.tags.filter((x) => x !== t);
  }],
  ['addtag', (vg, args) => {
    for (const t of args.all('addtag')) if (!vg.tags.includes(t)) vg.tags.push(t);
  }],
  ['alloc', (vg, args) => {
    const alloc = args.str('alloc')!;
    if (alloc === vg.alloc) throw new CommandFailed(`Volume group allocation policy is already ${alloc}`);
    if (alloc === 'inherit') throw new CommandFailed('Volume Group allocation policy cannot inherit from anything');
    vg.alloc = alloc as VolumeGroup['alloc'];
  }],
  // _vgchange_metadata_copies: the same value is only a warning, and the VG is written anyway
  ['vgmetadatacopies', (vg, args, warn) => {
    const copies = mdaCopiesArg(args.str('vgmetadatacopies')!);
    const now = vg.mdaCopies ?? 0;
    if (copies === now) {
      warn(now ? `Number of metadata copies for VG ${vg.name} is already ${now}.` : `Number of metadata copies for VG ${vg.name} is already unmanaged.`);
      return;
    }
    if (copies) vg.mdaCopies = copies;
    else delete vg.mdaCopies;
  }],
];

/** _vgchange_monitoring(): (un)register every active LV of the VG, and say how many. */
function monitorActiveLvs(ctx: Parameters<CommandSpec['run']>[0], vg: VolumeGroup, on: boolean): void {
  const active = vg.lvs.filter((l) => l.active);
  if (!active.length) return;
  for (const lv of active) setMonitoring(ctx.systemDir, lv.uuid, on);
  ctx.out.print(`${active.length} logical volume(s) in volume group "${vg.name}" ${on ? '' : 'un'}monitored`);
}

/**
 * vgchange -a: every visible LV (with its sub-LVs) changes state; LVM2 counts the active ones after.
 * False when a partial LV was refused activation.
 */
async function activate(
  ctx: Parameters<CommandSpec['run']>[0], vg: VolumeGroup, on: boolean, mode: ActivationMode, store: (lvs: LogicalVolume[]) => void,
): Promise<boolean> {
  const changed: LogicalVolume[] = [];
  const all: LogicalVolume[] = [];
  if (on) ctx.wantsDevices = true;
  else {
    const open = openLvCount(ctx.systemDir, vg.lvs.filter((l) => l.visible && l.active).map((l) => l.uuid));
    if (open) throw new CommandFailed(`Can't deactivate volume group "${vg.name}" with ${open} open logical volume(s)`);
  }
  const refused = new Set<LogicalVolume>();
  const duplicates = on ? duplicateRefusal(ctx, vg) : null;
  for (const lv of vg.lvs.filter((l) => l.visible)) {
    const why = on ? duplicates ?? partialRefusal(vg, lv, mode) : null;
    if (!why || (on && lv.flags.includes('ACTIVATION_SKIP'))) continue;
    ctx.out.error(why);
    for (const l of lvTree(vg, lv)) refused.add(l);
  }
  for (const lv of vg.lvs) {
    if (refused.has(lv)) continue;
    if (on && lv.flags.includes('ACTIVATION_SKIP') && lv.visible) continue;
    if (lv.active !== on) {
      lv.active = on;
      all.push(lv);
      if (lv.visible) changed.push(lv);
    }
  }
  if (all.length) store(all);
  if (all.some((l) => l.flags.includes('PVMOVE'))) {
    const mod = await import('../src/pvmove/activation.js');
    mod.pvmoveActivationChanged(ctx.systemDir, vg, all, on);
  }
  for (const lv of changed) {
    if (lv.segments[0]?.type !== 'mirror') continue;
    const mod = (await import('../src/mirror/activation.js')) as {
      mirrorActivationChanged: (c: typeof ctx, v: VolumeGroup, l: LogicalVolume, a: boolean) => void;
    };
    mod.mirrorActivationChanged(ctx, vg, lv, on);
  }
  const active = vg.lvs.filter((l) => l.visible && l.active).length;
  ctx.out.print(`${active} logical volume(s) in volume group "${vg.name}" now active`);
  return refused.size === 0;
}
