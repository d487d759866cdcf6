// pvs: report on pvs (LVM2 tools/reporter.c pvs()). The work is in src/report/reporter.ts.
import type { CommandSpec } from '../src/cli/command-spec.js';
import { REPORT_OPTIONS } from '../src/cli/options.js';

export const spec: CommandSpec = {
  name: 'pvs',
  summary: 'Display information about physical volumes',
  usage: ['pvs [ PV|Tag ... ]'],
  options: [...REPORT_OPTIONS, 'ignoreskippedcluster', 'trustcache', 'segments'],
  async run(ctx, args) {
    const { runReport } = await import('../src/report/reporter.js');
    return runReport(ctx, args, 'pvs');
  },
};
