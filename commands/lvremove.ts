// lvremove: remove LVs, or every LV of a VG (tools/lvremove.c, toollib.c lvremove_single,
// lib/metadata/lv_manip.c lv_remove_single). A mirror goes with its images and log; its sub-LVs
// cannot be removed on their own. One commit per VG; messages follow the commit, as in LVM2.
import { dropLost } from '../src/lv-io/lost-regions.js';
import type { CommandSpec } from '../src/cli/command-spec.js';
import type { Context } from '../src/cli/context.js';
import { CommandFailed, ECMD_FAILED, InvalidCommandLine } from '../src/cli/errors.js';
import { noMatchingSyntaxLines } from '../src/cli/help.js';
import { commitVg, groupLvArgs, readVgForUpdate, type LvArgGroup } from '../src/cli/toollib.js';
import type { LogicalVolume, VolumeGroup } from '../src/model/types.js';
import { findLv, isMirrorImage, isMirrorLike, isMirrorLog, isRaidImage, lvTree, metaUser } from '../src/model/vg-query.js';
import { displayLvName, printer } from '../src/lv/common.js';
import { checkNotInUse } from '../src/nbd/in-use.js';
import { isReplicated } from '../src/lv-io/replica-hook.js';



/** lv_remove_single()'s refusals and the prompt for an active LV. */
function checkRemovable(ctx: Context, vg: VolumeGroup, lv: LogicalVolume, prompt: boolean): void {
  if (lv.flags.includes('LOCKED')) throw new CommandFailed(`Can't remove locked logical volume ${displayLvName(vg, lv)}.`);
  if (isMirrorImage(vg, lv)) throw new CommandFailed(`Can't remove logical volume ${displayLvName(vg, lv)} used by a mirror.`);
  if (isMirrorLog(vg, lv)) throw new CommandFailed(`Can't remove logical volume ${displayLvName(vg, lv)} used as mirror log.`);
  if (isRaidImage(vg, lv) || metaUser(vg, lv.name)) {
    throw new CommandFailed(`Can't remove logical volume ${displayLvName(vg, lv)} used as RAID device.`);
  }
  if (isReplicated(ctx.systemDir, lv.uuid)) {
    throw new CommandFailed(`Can't remove logical volume ${displayLvName(vg, lv)} used by replication.`,
      'Stop replicating it first (tsvm replica remove).');
  }
  if (lv.active && lv.visible) checkNotInUse(ctx.systemDir, lv.uuid, displayLvName(vg, lv));
  if (lv.active && lv.visible && prompt) {
    if (!ctx.yesNo(`Do you really want to remove active logical volume ${displayLvName(vg, lv)}? [y/n]: `)) {
      throw new CommandFailed(`Logical volume ${displayLvName(vg, lv)} not removed.`);
    }
  }
}

type ForgetModule = { forgetMirrorState(ctx: Context, vg: VolumeGroup, lv: LogicalVolume): unknown };

async function removeInVg(ctx: Context, t: LvArgGroup, prompt: boolean, say: (l: string) => void): Promise<number> {
  const loaded = readVgForUpdate(ctx, t.vg, { handlesMissingPvs: true });
  const vg = loaded.vg;
  let rc = 0;
  const chosen: LogicalVolume[] = [];
  const names = t.lvs ?? vg.lvs.filter((l) => l.visible).map((l) => l.name);
  for (const name of names) {
    const lv = findLv(vg, name);
    try {
      if (!lv) throw new CommandFailed(`Failed to find logical volume "${vg.name}/${name}"`);
      checkRemovable(ctx, vg, lv, prompt);
      chosen.push(lv);
    } catch (e) {
      if (!(e instanceof CommandFailed)) throw e;
      for (const l of e.lines) ctx.out.error(l);
      rc = ECMD_FAILED;
    }
  }
  if (!chosen.length) return rc;
  const mirrors = chosen.filter(isMirrorLike);
  const gone = new Set(chosen.flatMap((lv) => lvTree(vg, lv)).map((l) => l.uuid));
  const before = { ...vg, lvs: [...vg.lvs] };
  vg.lvs = vg.lvs.filter((l) => !gone.has(l.uuid));
  commitVg(ctx, loaded, `lvremove ${chosen.map((l) => displayLvName(vg, l)).join(' ')}`);
  if (mirrors.length) {
    const mod: ForgetModule = await import('../src/mirror/forget.js');
    for (const lv of mirrors) await mod.forgetMirrorState(ctx, before, lv);
  }
  for (const lv of chosen) dropLost(ctx.systemDir, lv.uuid);
  for (const lv of chosen) say(`Logical volume "${lv.name}" successfully removed.`);
  return rc;
}

export const spec: CommandSpec = {
  name: 'lvremove',
  summary: 'Remove logical volume(s) from the system',
  usage: ['lvremove VG|LV|Tag|Select ...'],
  options: ['force', 'select', 'autobackup', 'noudevsync', 'nohistory', 'reportformat'],
  async run(ctx, args) {
    if (!args.positionals.length) {
      ctx.out.print('lvremove VG|LV|Tag|Select ...');
      ctx.out.raw('\n');
      throw new InvalidCommandLine(...noMatchingSyntaxLines('lvremove'), 'Correct command syntax is:');
    }
    // -f, or -y, means no prompt (lvremove_single: single --force is single --yes).
    const prompt = !args.has('force') && !args.has('yes');
    const say = printer(ctx, args);
    const invalid: string[] = [];
    const groups = groupLvArgs(ctx, args.positionals, invalid);
    let rc = invalid.length ? ECMD_FAILED : 0;
    for (const t of groups) {
      try {
        rc = Math.max(rc, await removeInVg(ctx, t, prompt, say));
      } catch (e) {
        if (!(e instanceof CommandFailed)) throw e;
        for (const l of e.lines) ctx.out.error(l);
        rc = ECMD_FAILED;
      }
    }
    return rc;
  },
};
