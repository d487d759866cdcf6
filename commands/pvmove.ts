// pvmove: move the extents of a PV elsewhere while the LVs stay in use (tools/pvmove.c): a temporary
// pvmove mirror is set up and committed (src/pvmove/setup.ts), then copied, finished or aborted
// (src/pvmove/move.ts); `pvmove` alone resumes every move in progress.
import type { CommandSpec } from '../src/cli/command-spec.js';
import type { Context } from '../src/cli/context.js';
import type { Args } from '../src/cli/args.js';
import { CommandFailed, InvalidCommandLine } from '../src/cli/errors.js';
import { deviceExists, pvOnDevice } from '../src/cli/pv-tools.js';
import { commitVg, readVgForUpdate } from '../src/cli/toollib.js';
import { createPvList, parsePes } from '../src/lv/pv-list.js';
import { displayLvName } from '../src/lv/common.js';
import { nameError } from '../src/model/names.js';
import { pvAllocatedExtents } from '../src/model/pv-map.js';
import type { AllocPolicy, LogicalVolume, VolumeGroup } from '../src/model/types.js';
import { findLv } from '../src/model/vg-query.js';
import { vgLockName } from '../src/store/locks.js';
import type { PvRangeLimit } from '../src/alloc/index.js';

export const spec: CommandSpec = {
  name: 'pvmove',
  summary: 'Move extents from one physical volume to another',
  usage: ['pvmove PV', 'pvmove'],
  options: ['abort', 'alloc', 'atomic', 'autobackup', 'background', 'interval', 'name', 'noudevsync', 'reportformat'],
  async run(ctx, args) {
    if (args.int('interval') !== undefined && args.int('interval')! < 0) {
      throw new InvalidCommandLine(`Invalid argument for --interval: ${args.str('interval')}`, 'Error during parsing of command line.');
    }
    const pos = args.positionals;
    if (!pos.length) {
      // The variant without a PV (pvmove_any) takes only --abort, --background and --interval.
      const unused = ['alloc', 'atomic', 'autobackup', 'name', 'noudevsync', 'reportformat'].filter((o) => args.has(o));
      if (unused.length) {
        throw new InvalidCommandLine(...unused.map((o) => `Command does not accept option: --${o}${args.str(o) ? ` ${args.str(o)}` : ''}.`));
      }
      return pollAll(ctx, args);
    }
    return moveOne(ctx, args, pos[0]!, pos.slice(1));
  },
};

const usageHint = (ctx: Context) => `Run \`${ctx.cmd} --help' for more information.`;

function interval(ctx: Context, args: Args): number {
  return args.int('interval') ?? ctx.config.num('activation/polling_interval', 15);
}

/** --driverloaded n: metadata only, as LVM2 without device-mapper (nothing is activated or copied). */
function driverLoaded(args: Args): boolean {
  return args.str('driverloaded') !== 'n';
}

/** _extract_lvname(): "lv", "vg/lv" or "/dev/vg/lv" for -n, checked against the source PV's VG. */
function extractLvName(ctx: Context, vgName: string, arg: string): string {
  if (!arg.includes('/')) return arg;
  let s = arg.startsWith('/dev/') ? arg.slice(5) : arg;
  while (s.startsWith('/')) s = s.slice(1);
  const bad = (line: string) => new InvalidCommandLine(line, 'Failed to find an LV name.', usageHint(ctx));
  if (!s.includes('/')) throw bad('--name takes a logical volume name.');
  if (!s.startsWith(vgName) || s[vgName.length] !== '/') throw bad('Named LV and old PV must be in the same VG.');
  s = s.slice(vgName.length);
  while (s.startsWith('/')) s = s.slice(1);
  if (!s) throw bad('Incomplete LV name supplied with --name.');
  return s;
}

async function moveOne(ctx: Context, args: Args, srcArg: string, destArgs: string[]): Promise<number> {
  const colon = srcArg.indexOf(':');
  const dev = ctx.device(colon >= 0 ? srcArg.slice(0, colon) : srcArg);
  // LVM2 names a device it cannot find as it was written.
  if (!deviceExists(dev)) throw new InvalidCommandLine(`Cannot use ${colon >= 0 ? srcArg.slice(0, colon) : srcArg}: device not found`, usageHint(ctx));
  const found = pvOnDevice(ctx, dev);
  if (!found) throw new CommandFailed(`Failed to find physical volume "${dev.name}".`);
  if (!found.vgName) {
    if (args.has('abort')) {
      ctx.out.print(`${found.name}: No pvmove in progress - already finished or aborted.`);
      return 0;
    }
    throw new CommandFailed('No extents available for allocation.');
  }
  const move = await import('../src/pvmove/move.js');
  if (args.has('abort')) {
    const vg = ctx.store.loadVg(found.vgName)?.vg;
    const pv = vg?.pvs.find((p) => p.uuid === found.uuid);
    const { findPvmoveLv } = await import('../src/pvmove/layer.js');
    const layer = vg && pv && findPvmoveLv(vg, pv.uuid);
    if (!vg || !pv || !layer) {
      ctx.out.print(`${found.name}: No pvmove in progress - already finished or aborted.`);
      return 0;
    }
    return poll(ctx, args, move.pvmoveId(vg, layer), true);
  }
  let loaded;
  try {
    loaded = readVgForUpdate(ctx, found.vgName);
  } catch (e) {
    // process_each_pv(): the PV of a VG that cannot be processed is not found either (exit 3).
    if (!(e instanceof CommandFailed)) throw e;
    throw new InvalidCommandLine(...e.lines, `Failed to find physical volume "${found.name}".`, usageHint(ctx));
  }
  const vg = loaded.vg;
  const pv = vg.pvs.find((p) => p.uuid === found.uuid)!;
  let lvName: string | undefined;
  if (args.has('name')) {
    lvName = extractLvName(ctx, vg.name, args.str('name')!);
    if (nameError(lvName)) throw new InvalidCommandLine(`Logical volume name ${lvName} is invalid.`, usageHint(ctx));
    if (!findLv(vg, lvName)) throw new CommandFailed(`Logical volume ${lvName} not found.`);
  }
  const layerMod = await import('../src/pvmove/layer.js');
  const existing = layerMod.findPvmoveLv(vg, pv.uuid);
  let layer: LogicalVolume;
  if (existing) {
    ctx.out.print(`Detected pvmove in progress for ${pv.name}.`);
    if (destArgs.length || lvName) ctx.out.warn('WARNING: Ignoring remaining command line arguments.');
    layer = existing;
    if (driverLoaded(args)) activateMove(ctx, vg, layer);
  } else {
    const source = { pv, ranges: colon >= 0 ? parsePes(srcArg.slice(colon), pv.peCount) : [[0, pv.peCount - 1] as [number, number]] };
    const alloc = (args.str('alloc') ?? 'inherit') as AllocPolicy;
    const policy = alloc === 'inherit' ? vg.alloc : alloc;
    const allocatable = allocatablePvs(ctx, vg, pv.uuid, destArgs, policy);
    const { planPvmove } = await import('../src/pvmove/setup.js');
    const { defaultRegionSize } = await import('../src/mirror/layout.js');
    const plan = planPvmove({
      vg, source, lvName, allocatable, alloc: policy, regionSize: defaultRegionSize(ctx.config), now: ctx.now(), host: ctx.host,
      atomic: args.has('atomic'), activate: driverLoaded(args), notice: (l) => ctx.out.print(l),
    });
    layer = plan.layer;
    // Writers of the moved LVs are held while the layer goes in (they flush, then see it); the log
    // is written meanwhile, so what it takes as never written (no copy needed) stays so.
    move.withLvLocks(ctx.systemDir, plan.holders, () => {
      if (driverLoaded(args)) move.preparePvmoveLog(ctx.systemDir, vg, layer);
      commitVg(ctx, loaded, `pvmove ${pv.name}: ${plan.holders.map((h) => displayLvName(vg, h)).join(', ')} onto ${layer.name}`);
    });
  }
  const id = move.pvmoveId(vg, layer);
  // The copy may take long: other commands may change the VG meanwhile (LVM2 drops its locks too).
  ctx.locks.unlock(vgLockName(vg.name));
  if (args.has('background')) {
    if (driverLoaded(args)) (await import('../src/pvmove/daemon.js')).spawnPvmove(ctx.systemDir, id);
    return 0;
  }
  return poll(ctx, args, id, false);
}

/** _get_allocatable_pvs(): the PVs named (or all), without the source (unless anywhere) and full PVs. */
function allocatablePvs(ctx: Context, vg: VolumeGroup, sourceUuid: string, destArgs: string[], policy: AllocPolicy): PvRangeLimit[] {
  const limits = destArgs.length ? createPvList(ctx, vg, destArgs).limits : vg.pvs.map((p) => ({ pvUuid: p.uuid }));
  const out = limits.filter((l) => {
    if (policy !== 'anywhere' && l.pvUuid === sourceUuid) return false;
    const p = vg.pvs.find((x) => x.uuid === l.pvUuid)!;
    return pvAllocatedExtents(vg, p) < p.peCount;
  });
  if (!out.length) throw new CommandFailed('No extents available for allocation.');
  return out;
}

/** The move's LV and the LVs on it are activated (LVM2 _activate_lv + activate_lvs). */
function activateMove(ctx: Context, vg: VolumeGroup, layer: LogicalVolume): void {
  const users = vg.lvs.filter((l) => l.segments.some((s) => s.areas.some((a) => a.kind === 'lv' && a.lvName === layer.name)));
  const change = [layer, ...users].filter((l) => !l.active);
  for (const l of change) l.active = true;
  if (change.length) ctx.store.setLvActive(change.map((l) => l.uuid), true);
}

async function poll(ctx: Context, args: Args, id: import('../src/pvmove/move.js').PvmoveId, abort: boolean): Promise<number> {
  const move = await import('../src/pvmove/move.js');
  return move.pollPvmove(ctx.systemDir, id, {
    interval: abort ? 0 : interval(ctx, args),
    abort,
    print: (line) => {
      ctx.out.print(line);
      ctx.out.flushOut();
    },
    error: (line) => ctx.out.error(line),
  });
}

/** `pvmove` / `pvmove --abort` without a PV: every move in progress, VG by VG (_poll_for_all_vgs). */
async function pollAll(ctx: Context, args: Args): Promise<number> {
  const move = await import('../src/pvmove/move.js');
  const { isPvmoveLv } = await import('../src/pvmove/layer.js');
  let rc = 0;
  for (const name of ctx.store.vgNames()) {
    const vg = ctx.store.loadVg(name)?.vg;
    if (!vg) continue;
    for (const lv of vg.lvs.filter(isPvmoveLv)) {
      const id = move.pvmoveId(vg, lv);
      if (!lv.active) {
        ctx.out.print(`${id.pvName}: Skipping inactive LV. Try lvchange or vgchange.`);
        continue;
      }
      if (args.has('background') && !args.has('abort')) {
        (await import('../src/pvmove/daemon.js')).spawnPvmove(ctx.systemDir, id);
        continue;
      }
      rc = Math.max(rc, await poll(ctx, args, id, args.has('abort')));
    }
  }
  return rc;
}
