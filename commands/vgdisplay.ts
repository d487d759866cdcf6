// vgdisplay (LVM2 tools/vgdisplay.c): the layouts are in src/report/display.ts, the handler in display-commands.ts.
import type { CommandSpec } from '../src/cli/command-spec.js';

export const spec: CommandSpec = {
  name: 'vgdisplay',
  summary: 'Display volume group information',
  usage: ['vgdisplay [ VG|Tag ... ]'],
  options: ['colon', 'columns', 'short', 'activevolumegroups', 'options', 'sort', 'select', 'noheadings', 'nosuffix', 'units', 'separator', 'aligned', 'binary', 'ignorelockingfailure', 'readonly', 'partial', 'foreign', 'shared', 'reportformat', 'ignoreskippedcluster', 'unbuffered'],
  async run(ctx, args) {
    const { vgdisplay } = await import('../src/report/display-commands.js');
    return vgdisplay(ctx, args);
  },
};
