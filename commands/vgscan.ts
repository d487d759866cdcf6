// vgscan (LVM2 tools/vgscan.c): read every device's metadata areas, bring the database up to
// them (src/format-text/vg-scan.ts: a deleted database comes back whole) and name each VG found.
import type { CommandSpec } from '../src/cli/command-spec.js';

export const spec: CommandSpec = {
  name: 'vgscan',
  summary: 'Search for all volume groups',
  usage: ['vgscan'],
  options: ['ignorelockingfailure', 'reportformat'],
  async run(ctx) {
    const { takeGlobalLock } = await import('../src/cli/toollib.js');
    const { devicesToScan, scanDevices } = await import('../src/format-text/vg-scan.js');
    takeGlobalLock(ctx);
    const found = scanDevices(ctx, devicesToScan(ctx, []));
    for (const name of found.vgs) ctx.out.print(`Found volume group "${name}" using metadata type lvm2`);
    return 0;
  },
};
