// vgsplit: move PVs, and the LVs wholly on them, into a new or existing VG (tools/vgsplit.c).
// `vgsplit VG VG_new PV ...` or `vgsplit -n LV VG VG_new` (the PVs the LV uses). An LV may not
// end up with extents in both VGs; moved LVs must be inactive. A new VG takes the old one's
// extent size, limits and allocation policy unless -l/-p/--alloc say otherwise. Both VGs are
// written in one transaction; the new VG is written twice, as LVM2 does (first as exported).
import { mdaCopiesArg } from '../src/format-text/mda-copies.js';
import type { CommandSpec } from '../src/cli/command-spec.js';
import { CommandFailed, InvalidCommandLine } from '../src/cli/errors.js';
import { noMatchingSyntaxLines } from '../src/cli/help.js';
import { takeGlobalLock, vgNameArg } from '../src/cli/toollib.js';
import { vgLockName } from '../src/store/locks.js';
import { nameError } from '../src/model/names.js';
import { newUuid } from '../src/model/uuid.js';
import { findLv } from '../src/model/vg-query.js';
import { moveLvsWithPvs, movePv, notResizeable, pvsUsedByLv, splitConsistency, vgsIncompatible } from '../src/model/vg-split.js';
import { readVgsForReshape, writeReshaped } from '../src/cli/vg-reshape.js';
import type { VolumeGroup } from '../src/model/types.js';
import { hasMetadataAreaInUse } from '../src/format-text/pv-layout.js';
import { lvsInTextOrder } from '../src/format-text/export.js';

/** Options that only make sense for a new VG (LVM2's _new_vg_option_specified). */
const NEW_VG_OPTIONS = ['alloc', 'maxphysicalvolumes', 'maxlogicalvolumes', 'vgmetadatacopies'];

export const spec: CommandSpec = {
  name: 'vgsplit',
  summary: 'Move physical volumes into a new or existing volume group',
  usage: ['vgsplit VG VG PV ...', 'vgsplit -n|--name LV VG VG'],
  options: ['name', 'autobackup', 'maxlogicalvolumes', 'metadatatype', 'maxphysicalvolumes', 'alloc', 'poolmetadataspare',
    'vgmetadatacopies'],
  run(ctx, args) {
    const pos = args.positionals;
    const lvName = args.str('name');
    if (lvName !== undefined && pos.length > 2) throw new InvalidCommandLine(`Command does not accept argument: ${pos[2]}.`);
    if (pos.length < (lvName !== undefined ? 2 : 3)) throw new InvalidCommandLine(...noMatchingSyntaxLines('vgsplit'));
    const fromName = vgNameArg(pos[0]!);
    const toName = vgNameArg(pos[1]!);
    const pvArgs = pos.slice(2);
    if (fromName === toName) throw new CommandFailed(`Duplicate volume group name "${fromName}"`);
    takeGlobalLock(ctx);
    const { from, to, existing } = readVgsForReshape(ctx, fromName, toName, () => {
      if (nameError(toName)) throw new CommandFailed(`Invalid vg name ${toName}.`);
    });
    const vgFrom = from.vg;
    // LVM2 has each VG's LVs in the order of its metadata text, which it has just read: the LVs
    // move (and vg_validate names them) in that order
    vgFrom.lvs = lvsInTextOrder(vgFrom);
    let vgTo: VolumeGroup;
    if (to) {
      vgTo = to.vg;
      vgTo.lvs = lvsInTextOrder(vgTo);
      if (NEW_VG_OPTIONS.some((o) => args.has(o))) throw new CommandFailed(`Volume group "${toName}" exists, but new VG option specified`);
      const bad = vgsIncompatible(vgFrom, vgTo);
      if (bad) throw new CommandFailed(bad);
    } else {
      if (args.str('alloc') === 'inherit') {
        throw new InvalidCommandLine('Volume Group allocation policy cannot inherit from anything', "Run `vgsplit --help' for more information.");
      }
      vgTo = {
        uuid: newUuid(), name: toName, extentSize: vgFrom.extentSize, seqno: 0,
        alloc: (args.str('alloc') as VolumeGroup['alloc'] | undefined) ?? vgFrom.alloc,
        maxLv: args.int('maxlogicalvolumes') ?? vgFrom.maxLv, maxPv: args.int('maxphysicalvolumes') ?? vgFrom.maxPv,
        resizeable: true, exported: false, tags: [], systemId: vgFrom.systemId, creationTime: ctx.now(), creationHost: ctx.host,
        pvs: [], lvs: [],
      };
      // vgcreate_params_set_from_args: --vgmetadatacopies, else metadata/vgmetadatacopies (unmanaged)
      const copies = args.str('vgmetadatacopies');
      if (copies !== undefined && mdaCopiesArg(copies)) vgTo.mdaCopies = mdaCopiesArg(copies);
    }
    for (const arg of pvArgs) {
      const dev = ctx.device(arg);
      const pv = vgFrom.pvs.find((p) => p.name === dev.name || p.path === dev.path);
      if (!pv) throw new CommandFailed(`Physical volume ${arg} not in volume group ${fromName}`);
      const bad = notResizeable(vgFrom) ?? notResizeable(vgTo);
      if (bad) throw new CommandFailed(bad);
      movePv(vgFrom, vgTo, pv);
    }
    if (lvName !== undefined) {
      const lv = findLv(vgFrom, lvName);
      if (!lv) throw new CommandFailed(`Logical volume ${lvName} not in volume group ${fromName}`);
      if (!vgFrom.resizeable) throw new CommandFailed(`Cannot move PV(s) from non resize volume group ${fromName}.`);
      if (!vgTo.resizeable) throw new CommandFailed(`Cannot move PV(s) to non resize volume group ${toName}.`);
      for (const pv of pvsUsedByLv(vgFrom, lv)) if (vgFrom.pvs.includes(pv)) movePv(vgFrom, vgTo, pv);
    }
    const bad = moveLvsWithPvs(vgFrom, vgTo);
    if (bad) throw new CommandFailed(bad);
    // vg_split_mdas: each VG must keep a metadata area (the source unless it is left empty).
    if (!vgTo.pvs.length || (vgFrom.pvs.length && (!hasMetadataAreaInUse(vgFrom.pvs, true) || !hasMetadataAreaInUse(vgTo.pvs, true)))) {
      throw new CommandFailed('Cannot split: Nowhere to store metadata for new Volume Group');
    }
    const corrupt = splitConsistency(vgFrom, vgTo);
    if (corrupt) throw new CommandFailed(...corrupt);
    writeReshaped(ctx, from, to, vgTo, `vgsplit ${fromName} ${toName}`);
    ctx.out.print(`${existing ? 'Existing' : 'New'} volume group "${toName}" successfully split from "${fromName}"`);
    return 0;
  },
};
