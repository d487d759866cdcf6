// Shared steps of handlers (LVM2 tools/toollib.c): naming VGs and LVs on the command line,
// reading a VG under its lock with LVM2's "not found" messages, committing it.
import type { Context } from './context.js';
import { CommandFailed, InvalidCommandLine } from './errors.js';
import type { LoadedVg } from '../store/metadata-store.js';
import type { LogicalVolume, PhysicalVolume, VolumeGroup } from '../model/types.js';
import { findLv } from '../model/vg-query.js';
import { vgLockName, GLOBAL_LOCK } from '../store/locks.js';
import { hasTag, lvmcacheOrder, lvsByTag, splitTagArgs } from './tag-args.js';
import { reconcileWithAreas } from '../format-text/consistency.js';
import { markMissingPvs, vgMetadataFound, vgMissingPvs, warnAfterCommit, warnMissing } from './pv-tools.js';

export interface LvName {
  vg: string;
  lv: string;
}

/**
 * skip_dev_dir(): an argument without the device directory, "/dev/" or, with TSVM_DEV_DIR, that
 * directory (where LVM2's devices/dir would be); "/dev/mapper/vg-lv" becomes "vg/lv".
 */
export function skipDevDir(ctx: Context, arg: string): { name: string; devDirFound: boolean } {
  const dirs = ['/dev/', ...(ctx.devDir ? [ctx.devDir.replace(/\/+$/, '') + '/'] : [])];
  for (const dir of dirs) {
    if (!arg.startsWith(dir)) continue;
    const rest = arg.slice(dir.length);
    const m = rest.startsWith('mapper/') ? /^mapper\/((?:[^-]|--)+)-(.+)$/.exec(rest) : null;
    if (m) return { name: `${m[1]!.replace(/--/g, '-')}/${m[2]!.replace(/--/g, '-')}`, devDirFound: true };
    return { name: rest, devDirFound: true };
  }
  return { name: arg, devDirFound: false };
}

/** An LV argument as process_each_lv reads it: VG and LV, the VG alone (lv null), or LVM2's refusal. */
export type LvArg = { vg: string; lv: string | null } | { invalid: string };

export function splitLvArg(ctx: Context, arg: string, defaultVg?: string): LvArg {
  const { name, devDirFound } = skipDevDir(ctx, arg);
  const invalid = { invalid: `"${arg}": Invalid path for Logical Volume.` };
  if (name.startsWith('/')) return invalid;
  const slash = name.indexOf('/');
  if (slash >= 0) {
    // exactly one run of slashes ("vg//lv" is vg/lv)
    const lv = name.slice(slash).replace(/^\/+/, '');
    if (lv.includes('/')) return invalid;
    return { vg: name.slice(0, slash), lv };
  }
  const vg = devDirFound ? undefined : defaultVg ?? ctx.env.LVM_VG_NAME;
  return vg ? { vg, lv: name } : { vg: name, lv: null };
}

/** "vg/lv", "/dev/vg/lv" or "lv" (with the VG from `defaultVg`, or LVM_VG_NAME as LVM2 does). */
export function parseLvName(ctx: Context, arg: string, defaultVg?: string): LvName | null {
  const a = splitLvArg(ctx, arg, defaultVg);
  return 'invalid' in a || a.lv === null || !a.lv || !a.vg ? null : { vg: a.vg, lv: a.lv };
}

/** A VG name argument may be written "/dev/vg" or "vg". */
export function vgNameArg(arg: string): string {
  let s = arg.startsWith('/dev/') ? arg.slice(5) : arg;
  while (s.endsWith('/')) s = s.slice(0, -1);
  return s;
}

export function vgNotFound(name: string): CommandFailed {
  return new CommandFailed(`Volume group "${name}" not found`, `Cannot process volume group ${name}`);
}

export interface UpdateReadOptions {
  /**
   * LVM2's cmd->handles_missing_pvs: the command may change a VG that is missing PVs (lvremove,
   * lvchange except --resync, lvconvert --repair, vgchange, vgextend, vgreduce). Others are refused.
   */
  handlesMissingPvs?: boolean;
  /** The command scans for missing PVs and warns itself (vgreduce, vgremove). */
  ownScan?: boolean;
  /** LVM2's READ_ALLOW_EXPORTED: the command works on an exported VG (vgimport, vgexport, vgrename). */
  allowExported?: boolean;
}

/**
 * Lock and read a VG for a change (vg_read for update): PVs whose image is gone are flagged, with
 * LVM2's warnings, and a command that does not handle missing PVs is refused. The lock is held
 * until the command ends.
 */
export function readVgForUpdate(ctx: Context, name: string, opts: UpdateReadOptions = {}): LoadedVg {
  ctx.locks.lock(vgLockName(name));
  let loaded = ctx.store.loadVgForUpdate(name);
  if (!loaded) throw vgNotFound(name);
  // The metadata areas hold a version tsvm did not write (the disks were used by LVM2): it wins.
  if (reconcileWithAreas(ctx, loaded.vg)) loaded = ctx.store.loadVgForUpdate(name)!;
  if (loaded.vg.exported && !opts.allowExported) throw new CommandFailed(`Volume group ${name} is exported`);
  if (opts.ownScan) return loaded;
  const vg = loaded.vg;
  markMissingPvs(vg, (pv) => ctx.pvImagePresent(pv));
  // No PV with a metadata area found: LVM2, whose metadata lives on the PVs, does not see the VG at all.
  if (!vgMetadataFound(vg)) throw vgNotFound(name);
  if (vgMissingPvs(vg)) {
    warnMissing(ctx, vg);
    if (!opts.handlesMissingPvs) {
      throw new CommandFailed(`Cannot change VG ${name} while PVs are missing.`, 'See vgreduce --removemissing and vgextend --restoremissing.',
        `Cannot process volume group ${name}`);
    }
  }
  return loaded;
}

/** Read a VG for reporting (no lock: SQLite gives a consistent snapshot). */
export function readVg(ctx: Context, name: string): VolumeGroup {
  const loaded = ctx.store.loadVg(name);
  if (!loaded) throw vgNotFound(name);
  return loaded.vg;
}

export function requireLv(vg: VolumeGroup, name: string): LogicalVolume {
  const lv = findLv(vg, name);
  if (!lv) throw new CommandFailed(`Failed to find logical volume "${vg.name}/${name}"`);
  return lv;
}

export function takeGlobalLock(ctx: Context): void {
  ctx.locks.lock(GLOBAL_LOCK);
}

/**
 * The VG of a PV named on the command line (pvchange, pvresize), for update. When the VG cannot be
 * processed (PVs missing), LVM2 then does not find the PV either: its error says so too.
 */
export function readPvVgForUpdate(ctx: Context, vgName: string, devName: string): LoadedVg {
  try {
    return readVgForUpdate(ctx, vgName);
  } catch (e) {
    if (!(e instanceof CommandFailed)) throw e;
    throw new CommandFailed(...e.lines, `Failed to find physical volume "${devName}".`);
  }
}

/** Commit a changed VG (vg_write + vg_commit). */
export function commitVg(ctx: Context, loaded: LoadedVg, description: string, released: PhysicalVolume[] = [], deviceLines = true): void {
  ctx.store.commitVg(loaded, loaded.vg, description, released);
  // (vgreduce --removemissing prints its own, differently.)
  if (deviceLines) warnAfterCommit(ctx, loaded.vg);
}

export function requirePositionals(ctx: Context, args: { positionals: string[] }, min: number, what: string): void {
  if (args.positionals.length < min) {
    throw new InvalidCommandLine(`${what}`, `Run \`${ctx.cmd} --help' for more information.`);
  }
}

/** LV arguments grouped by VG, in order of first mention (process_each_lv); lvs null = every LV. */
export interface LvArgGroup {
  vg: string;
  lvs: string[] | null;
}

/**
 * The LVs named by VG, vg/lv and @tag arguments. With a tag, every VG is visited in lvmcache's
 * order (tag-args.ts); a VG carrying the tag stands for all its LVs.
 */
export function groupLvArgs(ctx: Context, positionals: string[], invalid?: string[]): LvArgGroup[] {
  const { names, tags } = splitTagArgs(ctx, positionals);
  const out: LvArgGroup[] = [];
  for (const arg of names) {
    const t = splitLvArg(ctx, arg);
    if ('invalid' in t) {
      ctx.out.error(t.invalid);
      invalid?.push(arg);
      continue;
    }
    const vg = t.lv === null ? vgNameArg(t.vg) : t.vg;
    let entry = out.find((x) => x.vg === vg);
    if (!entry) out.push((entry = { vg, lvs: [] }));
    if (t.lv === null) entry.lvs = null;
    else if (entry.lvs && !entry.lvs.includes(t.lv)) entry.lvs.push(t.lv);
  }
  if (invalid?.length) return []; // process_each_lv stops before any VG when an argument is refused
  if (!tags.length) return out;
  const ordered: LvArgGroup[] = [];
  for (const vg of lvmcacheOrder(ctx.reader.loadAllVgs())) {
    const named = out.find((x) => x.vg === vg.name);
    if (named?.lvs === null || hasTag(vg, tags)) {
      ordered.push({ vg: vg.name, lvs: null });
      continue;
    }
    const lvs = [...(named?.lvs ?? [])];
    for (const lv of lvsByTag(vg, tags)) if (!lvs.includes(lv.name)) lvs.push(lv.name);
    if (lvs.length) ordered.push({ vg: vg.name, lvs });
  }
  return [...ordered, ...out.filter((x) => !ordered.some((o) => o.vg === x.vg))];
}

/** VG arguments and @tags (process_each_vg): with a tag, every VG carrying it, in lvmcache's order. */
export function vgArgNames(ctx: Context, positionals: string[]): string[] {
  const { names, tags } = splitTagArgs(ctx, positionals);
  const plain = [...new Set(names.map(vgNameArg))];
  if (!tags.length) return plain;
  const vgs = lvmcacheOrder(ctx.reader.loadAllVgs());
  const chosen = vgs.filter((vg) => plain.includes(vg.name) || hasTag(vg, tags)).map((vg) => vg.name);
  return [...chosen, ...plain.filter((n) => !chosen.includes(n))];
}
