// vgmerge: merge a VG into another (tools/vgmerge.c): every PV and LV of the second joins the
// first, which keeps its name, uuid and settings; the second is gone. The VGs must be compatible
// (vgs_are_compatible: inactive LVs, same extent size, limits, no LV name in both).
import type { CommandSpec } from '../src/cli/command-spec.js';
import { CommandFailed, InvalidCommandLine } from '../src/cli/errors.js';
import { noMatchingSyntaxLines } from '../src/cli/help.js';
import { takeGlobalLock, vgNameArg } from '../src/cli/toollib.js';
import { readVgOrFail, writeReshaped } from '../src/cli/vg-reshape.js';
import { vgLockName } from '../src/store/locks.js';
import { renewClashingLvUuids } from '../src/model/lv-id.js';
import { movePv, vgsIncompatible } from '../src/model/vg-split.js';

export const spec: CommandSpec = {
  name: 'vgmerge',
  summary: 'Merge volume groups',
  usage: ['vgmerge VG VG'],
  options: ['autobackup', 'list', 'poolmetadataspare'],
  run(ctx, args) {
    const pos = args.positionals;
    if (pos.length > 2) throw new InvalidCommandLine(`Command does not accept argument: ${pos[2]}.`);
    if (pos.length < 2) {
      ctx.out.print('vgmerge VG VG');
      ctx.out.raw('\n');
      throw new InvalidCommandLine(...noMatchingSyntaxLines('vgmerge'), 'Correct command syntax is:');
    }
    const toName = vgNameArg(pos[0]!);
    const fromName = vgNameArg(pos[1]!);
    if (toName === fromName) throw new CommandFailed(`Duplicate volume group name "${fromName}"`);
    takeGlobalLock(ctx);
    // LVM2 reads (and locks) the two in name order
    for (const n of [toName, fromName].sort()) ctx.locks.lock(vgLockName(n));
    const [first, second] = toName < fromName ? [toName, fromName] : [fromName, toName];
    const firstVg = readVgOrFail(ctx, first);
    const secondVg = readVgOrFail(ctx, second);
    const [to, from] = first === toName ? [firstVg, secondVg] : [secondVg, firstVg];
    const bad = vgsIncompatible(from.vg, to.vg);
    if (bad) throw new CommandFailed(bad);
    for (const pv of [...from.vg.pvs]) movePv(from.vg, to.vg, pv);
    // an LV uuid both VGs have (a copy merged with its original) gets a new one (LVM2: "Changed LVID for ...")
    renewClashingLvUuids(to.vg, from.vg);
    to.vg.lvs.push(...from.vg.lvs);
    from.vg.lvs = [];
    writeReshaped(ctx, from, to, to.vg, `vgmerge ${toName} ${fromName}`, false);
    ctx.out.print(`Volume group "${fromName}" successfully merged into "${toName}"`);
    return 0;
  },
};
