// lvresize: resize a logical volume (tools/lvresize.c); the work is shared in src/lv/resize.ts.
import type { CommandSpec } from '../src/cli/command-spec.js';


export const spec: CommandSpec = {
  name: 'lvresize',
  summary: 'Resize a logical volume',
  usage: ['lvresize -L|--size [+|-]Size[m|UNIT] LV', 'lvresize LV PV ...'],
  options: ['size', 'extents', 'alloc', 'autobackup', 'force', 'nofsck', 'nosync', 'noudevsync', 'reportformat', 'resizefs', 'stripes', 'stripesize', 'type', 'poolmetadatasize'],
  async run(ctx, args) {
    const { resizeCommand } = await import('../src/lv/resize.js');
    return resizeCommand(ctx, args, 'any');
  },
};
