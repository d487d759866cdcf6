// vgrename: rename a VG (tools/vgrename.c).
import type { CommandSpec } from '../src/cli/command-spec.js';
import { CommandFailed, InvalidCommandLine } from '../src/cli/errors.js';
import { noMatchingSyntaxLines } from '../src/cli/help.js';
import { commitVg, readVgForUpdate, takeGlobalLock, vgNameArg } from '../src/cli/toollib.js';
import { nameError } from '../src/model/names.js';
import { vgLockName } from '../src/store/locks.js';

export const spec: CommandSpec = {
  name: 'vgrename',
  summary: 'Rename a volume group',
  usage: ['vgrename VG VG_new'],
  options: ['autobackup', 'force', 'reportformat'],
  run(ctx, args) {
    if (args.positionals.length !== 2) {
      ctx.out.print('vgrename VG VG_new');
      ctx.out.raw('\n');
      throw new InvalidCommandLine(...noMatchingSyntaxLines('vgrename'), 'Correct command syntax is:');
    }
    const oldName = vgNameArg(args.positionals[0]!);
    const newName = vgNameArg(args.positionals[1]!);
    if (oldName === newName) throw new CommandFailed('Old and new volume group names must differ');
    takeGlobalLock(ctx);
    const loaded = readVgForUpdate(ctx, oldName, { allowExported: true });
    const bad = nameError(newName);
    if (bad) throw new CommandFailed(bad, `New volume group name "${newName}" is invalid.`);
    ctx.locks.lock(vgLockName(newName));
    if (ctx.store.loadVg(newName)) throw new CommandFailed(`New VG name "${newName}" already exists`);
    loaded.vg.name = newName;
    for (const pv of loaded.vg.pvs) pv.vgName = newName;
    commitVg(ctx, loaded, `vgrename ${oldName} ${newName}`);
    ctx.out.print(`Volume group "${oldName}" successfully renamed to "${newName}"`);
    return 0;
  },
};
