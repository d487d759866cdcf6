// Small pieces shared by the LV commands: LVM2's usage-error shape, repeated-option check,
// display_lvname, -qq silence, and the optional mirror-engine modules loaded on demand.
import type { Args } from '../cli/args.js';
import type { Context } from '../cli/context.js';
import { InvalidCommandLine } from '../cli/errors.js';
import { OPTIONS } from '../cli/options.js';
import { commitVg } from '../cli/toollib.js';
import type { LoadedVg } from '../store/metadata-store.js';
import { vgJson } from '../store/vg-json.js';
import type { LogicalVolume, VolumeGroup } from '../model/types.js';

/** An exit-3 error from a command's own checks: LVM2 adds the --help hint. */
export function usageError(cmd: string, ...lines: string[]): InvalidCommandLine {
  return new InvalidCommandLine(...lines, `Run \`${cmd} --help' for more information.`);
}

/** lvmcmdline.c: "Option -n/--name may not be repeated." */
export function checkNotRepeated(args: Args, names: string[]): void {
  for (const n of names) {
    if (args.all(n).length > 1) {
      const short = OPTIONS.get(n)?.short;
      throw new InvalidCommandLine(
        `Option${short ? ` -${short}/` : ' '}--${n} may not be repeated.`,
        'Error during parsing of command line.',
      );
    }
  }
}

export function displayLvName(vg: VolumeGroup, lv: LogicalVolume | string): string {
  return `${vg.name}/${typeof lv === 'string' ? lv : lv.name}`;
}

/** log_print_unless_silent(): nothing with -qq. */
export function printer(ctx: Context, args: Args): (line: string) => void {
  const silent = args.count('quiet') >= 2;
  return (line) => {
    if (!silent) ctx.out.print(line);
  };
}

/** Only options the shared table defines (the table grows as commands land). */
export function knownOptions(names: string[]): string[] {
  return names.filter((n) => OPTIONS.has(n));
}


/** vg_write+vg_commit that leaves `loaded` ready for a further commit in the same command. */
export function commitAndKeep(ctx: Context, loaded: LoadedVg, description: string): void {
  commitVg(ctx, loaded, description);
  loaded.readSeqno = loaded.vg.seqno;
  loaded.snapshot = vgJson(loaded.vg);
}
