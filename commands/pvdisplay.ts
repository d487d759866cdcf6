// pvdisplay (LVM2 tools/pvdisplay.c): the layouts are in src/report/display.ts, the handler in display-commands.ts.
import type { CommandSpec } from '../src/cli/command-spec.js';

export const spec: CommandSpec = {
  name: 'pvdisplay',
  summary: 'Display various attributes of physical volume(s)',
  usage: ['pvdisplay [ PV|Tag ... ]'],
  options: ['colon', 'columns', 'maps', 'short', 'all', 'options', 'sort', 'select', 'noheadings', 'nosuffix', 'units', 'separator', 'aligned', 'binary', 'ignorelockingfailure', 'readonly', 'foreign', 'shared', 'reportformat', 'ignoreskippedcluster', 'unbuffered'],
  async run(ctx, args) {
    const { pvdisplay } = await import('../src/report/display-commands.js');
    return pvdisplay(ctx, args);
  },
};
