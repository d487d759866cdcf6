// lvs: report on lvs (LVM2 tools/reporter.c lvs()). The work is in src/report/reporter.ts.
import type { CommandSpec } from '../src/cli/command-spec.js';
import { REPORT_OPTIONS } from '../src/cli/options.js';

export const spec: CommandSpec = {
  name: 'lvs',
  summary: 'Display information about logical volumes',
  usage: ['lvs [ VG|LV|Tag ... ]'],
  options: [...REPORT_OPTIONS, 'ignoreskippedcluster', 'trustcache', 'segments', 'history'],
  async run(ctx, args) {
    const { runReport } = await import('../src/report/reporter.js');
    return runReport(ctx, args, 'lvs');
  },
};
