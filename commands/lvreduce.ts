// lvreduce: reduce the size of a logical volume (tools/lvresize.c); the work is shared in src/lv/resize.ts.
import type { CommandSpec } from '../src/cli/command-spec.js';


export const spec: CommandSpec = {
  name: 'lvreduce',
  summary: 'Reduce the size of a logical volume',
  usage: ['lvreduce -L|--size [-]Size[m|UNIT] LV'],
  options: ['size', 'extents', 'autobackup', 'force', 'nofsck', 'noudevsync', 'reportformat', 'resizefs'],
  async run(ctx, args) {
    const { resizeCommand } = await import('../src/lv/resize.js');
    return resizeCommand(ctx, args, 'reduce');
  },
};
