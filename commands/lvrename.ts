// lvrename: `lvrename VG OLD NEW` or `lvrename VG/OLD [VG/]NEW` (tools/lvrename.c,
// lib/metadata/lv_manip.c lv_rename_update). A mirror's sub-LVs follow: OLD_mimage_N becomes
// NEW_mimage_N, OLD_mlog NEW_mlog, and every reference to them is updated.
import type { CommandSpec } from '../src/cli/command-spec.js';
import type { Context } from '../src/cli/context.js';
import { CommandFailed, InvalidCommandLine } from '../src/cli/errors.js';
import { noMatchingSyntaxLines } from '../src/cli/help.js';
import { commitVg, readVgForUpdate } from '../src/cli/toollib.js';
import type { LvSegment, VolumeGroup } from '../src/model/types.js';
import { segmentsOf } from '../src/model/unread-lv.js';
import { findLv, lvTree } from '../src/model/vg-query.js';
import { lvNameRestriction, nameError, NAME_LEN } from '../src/model/names.js';
import { printer, usageError } from '../src/lv/common.js';

function stripDev(s: string): string {
  return s.startsWith('/dev/') ? s.slice(5) : s;
}

/** extract_vgname(): the VG of "vg/lv", LVM_VG_NAME for a bare name, else LVM2's error. */
function extractVgName(ctx: Context, lvArg: string): string | null {
  const s = stripDev(lvArg);
  if (s.includes('/')) {
    const m = /^([^/]*)\/+([^/]*)$/.exec(s);
    if (!m) {
      ctx.out.error(`"${lvArg}": Invalid path for Logical Volume.`);
      return null;
    }
    return m[1]!;
  }
  const env = ctx.env.LVM_VG_NAME;
  if (env) return stripDev(env);
  ctx.out.error(`Path required for Logical Volume "${lvArg}".`);
  return null;
}

interface RenameArgs {
  vg: string;
  oldName: string;
  newName: string;
}

/** lvrename()'s checks of the command line (exit 3), in LVM2's order. */
function readArgs(ctx: Context, pos: string[]): RenameArgs {
  let vg: string | null;
  let oldArg: string;
  let newArg: string;
  if (pos.length === 3) {
    vg = stripDev(pos[0]!);
    oldArg = pos[1]!;
    newArg = pos[2]!;
    if (oldArg.includes('/')) {
      const v = extractVgName(ctx, oldArg);
      if (v && v !== vg) throw usageError(ctx.cmd, `Please use a single volume group name ("${vg}" or "${v}")`);
    }
  } else {
    oldArg = pos[0]!;
    newArg = pos[1]!;
    vg = extractVgName(ctx, oldArg);
  }
  if (!vg || nameError(vg)) throw usageError(ctx.cmd, 'Please provide a valid volume group name');
  if (newArg.includes('/')) {
    const v = extractVgName(ctx, newArg);
    if (v && v !== vg) throw usageError(ctx.cmd, `Logical volume names must have the same volume group ("${vg}" or "${v}")`);
  }
  const oldName = oldArg.slice(oldArg.lastIndexOf('/') + 1);
  const newName = newArg.slice(newArg.lastIndexOf('/') + 1);
  const maxLen = NAME_LEN - vg.length - 3;
  if (newName.length > maxLen) throw usageError(ctx.cmd, `New logical volume name "${newName}" may not exceed ${maxLen} characters.`);
  if (!newName) throw usageError(ctx.cmd, 'New logical volume name may not be blank');
  const restricted = lvNameRestriction(newName);
  if (restricted) throw usageError(ctx.cmd, restricted);
  if (nameError(newName)) throw usageError(ctx.cmd, `New logical volume name "${newName}" is invalid`);
  if (oldName === newName) throw usageError(ctx.cmd, 'Old and new logical volume names must differ');
  return { vg, oldName, newName };
}

/** Rename an LV and its sub-LVs in `vg` (lv_rename_update with _rename_sub_lv). */
export function renameInVg(vg: VolumeGroup, oldName: string, newName: string): void {
  const lv = findLv(vg, oldName);
  if (!lv) throw new CommandFailed(`Existing logical volume "${oldName}" not found in volume group "${vg.name}"`);
  if (lv.flags.includes('LOCKED')) throw new CommandFailed(`Cannot rename locked LV ${lv.name}`);
  if (!lv.visible) throw new CommandFailed(`Cannot rename internal LV "${lv.name}".`);
  if (findLv(vg, newName)) throw new CommandFailed(`Logical Volume "${newName}" already exists in volume group "${vg.name}"`);
  const renames = new Map<string, string>([[oldName, newName]]);
  for (const sub of lvTree(vg, lv).slice(1)) {
    if (!sub.name.startsWith(oldName + '_')) {
      throw new CommandFailed(`Cannot rename "${oldName}": name format not recognized for internal LV "${sub.name}"`);
    }
    const renamed = newName + sub.name.slice(oldName.length);
    if (nameError(renamed)) {
      throw new CommandFailed(`Cannot rename "${sub.name}". New logical volume name "${renamed}" is invalid.`);
    }
    renames.set(sub.name, renamed);
  }
  for (const l of vg.lvs) {
    const to = renames.get(l.name);
    // an LV naming none of the renamed ones is left as read (model/unread-lv.ts: at 10,000 LVs,
    // reading every LV's segments to change none of them parsed the whole VG, and its commit
    // serialised it again)
    if (refersTo(segmentsOf(l), renames)) {
      for (const seg of l.segments) {
        for (const a of seg.areas) if (a.kind === 'lv' && renames.has(a.lvName)) a.lvName = renames.get(a.lvName)!;
        if (seg.mirrorLog && renames.has(seg.mirrorLog)) seg.mirrorLog = renames.get(seg.mirrorLog)!;
        if (seg.metaAreas) seg.metaAreas = seg.metaAreas.map((m) => renames.get(m) ?? m);
      }
    }
    if (to) l.name = to;
  }
}

/** Whether the segments name one of the renamed LVs (an area, the mirror log, a raid1 metadata LV). */
function refersTo(segs: readonly LvSegment[], renames: ReadonlyMap<string, string>): boolean {
  return segs.some((seg) => seg.areas.some((a) => a.kind === 'lv' && renames.has(a.lvName)) ||
    (!!seg.mirrorLog && renames.has(seg.mirrorLog)) || !!seg.metaAreas?.some((m) => renames.has(m)));
}

export const spec: CommandSpec = {
  name: 'lvrename',
  summary: 'Rename a logical volume',
  usage: ['lvrename VG LV LV_new', 'lvrename LV LV_new'],
  options: ['autobackup', 'noudevsync', 'reportformat'],
  run(ctx, args) {
    const pos = args.positionals;
    if (pos.length < 2 || pos.length > 3) throw new InvalidCommandLine(...noMatchingSyntaxLines('lvrename'));
    const r = readArgs(ctx, pos);
    const loaded = readVgForUpdate(ctx, r.vg);
    renameInVg(loaded.vg, r.oldName, r.newName);
    commitVg(ctx, loaded, `lvrename ${r.vg}/${r.oldName} ${r.newName}`);
    printer(ctx, args)(`Renamed "${r.oldName}" to "${r.newName}" in volume group "${r.vg}"`);
    return 0;
  },
};
