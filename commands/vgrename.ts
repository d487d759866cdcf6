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
    const oldArg = vgNameArg(args.positionals[0]!);
    const newName = vgNameArg(args.positionals[1]!);
    if (oldArg === newName) throw new CommandFailed('Old and new volume group names must differ');
    takeGlobalLock(ctx);
    // ALLOW_UUID_AS_NAME: an old name that is no VG's but a VG's UUID names that VG (process_each_vg)
    let oldName = oldArg;
    if (!ctx.store.vgNames().includes(oldArg) && /^[A-Za-z0-9!#]{6}(-?[A-Za-z0-9!#]{4}){5}-?[A-Za-z0-9!#]{6}$/.test(oldArg)) {
      const byUuid = ctx.reader.loadAllVgs().find((vg) => vg.uuid.replace(/-/g, '') === oldArg.replace(/-/g, ''));
      if (byUuid) {
        ctx.out.print(`Processing VG ${byUuid.name} because of matching UUID ${byUuid.uuid}`);
        oldName = byUuid.name;
        if (oldName === newName) throw new CommandFailed('New VG name must differ from the old VG name.');
      }
    }
    const loaded = readVgForUpdate(ctx, oldName, { allowExported: true });
    const bad = nameError(newName);
    if (bad) throw new CommandFailed(bad, `New volume group name "${newName}" is invalid.`);
    ctx.locks.lock(vgLockName(newName));
    if (ctx.store.loadVg(newName)) throw new CommandFailed(`New VG name "${newName}" already exists`);
    loaded.vg.name = newName;
    for (const pv of loaded.vg.pvs) pv.vgName = newName;
    commitVg(ctx, loaded, `vgrename ${oldArg} ${newName}`);
    ctx.out.print(`Volume group "${oldArg}" successfully renamed to "${newName}"`);
    return 0;
  },
};
