// The declarative description of a command (LVM2 tools/command-lines.in): its options, usage
// text and handler. commands/<name>.ts each export one.
import type { Args } from './args.js';
import type { Context } from './context.js';

export interface CommandSpec {
  name: string;
  /** One line, as `lvm help` prints it. */
  summary: string;
  /** Usage lines printed by --help after the summary (LVM2's command variants). */
  usage: string[];
  /** Long option names the command honours besides the common ones (OO_ALL); the others LVM2
   *  accepts for it parse, then are refused (src/cli/unsupported.ts). */
  options: string[];
  /** Runs the command; returns the exit code (0 or 5) or throws an LvmError. */
  run(ctx: Context, args: Args): Promise<number> | number;
}
