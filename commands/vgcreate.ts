// vgcreate: a VG from PVs (tools/vgcreate.c, lib/metadata/metadata.c vg_create).
import { mdaCopiesArg } from '../src/format-text/mda-copies.js';
import type { CommandSpec } from '../src/cli/command-spec.js';
import { CommandFailed, InvalidCommandLine } from '../src/cli/errors.js';
import { noMatchingSyntaxLines } from '../src/cli/help.js';
import { pvCreateParams, pvsForVg, joinVg } from '../src/cli/vg-tools.js';
import { takeGlobalLock } from '../src/cli/toollib.js';
import { vgLockName } from '../src/store/locks.js';
import { nameError } from '../src/model/names.js';
import { DEFAULT_EXTENT_SIZE, MAX_EXTENT_SIZE } from '../src/model/defaults.js';
import { displaySize } from '../src/model/units.js';
import { newUuid } from '../src/model/uuid.js';
import type { VolumeGroup } from '../src/model/types.js';

export const spec: CommandSpec = {
  name: 'vgcreate',
  summary: 'Create a volume group',
  usage: ['vgcreate VG_new PV ...'],
  options: ['clustered', 'physicalextentsize', 'alloc', 'autobackup', 'force', 'zero', 'metadatatype', 'maxlogicalvolumes',
    'maxphysicalvolumes', 'addtag', 'dataalignment', 'dataalignmentoffset', 'metadatasize', 'pvmetadatacopies', 'vgmetadatacopies', 'reportformat'],
  run(ctx, args) {
    if (args.positionals.length < 2) {
      ctx.out.print('vgcreate VG_new PV ...');
      ctx.out.raw('\n');
      throw new InvalidCommandLine(...noMatchingSyntaxLines('vgcreate'), 'Correct command syntax is:');
    }
    const [vgArg, ...devs] = args.positionals as [string, ...string[]];
    const name = vgArg.startsWith('/dev/') ? vgArg.slice(5) : vgArg;
    // vgcreate_params_set_from_args
    if (args.has('clustered')) throw new InvalidCommandLine('The clustered option is deprecated, see --shared.', "Run `vgcreate --help' for more information.");
    const extent = args.size('physicalextentsize');
    if (extent && extent.sectors > MAX_EXTENT_SIZE) {
      throw new InvalidCommandLine(`Physical extent size must be smaller than ${displaySize(MAX_EXTENT_SIZE)}.`,
        "Run `vgcreate --help' for more information.");
    }
    if (extent && extent.sectors === 0) {
      throw new InvalidCommandLine('Physical extent size may not be zero', "Run `vgcreate --help' for more information.");
    }
    const bad = nameError(name);
    if (bad) {
      throw new InvalidCommandLine(bad, `New volume group name "${name}" is invalid.`, "Run `vgcreate --help' for more information.");
    }
    const alloc = args.str('alloc') ?? 'normal';
    if (alloc === 'inherit') throw new InvalidCommandLine('Volume Group allocation policy cannot inherit from anything');
    const extentSize = extent ? extent.sectors : DEFAULT_EXTENT_SIZE;
    if ((extentSize & (extentSize - 1)) !== 0 && extentSize % 256 !== 0) {
      throw new CommandFailed('Physical Extent size must be a multiple of 128.00 KiB when not a power of 2.');
    }
    const pvParams = pvCreateParams(ctx, args);
    takeGlobalLock(ctx);
    ctx.locks.lock(vgLockName(name));
    if (ctx.store.loadVg(name)) throw new CommandFailed(`A volume group called ${name} already exists.`);
    const vg: VolumeGroup = {
      uuid: newUuid(), name, extentSize, seqno: 0, alloc: alloc as VolumeGroup['alloc'],
      maxLv: args.int('maxlogicalvolumes') ?? 0, maxPv: args.int('maxphysicalvolumes') ?? 0, resizeable: true,
      exported: false, tags: args.all('addtag'), systemId: '', creationTime: ctx.now(), creationHost: ctx.host,
      pvs: [], lvs: [],
    };
    const copies = args.str('vgmetadatacopies');
    if (copies !== undefined && mdaCopiesArg(copies)) vg.mdaCopies = mdaCopiesArg(copies);
    ctx.store.transaction(() => {
      for (const pv of pvsForVg(ctx, devs, pvParams)) joinVg(vg, pv);
      ctx.store.commitVg(null, vg, `vgcreate ${name}`);
    });
    ctx.out.print(`Volume group "${name}" successfully created`);
    return 0;
  },
};
