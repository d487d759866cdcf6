// pvscan (LVM2 tools/pvscan.c): the layouts are in src/report/display.ts, the handler in display-commands.ts.
import type { CommandSpec } from '../src/cli/command-spec.js';

export const spec: CommandSpec = {
  name: 'pvscan',
  summary: 'List all physical volumes',
  usage: ['pvscan'],
  options: ['short', 'exported', 'novolumegroup', 'ignorelockingfailure', 'cache', 'reportformat'],
  async run(ctx, args) {
    const { pvscan } = await import('../src/report/display-commands.js');
    return pvscan(ctx, args);
  },
};
