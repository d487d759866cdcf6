// Handlers of pvdisplay, vgdisplay, lvdisplay and pvscan (LVM2 tools/pvdisplay.c, vgdisplay.c,
// lvdisplay.c, pvscan.c): choose the objects named on the command line and print their layouts.
import { orphansInUse, scannedOrphans, scanVgs, unusedDuplicatePvs } from '../cli/pv-tools.js';
import { existsSync } from 'node:fs';
import type { Args } from '../cli/args.js';
import type { Context } from '../cli/context.js';
import { InvalidCommandLine } from '../cli/errors.js';
import { splitLvArg, vgNameArg } from '../cli/toollib.js';
import { addTaggedLvs, hasTag, splitTagArgs } from '../cli/tag-args.js';
import type { LogicalVolume, VolumeGroup } from '../model/types.js';
import { loadStatusSource } from './status.js';
import {
  lvdisplayColons, lvdisplayFull, pvdisplayColons, pvdisplayDuplicate, pvdisplayFull, pvdisplayShort, pvscanLines, vgdisplayColons,
  vgdisplayFull, vgdisplayShort, type PvscanEntry,
} from './display.js';
import { vgInfo, type VgInfo } from './vg-info.js';
import { deviceView } from './device-view.js';

function allPvEntries(ctx: Context): PvscanEntry[] {
  const out: PvscanEntry[] = [];
  for (const vg of scanVgs(ctx, ctx.reader.loadAllVgs())) {
    const info = vgInfo(vg, deviceView(ctx.systemDir));
    for (const pv of vg.pvs) out.push({ pv, info });
  }
  for (const pv of [...scannedOrphans(ctx, ctx.reader.orphanPvs()), ...orphansInUse(ctx)]) out.push({ pv, info: null });
  return out;
}

function print(ctx: Context, lines: string[]): void {
  for (const l of lines) ctx.out.print(l);
}


/**
 * The option checks of tools/pvdisplay.c, vgdisplay.c and lvdisplay.c before they display or
 * hand over to the report (-C): report-only options without -C and incompatible pairs (exit 3).
 */
function displayOptionChecks(args: Args, cmd: 'pvdisplay' | 'vgdisplay' | 'lvdisplay'): void {
  const run = `Run \`${cmd} --help' for more information.`;
  const fail = (line: string): never => {
    throw new InvalidCommandLine(line, run);
  };
  if (args.has('columns')) {
    const clash = { pvdisplay: ['colon', 'maps', 'short'], vgdisplay: ['colon', 'activevolumegroups', 'short'], lvdisplay: ['colon', 'maps'] }[cmd];
    if (clash.some((o) => args.has(o))) fail('Incompatible options selected');
    return;
  }
  const reportOnly = ['aligned', ...(cmd === 'pvdisplay' ? ['all'] : []), 'binary', 'noheadings', 'options', 'separator', 'sort', 'unbuffered'];
  if (reportOnly.some((o) => args.has(o))) fail(cmd === 'pvdisplay' ? 'Incompatible options selected' : 'Incompatible options selected.');
  if (cmd === 'pvdisplay' && args.has('colon') && args.has('maps')) fail('Option -c not allowed with option -m');
  if (cmd !== 'lvdisplay' && args.has('colon') && args.has('short')) fail('Option -c is not allowed with option -s');
  if (cmd === 'lvdisplay' && args.has('colon') && args.has('maps')) fail('Options -c and -m are incompatible.');
}

export async function pvdisplay(ctx: Context, args: Args): Promise<number> {
  displayOptionChecks(args, 'pvdisplay');
  if (args.has('columns')) return (await import('./reporter.js')).runReport(ctx, args, 'pvs');
  const all = allPvEntries(ctx);
  let code = 0;
  let chosen = all;
  if (args.positionals.length) {
    const { names, tags } = splitTagArgs(ctx, args.positionals);
    chosen = tags.length ? all.filter((x) => hasTag(x.pv, tags)) : [];
    // a duplicate device not used is shown when named (_process_duplicate_pvs)
    const duplicates = unusedDuplicatePvs(ctx).map((pv) => ({ pv, info: null }));
    for (const a of names) {
      const dev = ctx.device(a);
      const e = [...all, ...duplicates].find((x) => x.pv.name === dev.name || x.pv.path === dev.path);
      if (e) chosen.push(e);
      else {
        ctx.out.error(existsSync(dev.path) ? `Failed to find physical volume "${dev.name}".` : `Cannot use ${dev.name}: device not found`);
        code = 5;
      }
    }
  }
  for (const { pv, info } of chosen) {
    if (pv.duplicate) print(ctx, pvdisplayDuplicate(pv, args.has('short') ? 'short' : args.has('colon') ? 'colon' : 'full'));
    else if (args.has('short')) print(ctx, [pvdisplayShort(pv, info)]);
    else if (args.has('colon')) {
      if (!info) print(ctx, [`"${pv.name}" is a new physical volume of "${pvdisplayFull(pv, null, false)[4]!.slice(22)}"`]);
      print(ctx, [pvdisplayColons(pv, info)]);
    } else print(ctx, pvdisplayFull(pv, info, args.has('maps')));
  }
  return code;
}

function loadVgs(ctx: Context, names: string[]): { vgs: VolumeGroup[]; code: number } {
  if (!names.length) return { vgs: scanVgs(ctx, ctx.reader.loadAllVgs()), code: 0 };
  const vgs: VolumeGroup[] = [];
  let code = 0;
  for (const n of [...new Set(names)].sort()) {
    const l = ctx.reader.loadVg(n);
    const [vg] = l ? scanVgs(ctx, [l.vg]) : [];
    if (vg) vgs.push(vg);
    else {
      ctx.out.error(`Volume group "${n}" not found`);
      ctx.out.error(`Cannot process volume group ${n}`);
      code = 5;
    }
  }
  return { vgs, code };
}

export async function vgdisplay(ctx: Context, args: Args): Promise<number> {
  displayOptionChecks(args, 'vgdisplay');
  if (args.has('columns')) return (await import('./reporter.js')).runReport(ctx, args, 'vgs');
  const { names, tags } = splitTagArgs(ctx, args.positionals);
  const wanted = names.map(vgNameArg);
  if (tags.length) for (const vg of ctx.reader.loadAllVgs()) if (hasTag(vg, tags)) wanted.push(vg.name);
  const { vgs, code } = args.positionals.length && !wanted.length ? { vgs: [], code: 0 } : loadVgs(ctx, wanted);
  for (const vg of vgs) {
    // -A: only VGs with an active LV (vgdisplay_single's lvs_in_vg_activated)
    if (args.has('activevolumegroups') && !vg.lvs.some((lv) => lv.active)) continue;
    const info = vgInfo(vg, deviceView(ctx.systemDir));
    if (args.has('short')) print(ctx, [vgdisplayShort(info)]);
    else if (args.has('colon')) print(ctx, [vgdisplayColons(info)]);
    else vgdisplayFull(info, args.count('verbose') > 0, (lines) => print(ctx, lines));
  }
  return code;
}

export async function lvdisplay(ctx: Context, args: Args): Promise<number> {
  displayOptionChecks(args, 'lvdisplay');
  if (args.has('columns')) return (await import('./reporter.js')).runReport(ctx, args, 'lvs');
  const wanted = new Map<string, Set<string>>();
  const { names, tags } = splitTagArgs(ctx, args.positionals);
  let invalid = false;
  for (const a of names) {
    const n = splitLvArg(ctx, a);
    if ('invalid' in n) {
      ctx.out.error(n.invalid);
      invalid = true;
    } else if (n.lv) {
      if (!wanted.has(n.vg)) wanted.set(n.vg, new Set());
      wanted.get(n.vg)!.add(n.lv);
    } else wanted.set(vgNameArg(n.vg), wanted.get(vgNameArg(n.vg)) ?? new Set());
  }
  if (tags.length) {
    const vgNames = [...wanted.keys()];
    addTaggedLvs(ctx.reader.loadAllVgs(), tags, vgNames, wanted);
  }
  const { vgs, code: c0 } = args.positionals.length && !wanted.size ? { vgs: [], code: 0 } : loadVgs(ctx, [...wanted.keys()]);
  if (invalid) return 5; // process_each_lv stops before any LV when an argument is refused
  let code = c0;
  for (const vg of vgs) {
    if (vg.exported) {
      if (wanted.size) {
        ctx.out.error(`Volume group ${vg.name} is exported`);
        code = 5;
      }
      continue;
    }
    const info: VgInfo = vgInfo(vg, deviceView(ctx.systemDir));
    const names = wanted.get(vg.name);
    let lvs = vg.lvs.filter((lv) => lv.visible || args.has('all'));
    if (names && names.size) {
      lvs = [];
      for (const n of names) {
        const lv = info.lvByName.get(n);
        if (lv) lvs.push(lv);
        else {
          ctx.out.error(`Failed to find logical volume "${vg.name}/${n}"`);
          code = 5;
        }
      }
    }
    const status = await loadStatusSource(ctx, vg.lvs.some((l) => l.segments.some((s) => s.type === 'mirror' || s.type === 'raid1')));
    const monitored = (l: LogicalVolume) => status.monitored(vg, l);
    for (const lv of lvs) print(ctx, args.has('colon') ? [lvdisplayColons(info, lv)] : lvdisplayFull(info, lv, args.has('maps'), monitored));
  }
  return code;
}

export function pvscan(ctx: Context, args: Args): number {
  if (args.has('novolumegroup') && args.has('exported')) throw new InvalidCommandLine('Options -e and -n are incompatible');
  const all = allPvEntries(ctx);
  let entries = all;
  if (args.has('exported')) entries = all.filter((e) => e.info?.vg.exported);
  if (args.has('novolumegroup')) entries = all.filter((e) => !e.info);
  if (args.has('exported') || args.has('novolumegroup')) {
    ctx.out.error(`WARNING: only considering physical volumes ${args.has('exported') ? 'of exported volume group(s)' : 'in no volume group'}`);
  }
  print(ctx, pvscanLines(entries, all, args.has('short')));
  return 0;
}
