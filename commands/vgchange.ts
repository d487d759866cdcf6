// vgchange: VG attributes and activation of its LVs (tools/vgchange.c).
import { openLvCount } from '../src/nbd/in-use.js';
import type { CommandSpec } from '../src/cli/command-spec.js';
import { CommandFailed, ECMD_FAILED, InvalidCommandLine } from '../src/cli/errors.js';
import { noMatchingSyntaxLines } from '../src/cli/help.js';
import { commitVg, readVgForUpdate, vgNameArg } from '../src/cli/toollib.js';
import type { LogicalVolume, VolumeGroup } from '../src/model/types.js';

export const spec: CommandSpec = {
  name: 'vgchange',
  summary: 'Change volume group attributes',
  usage: ['vgchange VG|Tag|Select ...'],
  options: ['activate', 'alloc', 'resizeable', 'autobackup', 'addtag', 'deltag', 'maxlogicalvolumes',
    'maxphysicalvolumes', 'physicalextentsize', 'select', 'force', 'ignoremonitoring', 'monitor', 'noudevsync',
    'partial', 'reportformat', 'ignoreactivationskip'],
  async run(ctx, args) {
    const names = args.positionals.length ? args.positionals.map(vgNameArg) : ctx.store.vgNames();
    const changes = ['activate', 'alloc', 'resizeable', 'addtag', 'deltag', 'maxlogicalvolumes', 'maxphysicalvolumes']
      .filter((o) => args.has(o));
    if (!changes.length) throw new InvalidCommandLine(...noMatchingSyntaxLines('vgchange'));
    let rc = 0;
    for (const name of names) {
      try {
        // Activation and tags may go on with PVs missing; the other changes may not (vgchange.c).
        const unsafe = ['alloc', 'resizeable', 'maxlogicalvolumes', 'maxphysicalvolumes'].some((o) => args.has(o));
        const loaded = readVgForUpdate(ctx, name, { handlesMissingPvs: args.has('activate') || !unsafe });
        const vg = loaded.vg;
        if (args.has('activate')) {
          const on = args.str('activate')!.endsWith('y');
          await activate(ctx, vg, on, (lvs) => ctx.store.setLvActive(lvs.map((l) => l.uuid), on));
          continue;
        }
        const alloc = args.str('alloc');
        if (alloc !== undefined) {
          if (alloc === 'inherit') throw new CommandFailed('Volume Group allocation policy cannot inherit from anything');
          if (alloc === vg.alloc) throw new CommandFailed(`Volume group allocation policy is already ${alloc}`);
          vg.alloc = alloc as VolumeGroup['alloc'];
        }
        const rz = args.str('resizeable');
        if (rz !== undefined) {
          const want = rz === 'y';
          if (want === vg.resizeable) throw new CommandFailed(`Volume group "${name}" is already ${want ? 'resizeable' : 'not resizeable'}`);
          vg.resizeable = want;
        }
        for (const t of args.all('addtag')) if (!vg.tags.includes(t)) vg.tags.push(t);
        for (const t of args.all('deltag')) vg.tags = vg.tags.filter((x) => x !== t);
        if (args.has('maxlogicalvolumes')) vg.maxLv = args.int('maxlogicalvolumes')!;
        if (args.has('maxphysicalvolumes')) vg.maxPv = args.int('maxphysicalvolumes')!;
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

/** vgchange -a: every visible LV (with its sub-LVs) changes state; LVM2 counts the active ones after. */
async function activate(
  ctx: Parameters<CommandSpec['run']>[0], vg: VolumeGroup, on: boolean, store: (lvs: LogicalVolume[]) => void,
): Promise<void> {
  const changed: LogicalVolume[] = [];
  const all: LogicalVolume[] = [];
  if (on) ctx.wantsDevices = true;
  else {
    const open = openLvCount(ctx.systemDir, vg.lvs.filter((l) => l.visible && l.active).map((l) => l.uuid));
    if (open) throw new CommandFailed(`Can't deactivate volume group "${vg.name}" with ${open} open logical volume(s)`);
  }
  for (const lv of vg.lvs) {
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
}
