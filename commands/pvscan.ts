// pvscan (LVM2 tools/pvscan.c): the listing's layouts are in src/report/display.ts, its handler in
// display-commands.ts; `pvscan --cache [PV...]` reads the devices' metadata areas and brings the
// database up to them (src/format-text/vg-scan.ts), printing LVM2's "PV ... online." lines.
import type { CommandSpec } from '../src/cli/command-spec.js';

export const spec: CommandSpec = {
  name: 'pvscan',
  summary: 'List all physical volumes',
  usage: ['pvscan'],
  options: ['short', 'exported', 'novolumegroup', 'ignorelockingfailure', 'cache'],
  async run(ctx, args) {
    if (args.has('cache')) {
      const { takeGlobalLock } = await import('../src/cli/toollib.js');
      const { devicesToScan, scanDevices } = await import('../src/format-text/vg-scan.js');
      takeGlobalLock(ctx);
      const found = scanDevices(ctx, devicesToScan(ctx, args.positionals));
      for (const pv of found.pvs) ctx.out.print(`pvscan[${ctx.pid}] PV ${pv.name} ${pv.vgName ? 'online' : 'not used'}.`);
      return 0;
    }
    const { pvscan } = await import('../src/report/display-commands.js');
    return pvscan(ctx, args);
  },
};
