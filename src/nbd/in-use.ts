// Is an active LV in use? LVM2 asks device-mapper (lv_check_not_in_use: a mounted filesystem, then
// the open count) before it deactivates or removes an LV. tsvm's answer comes from the serving
// daemon's published state: NBD clients holding the export, plus the kernel device's own use.
// Cheap when nothing is served (one failed file read): reports call it for every active LV.
import { CommandFailed } from '../cli/errors.js';
import { pidAlive } from '../store/pid-file.js';
import { deviceUse, type DeviceUse } from './device-use.js';
import { readDaemonState, type DaemonState, type ExportState } from './run-dir.js';

/** The state of a live daemon (a killed daemon's state.json serves nobody). */
export function liveDaemonState(systemDir: string): DaemonState | null {
  const s = readDaemonState(systemDir);
  return s && pidAlive(s.pid) ? s : null;
}

export function exportUse(e: ExportState | undefined): DeviceUse {
  if (!e) return null;
  const dev = e.device ? deviceUse(e.device) : null;
  return dev ?? (e.open > 0 ? 'open' : null);
}

/** LVM2's open count: NBD clients, plus one for a mounted or held kernel device. */
export function openCount(e: ExportState | undefined): number {
  if (!e) return 0;
  return e.open + (e.device && deviceUse(e.device) ? 1 : 0);
}

/** Refuse to deactivate or remove `name` (VG/LV) while it is in use, with LVM2's words. */
export function checkNotInUse(systemDir: string, lvUuid: string, name: string): void {
  const use = exportUse(liveDaemonState(systemDir)?.exports[lvUuid]);
  if (use === 'mounted') throw new CommandFailed(`Logical volume ${name} contains a filesystem in use.`);
  if (use) throw new CommandFailed(`Logical volume ${name} in use.`);
}

/** How many of these LVs are open (vgchange -an refuses a VG with any). */
export function openLvCount(systemDir: string, lvUuids: string[]): number {
  const s = liveDaemonState(systemDir);
  if (!s) return 0;
  return lvUuids.filter((u) => exportUse(s.exports[u])).length;
}
