// lvcreate: a new linear, striped or mirrored LV (tools/lvcreate.c). The command-line stage is
// src/lv/create-params.ts, the VG stage src/lv/create.ts; mirrors go to the mirror engine, raid1 to src/raid.
import type { CommandSpec } from '../src/cli/command-spec.js';
import { printer } from '../src/lv/common.js';

export const spec: CommandSpec = {
  name: 'lvcreate',
  summary: 'Create a logical volume',
  usage: ['lvcreate -L|--size Size[m|UNIT] VG', 'lvcreate -l|--extents Number[PERCENT] VG'],
  options: [
    'size', 'extents', 'name', 'stripes', 'stripesize', 'contiguous', 'alloc', 'activate', 'zero', 'wipesignatures',
    'permission', 'readahead', 'addtag', 'type', 'mirrors', 'mirrorlog', 'corelog', 'regionsize', 'nosync',
    'setactivationskip', 'ignoreactivationskip', 'autobackup', 'monitor', 'ignoremonitoring', 'noudevsync',
    'snapshot', 'virtualsize', 'thin', 'thinpool', 'cache', 'cachepool', 'chunksize', 'reportformat', 'minrecoveryrate',
    'maxrecoveryrate',
  ],
  async run(ctx, args) {
    const { readCreateParams } = await import('../src/lv/create-params.js');
    const { createLv } = await import('../src/lv/create.js');
    const p = readCreateParams(ctx, args);
    ctx.wantsDevices = p.activate;
    return createLv(ctx, p, printer(ctx, args));
  },
};
