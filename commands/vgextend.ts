// vgextend: add PVs to a VG (tools/vgextend.c).
import type { CommandSpec } from '../src/cli/command-spec.js';
import { CommandFailed, InvalidCommandLine } from '../src/cli/errors.js';
import type { Context } from '../src/cli/context.js';
import { pvFlaggedMissing, vgMissingPvs, warnPvDevices } from '../src/cli/pv-tools.js';
import { noMatchingSyntaxLines } from '../src/cli/help.js';
import { pvCreateParams, pvsForVg, joinVg } from '../src/cli/vg-tools.js';
import { commitVg, readVgForUpdate, takeGlobalLock, vgNameArg } from '../src/cli/toollib.js';

export const spec: CommandSpec = {
  name: 'vgextend',
  summary: 'Add physical volumes to a volume group',
  usage: ['vgextend VG PV ...'],
  options: ['restoremissing', 'autobackup', 'force', 'zero', 'metadatatype', 'metadatasize', 'pvmetadatacopies', 'metadataignore', 'dataalignment', 'dataalignmentoffset', 'reportformat'],
  run(ctx, args) {
    if (args.positionals.length < 2) {
      ctx.out.print('vgextend VG PV ...');
      ctx.out.raw('\n');
      throw new InvalidCommandLine(...noMatchingSyntaxLines('vgextend'), 'Correct command syntax is:');
    }
    const [vgArg, ...devs] = args.positionals as [string, ...string[]];
    const name = vgNameArg(vgArg);
    if (args.has('restoremissing')) return restoreMissing(ctx, name, devs);
    const pvParams = pvCreateParams(ctx, args);
    takeGlobalLock(ctx);
    // LVM2 checks the devices before it reads the VG.
    const pvs = ctx.store.transaction(() => pvsForVg(ctx, devs, pvParams));
    const loaded = readVgForUpdate(ctx, name, { handlesMissingPvs: true });
    for (const pv of pvs) joinVg(loaded.vg, pv);
    commitVg(ctx, loaded, `vgextend ${name}`);
    ctx.out.print(`Volume group "${name}" successfully extended`);
    return 0;
  },
};

/**
 * vgextend --restoremissing VG PV... (tools/vgextend.c _vgextend_restoremissing, _restore_pv): a PV
 * the VG was written without (flagged missing) whose device is back becomes a normal member again.
 */
function restoreMissing(ctx: Context, name: string, devs: string[]): number {
  const loaded = readVgForUpdate(ctx, name, { handlesMissingPvs: true });
  const vg = loaded.vg;
  // (LVM2 looks the PVs up once more before restoring: its device lines come again.)
  if (vgMissingPvs(vg)) warnPvDevices(ctx, vg);
  let fixed = 0;
  for (const arg of devs) {
    const dev = ctx.device(arg);
    const pv = vg.pvs.find((p) => p.path === dev.path || p.name === dev.name);
    if (!pv) ctx.out.warn(`WARNING: PV ${dev.name} not found in VG ${vg.name}`);
    else if (pv.absent) ctx.out.warn(`WARNING: The PV ${dev.name} is still missing.`);
    else if (pv.missing || pvFlaggedMissing(pv)) {
      pv.missing = false;
      fixed++;
    } else ctx.out.warn(`WARNING: PV ${dev.name} was not missing in VG ${vg.name}`);
  }
  if (!fixed) throw new CommandFailed('No PV has been restored.');
  commitVg(ctx, loaded, `vgextend --restoremissing ${name}`);
  ctx.out.print(`Volume group "${name}" successfully extended`);
  return 0;
}
