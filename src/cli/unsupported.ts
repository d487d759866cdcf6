// Options LVM2 accepts for a command but tsvm cannot honour: the command line parses (as in LVM2),
// then the command is refused with a sentence saying so, exit 5, before anything changes.
import type { Args } from './args.js';
import type { CommandSpec } from './command-spec.js';
import { CommandFailed } from './errors.js';
import { COMMON_OPTIONS } from './options.js';

export function refuseUnsupported(spec: CommandSpec, args: Args): void {
  const unsupported = args.present().filter((o) => !COMMON_OPTIONS.includes(o) && !spec.options.includes(o));
  if (unsupported.length) {
    throw new CommandFailed(...unsupported.map((o) => `Option --${o} is not supported by tsvm.`));
  }
}
