// lvreduce: reduce the size of a logical volume (tools/lvresize.c); the work is shared in src/lv/resize.ts.
import type { CommandSpec } from '../src/cli/command-spec.js';
import { knownOptions } from '../src/lv/common.js';

export const spec: CommandSpec = {
  name: 'lvreduce',
  summary: 'Reduce the size of a logical volume',
  usage: ['lvreduce -L|--size [-]Size[m|UNIT] LV'],
  options: knownOptions(['size', 'extents', 'autobackup', 'force', 'nofsck', 'noudevsync', 'reportformat', 'resizefs']),
  shortOverrides: { r: 'resizefs', n: 'nofsck' },
  negativeSizes: true,
  async run(ctx, args) {
    const { resizeCommand } = await import('../src/lv/resize.js');
    return resizeCommand(ctx, args, 'reduce');
  },
};
