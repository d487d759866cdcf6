// lvconvert: change an LV's layout (tools/lvconvert.c). The mirror family and raid1 (lvconvert-raid.ts) are implemented;
// handlers are chosen by variant, as LVM2's command-lines.in does: mirror images and --type
// (lvconvert-mirror.ts), log type (lvconvert-log.ts, through lvconvert-mirror), split
// (lvconvert-split.ts), repair (lvconvert-repair.ts), and a bare `lvconvert LV` that waits for
// (or resumes) a conversion in progress (lvconvert-poll.ts).
import type { CommandSpec } from '../src/cli/command-spec.js';
import { CommandFailed, InvalidCommandLine } from '../src/cli/errors.js';
import { noMatchingSyntaxLines } from '../src/cli/help.js';
import { parseLvName, readVgForUpdate, requireLv } from '../src/cli/toollib.js';

import { findPvArg } from '../src/lv/pv-list.js';
import { isMirror, isRaid1 } from '../src/model/vg-query.js';
import { regionSizeError } from '../src/mirror/layout.js';

export const spec: CommandSpec = {
  name: 'lvconvert',
  summary: 'Change logical volume layout',
  usage: ['lvconvert --type mirror LV', 'lvconvert -m|--mirrors [+|-]Number LV', 'lvconvert --splitmirrors Number -n|--name LV_new LV', 'lvconvert --repair LV'],
  options: [
    'type', 'mirrors', 'mirrorlog', 'corelog', 'regionsize', 'alloc', 'background', 'interval', 'splitmirrors', 'name',
    'trackchanges', 'repair', 'usepolicies', 'force', 'stripes', 'stripesize', 'noudevsync', 'mergemirrors', 'merge',
  ],
  async run(ctx, args) {
    const pos = args.positionals;
    if (args.has('mirrorlog') && args.has('corelog')) throw new InvalidCommandLine('--mirrorlog and --corelog are incompatible.');
    if (!pos.length) throw new InvalidCommandLine(...noMatchingSyntaxLines('lvconvert'));
    if (args.has('splitmirrors') && !args.has('name') && !args.has('trackchanges')) {
      ctx.out.print('lvconvert --splitmirrors Number -n|--name LV_new LV');
      ctx.out.print('Split images from a raid1 or mirror LV and use them to create a new LV.');
      ctx.out.raw('\n');
      throw new InvalidCommandLine(...noMatchingSyntaxLines('lvconvert'), 'Nearest similar command has syntax:');
    }
    if (args.has('splitmirrors') && (args.has('mirrors') || args.has('type'))) {
      throw new InvalidCommandLine(...noMatchingSyntaxLines('lvconvert'));
    }
    const r = args.size('regionsize');
    if (r) {
      const err = regionSizeError(r.sectors);
      if (err) throw new InvalidCommandLine(err, `Invalid argument for --regionsize: ${args.str('regionsize')}`, 'Error during parsing of command line.');
    }
    const interval = args.int('interval') ?? ctx.config.num('activation/polling_interval', 15);
    const name = parseLvName(ctx, pos[0]!);
    if (!name) {
      // LVM2 reports the argument and carries on with nothing to process.
      ctx.out.error(`"${pos[0]}": Invalid path for Logical Volume.`);
      return 0;
    }
    const type = args.str('type');
    if (type && !['mirror', 'linear', 'raid1'].includes(type)) {
      throw new CommandFailed(`Conversion using --type ${type} is not supported by tsvm (only mirror, raid1 and linear are).`);
    }
    const mirrorOp = args.has('mirrors') || type !== undefined || args.has('mirrorlog') || args.has('corelog');
    // --repair and a bare poll may run with PVs missing; other conversions may not (lvconvert.c).
    const handlesMissingPvs = args.has('repair') || (!args.has('splitmirrors') && !mirrorOp);
    const loaded = readVgForUpdate(ctx, name.vg, { handlesMissingPvs });
    const lv = requireLv(loaded.vg, name.lv);
    const pvArgs = pos.slice(1);
    for (const a of pvArgs) {
      if (a.startsWith('@')) continue;
      const dev = a.replace(/:.*$/, '');
      if (!findPvArg(ctx, loaded.vg, dev)) throw new CommandFailed(`Physical Volume "${ctx.device(dev).name}" not found in Volume Group "${loaded.vg.name}".`);
    }
    // command-lines.in: RULE: all not lv_is_locked lv_is_pvmove
    const props = [lv.flags.includes('LOCKED') ? 'lv_is_locked' : '', lv.flags.includes('PVMOVE') ? 'lv_is_pvmove' : ''].filter(Boolean);
    if (props.length) {
      const full = `${loaded.vg.name}/${lv.name}`;
      throw new CommandFailed(`Command on LV ${full} is invalid on LV with properties: ${props.join(' ')} .`, `Command not permitted on LV ${full}.`);
    }
    const notPermitted = (what: string) =>
      new CommandFailed(`Command on LV ${loaded.vg.name}/${lv.name} does not accept LV type ${what}.`, `Command not permitted on LV ${loaded.vg.name}/${lv.name}.`);
    const kind = isMirror(lv) ? 'mirror' : isRaid1(lv) ? 'raid1'
      : lv.segments.every((s) => s.type === 'striped' && s.areas.length === 1) ? 'linear' : 'striped';
    const common = { ctx, args, loaded, lv, pvArgs, interval };
    if (args.has('mergemirrors') || args.has('merge')) return (await import('./lvconvert-raid-split.js')).mergeRaidImage(common);
    if (kind === 'raid1' && args.has('splitmirrors')) return (await import('./lvconvert-raid-split.js')).splitRaid(common);
    if ((args.has('repair') || args.has('splitmirrors')) && kind !== 'mirror' && kind !== 'raid1') throw notPermitted(kind);
    if (args.has('trackchanges') && kind !== 'raid1') throw notPermitted(kind);
    // -m without --type: global/mirror_segtype_default (raid1 unless set to "mirror"), lvconvert.c _convert_striped
    const mirrorsMeanRaid1 = ctx.config.str('global/mirror_segtype_default', 'raid1') !== 'mirror';
    const toRaid1 = kind === 'raid1' ? mirrorOp && type !== 'mirror' : kind === 'mirror' ? type === 'raid1'
      : kind === 'linear' && (type === 'raid1' || (type === undefined && args.has('mirrors') && mirrorsMeanRaid1 && args.str('mirrors') !== '0'));
    if (kind === 'raid1' && !args.has('repair') && !args.has('splitmirrors') && mirrorOp) return (await import('./lvconvert-raid.js')).convertRaid(common);
    if (toRaid1 || (kind === 'raid1' && type === 'mirror')) return (await import('./lvconvert-raid.js')).convertRaid(common);
    if (args.has('regionsize') && !args.has('mirrors') && type === undefined && !args.has('mirrorlog') && !args.has('corelog') && kind === 'mirror') {
      throw notPermitted(kind);
    }
    if (args.has('repair') && kind === 'raid1') return (await import('./lvconvert-raid-repair.js')).repairRaid1(common);
    if (args.has('repair')) return (await import('./lvconvert-repair.js')).repairMirror(common);
    if (args.has('splitmirrors')) return (await import('./lvconvert-split.js')).splitMirror(common);
    if (!mirrorOp) return (await import('./lvconvert-poll.js')).pollOnly(common);
    return (await import('./lvconvert-mirror.js')).convertMirror(common);
  },
};

