// vgextend: add PVs to a VG (tools/vgextend.c).
import type { CommandSpec } from '../src/cli/command-spec.js';
import { InvalidCommandLine } from '../src/cli/errors.js';
import { noMatchingSyntaxLines } from '../src/cli/help.js';
import { pvsForVg, joinVg } from '../src/cli/vg-tools.js';
import { commitVg, readVgForUpdate, takeGlobalLock, vgNameArg } from '../src/cli/toollib.js';

export const spec: CommandSpec = {
  name: 'vgextend',
  summary: 'Add physical volumes to a volume group',
  usage: ['vgextend VG PV ...'],
  options: ['autobackup', 'force', 'zero', 'metadatatype', 'metadatasize', 'pvmetadatacopies', 'dataalignment', 'reportformat'],
  run(ctx, args) {
    if (args.positionals.length < 2) {
      ctx.out.print('vgextend VG PV ...');
      ctx.out.raw('\n');
      throw new InvalidCommandLine(...noMatchingSyntaxLines('vgextend'), 'Correct command syntax is:');
    }
    const [vgArg, ...devs] = args.positionals as [string, ...string[]];
    const name = vgNameArg(vgArg);
    takeGlobalLock(ctx);
    // LVM2 checks the devices before it reads the VG.
    const pvs = ctx.store.transaction(() => pvsForVg(ctx, devs));
    const loaded = readVgForUpdate(ctx, name);
    for (const pv of pvs) joinVg(loaded.vg, pv);
    commitVg(ctx, loaded, `vgextend ${name}`);
    ctx.out.print(`Volume group "${name}" successfully extended`);
    return 0;
  },
};
