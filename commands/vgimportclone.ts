// vgimportclone (LVM2 tools/vgimportclone.c): the PVs of a copied VG (image files copied like
// disks) get new PV UUIDs, the VG a new UUID and a new name (-n/--basevgname, else the old name
// with a number), so that the copy and the original can be used side by side; --import also
// imports an exported VG. The VG is read from the named devices' own metadata areas.
import type { CommandSpec } from '../src/cli/command-spec.js';
import { InvalidCommandLine } from '../src/cli/errors.js';
import { noMatchingSyntaxLines } from '../src/cli/help.js';

export const spec: CommandSpec = {
  name: 'vgimportclone',
  summary: 'Import a VG from cloned PVs',
  usage: ['vgimportclone PV ...'],
  options: ['basevgname', 'import'],
  async run(ctx, args) {
    if (!args.positionals.length) {
      ctx.out.print('vgimportclone PV ...');
      ctx.out.raw('\n');
      throw new InvalidCommandLine(...noMatchingSyntaxLines('vgimportclone'), 'Correct command syntax is:');
    }
    const { importClone } = await import('../src/format-text/import-clone.js');
    importClone(ctx, args.positionals, args.str('basevgname'), args.has('import'));
    return 0;
  },
};
