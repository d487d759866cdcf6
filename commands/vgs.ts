// vgs: report on vgs (LVM2 tools/reporter.c vgs()). The work is in src/report/reporter.ts.
import type { CommandSpec } from '../src/cli/command-spec.js';
import { REPORT_OPTIONS } from '../src/cli/options.js';

export const spec: CommandSpec = {
  name: 'vgs',
  summary: 'Display information about volume groups',
  usage: ['vgs [ VG|Tag ... ]'],
  options: [...REPORT_OPTIONS, 'ignoreskippedcluster', 'trustcache'],
  async run(ctx, args) {
    const { runReport } = await import('../src/report/reporter.js');
    return runReport(ctx, args, 'vgs');
  },
};
