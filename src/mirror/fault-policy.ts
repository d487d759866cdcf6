// The automatic fault handling LVM2 gets from dmeventd's mirror plugin
// (daemons/dmeventd/plugins/mirror/dmeventd_mirror.c): when a monitored mirror reports a failed
// leg or log, "lvconvert --repair --use-policies" runs, and activation/mirror_image_fault_policy
// (remove | allocate, default remove) and activation/mirror_log_fault_policy (default allocate)
// decide whether the failed parts are only dropped or also replaced from free extents and resynced.
//
// tsvm has no daemon: the process whose I/O met the failure plays dmeventd. It runs the repair as
// a child tsvm process (so the command's locks and commits are the ordinary ones) while holding no
// mirror lock itself, and waits for it, as dm-raid1 with handle_errors holds writes until the
// failure was handled; the copy to a replacement continues in the background (--background).
// Messages go to stderr, as dmeventd's go to syslog. activation/monitoring = 0 turns it off (as in
// LVM2's own test suite, whose lvm.conf disables dmeventd unless a test asks for it).
import { spawnSync } from 'node:child_process';
import { writeSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isMonitored } from './monitoring.js';

/** Set in the repair child (and any process it starts): it must not start another repair. */
export const DMEVENTD_CHILD_ENV = 'TSVM_DMEVENTD_CHILD';

/** Does this process act on a failure of the mirror (not a repair child; the LV monitored)? */
export function monitoringEnabled(systemDir: string, lvUuid: string): boolean {
  if (process.env[DMEVENTD_CHILD_ENV]) return false;
  return isMonitored(systemDir, lvUuid);
}

export function stderrLine(s: string): void {
  try {
    writeSync(2, `  ${s}\n`);
  } catch {
    /* stderr closed */
  }
}

/**
 * Handle a device failure in mirror vg/lv as dmeventd does. `failed` names the parts seen failing
 * ("Primary mirror", "Secondary mirror" or "Log", and the sub-LV). Returns true if the repair ran
 * successfully.
 */
export function handleMirrorFailure(systemDir: string, vgName: string, lvName: string, failed: Array<{ role: string; lv: string }>): boolean {
  const dmName = `${vgName.replace(/-/g, '--')}-${lvName.replace(/-/g, '--')}`;
  for (const f of failed) stderrLine(`${f.role} device ${vgName}/${f.lv} has failed (D).`);
  stderrLine(`Device failure in ${dmName}.`);
  if (!runRepairPolicy(systemDir, vgName, lvName)) {
    stderrLine(`Repair of mirrored device ${dmName} failed.`);
    stderrLine(`Failed to remove faulty devices in ${dmName}.`);
    return false;
  }
  stderrLine(`Repair of mirrored device ${dmName} finished successfully.`);
  return true;
}

/** dmeventd's `lvconvert --repair --use-policies VG/LV`, as a child tsvm process; true when it succeeded. */
export function runRepairPolicy(systemDir: string, vgName: string, lvName: string): boolean {
  const main = fileURLToPath(new URL('../main.js', import.meta.url));
  const r = spawnSync(process.execPath, [main, 'lvconvert', '--repair', '--usepolicies', '--background', `${vgName}/${lvName}`], {
    // The child's stdout is our stderr: a dd may be writing data to stdout.
    stdio: ['ignore', 2, 2],
    env: { ...process.env, TSVM_SYSTEM_DIR: systemDir, [DMEVENTD_CHILD_ENV]: '1' },
  });
  return r.status === 0;
}
