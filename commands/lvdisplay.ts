// lvdisplay (LVM2 tools/lvdisplay.c): the layouts are in src/report/display.ts, the handler in display-commands.ts.
import type { CommandSpec } from '../src/cli/command-spec.js';

export const spec: CommandSpec = {
  name: 'lvdisplay',
  summary: 'Display information about a logical volume',
  usage: ['lvdisplay [ VG|LV|Tag ... ]'],
  options: ['colon', 'columns', 'maps', 'all', 'history', 'options', 'sort', 'select', 'noheadings', 'nosuffix', 'units', 'separator', 'aligned', 'binary', 'ignorelockingfailure', 'readonly', 'partial', 'foreign', 'shared', 'reportformat', 'ignoreskippedcluster', 'unbuffered'],
  async run(ctx, args) {
    const { lvdisplay } = await import('../src/report/display-commands.js');
    return lvdisplay(ctx, args);
  },
};
