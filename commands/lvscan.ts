// lvscan (LVM2 tools/lvscan.c): one line per LV of every VG, ACTIVE or inactive, with its path,
// size and allocation policy; -a adds the hidden sub-LVs. Exported VGs are passed over (process_each_lv).
import type { CommandSpec } from '../src/cli/command-spec.js';
import { InvalidCommandLine } from '../src/cli/errors.js';

export const spec: CommandSpec = {
  name: 'lvscan',
  summary: 'List all logical volumes in all volume groups',
  usage: ['lvscan'],
  options: ['all', 'blockdevice', 'cache', 'ignorelockingfailure', 'readonly', 'partial', 'reportformat'],
  async run(ctx, args) {
    if (args.positionals.length) throw new InvalidCommandLine(`Command does not accept argument: ${args.positionals[0]}.`);
    const { scanVgs } = await import('../src/cli/pv-tools.js');
    const { lvmcacheOrder } = await import('../src/cli/tag-args.js');
    const { displaySize } = await import('../src/model/units.js');
    const all = args.has('all');
    for (const vg of lvmcacheOrder(scanVgs(ctx, ctx.reader.loadAllVgs()))) {
      if (vg.exported) continue;
      // the order LVM2 reads them back in: its metadata lists the visible LVs first
      const lvs = [...vg.lvs.filter((lv) => lv.visible), ...(all ? vg.lvs.filter((lv) => !lv.visible) : [])];
      for (const lv of lvs) {
        const size = lv.segments.reduce((n, s) => n + s.extentCount, 0) * vg.extentSize;
        ctx.out.print(`${lv.active ? 'ACTIVE   ' : 'inactive '}         '/dev/${vg.name}/${lv.name}' [${displaySize(size)}] ${lv.alloc}`);
      }
    }
    // (--reportformat json: LVM2 wraps the command's log, here empty, in a JSON object)
    if (args.str('reportformat') === 'json') {
      ctx.out.print('{');
      ctx.out.print('}');
    }
    return 0;
  },
};
