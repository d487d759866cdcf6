// Which incomplete LVs activation may take (LVM2: --activationmode, --partial and
// activation/activation_mode in tools/lvmcmdline.c; the refusal in lib/activate/activate.c): an LV
// using a missing PV is partial, and a mirror that is partial activates only in "partial" mode.
import type { Args } from './args.js';
import type { Context } from './context.js';
import { InvalidCommandLine } from './errors.js';
import type { LogicalVolume, VolumeGroup } from '../model/types.js';
import { isPartial, vgInfo } from '../report/vg-info.js';
import { vgHasDuplicatePvs } from '../format-text/label-scan.js';

export type ActivationMode = 'complete' | 'degraded' | 'partial';

/** lvm_run_command's last line for EINVALID_CMD_LINE out of _get_current_settings. */
const runHelp = (cmd: string) => `Run \`${cmd} --help' for more information.`;

/** The mode of this command; "PARTIAL MODE" is announced as LVM2 does. Bad values exit 3. */
export function activationMode(ctx: Context, args: Args): ActivationMode {
  let mode = ctx.config.str('activation/activation_mode', 'degraded');
  if (args.has('activationmode')) {
    mode = args.str('activationmode')!;
    if (args.has('partial') && mode !== 'partial') {
      throw new InvalidCommandLine('--partial and --activationmode are mutually exclusive arguments', runHelp(ctx.cmd));
    }
  } else if (args.has('partial')) mode = 'partial';
  if (mode === 'partial') ctx.out.warn('PARTIAL MODE. Incomplete logical volumes will be processed.');
  else if (mode !== 'degraded' && mode !== 'complete') throw new InvalidCommandLine('Invalid activation mode given.', runHelp(ctx.cmd));
  return mode as ActivationMode;
}

/** lv_change_activate's refusal while a PV of the VG is also on a duplicate device the scan does not use, or null. */
export function duplicateRefusal(ctx: Context, vg: VolumeGroup): string | null {
  return vgHasDuplicatePvs(ctx.labelScan, vg) ? `Cannot activate LVs in VG ${vg.name} while PVs appear on duplicate devices.` : null;
}

/** _lv_activate()'s refusal of a partial LV (tsvm has no raid, whose degraded mode differs), or null. */
export function partialRefusal(vg: VolumeGroup, lv: LogicalVolume, mode: ActivationMode): string | null {
  if (mode === 'partial' || !isPartial(vgInfo(vg), lv)) return null;
  return `Refusing activation of partial LV ${vg.name}/${lv.name}.  Use '--activationmode partial' to override.`;
}

/** _lv_refresh_suspend_resume()'s refusal: a partial LV is refreshed (active or not) only in partial mode. */
export function refreshRefusal(vg: VolumeGroup, lv: LogicalVolume, mode: ActivationMode): string | null {
  if (mode === 'partial' || !isPartial(vgInfo(vg), lv)) return null;
  return `Refusing refresh of partial LV ${vg.name}/${lv.name}. Use '--activationmode partial' to override.`;
}
