// After a command that changed metadata or activation: the serving daemon serves what is active
// now, as LVM2's tools load and remove device-mapper tables at the end of a change. A daemon runs
// already (a rename, a split, a removal: it rescans), or the command activated something (it is
// started). A kernel device that could not be made is reported, the LV stays served on its socket.
// A change that leaves the served set as it was (lvextend, an inactive LV's change) costs one
// query and no round trip: the lvm shell runs this after every line.
import { existsSync } from 'node:fs';
import type { Context } from '../cli/context.js';
import { liveDaemonState } from './in-use.js';
import { runPaths } from './run-dir.js';

interface Served {
  uuid: string;
  lvName: string;
  vgName: string;
  writable: number;
}

export async function syncServedDevices(ctx: Context): Promise<void> {
  const running = existsSync(runPaths(ctx.systemDir).control);
  if (!running && !ctx.wantsDevices) return;
  const served = ctx.store.db.prepare(`SELECT lv.uuid, lv.name AS lvName, vg.name AS vgName, lv.writable FROM lv
    JOIN vg ON lv.vg_uuid = vg.uuid WHERE lv.active = 1 AND lv.visible = 1`).all() as Served[];
  if (!running && !served.length) return;
  if (running && !ctx.wantsDevices && sameAsPublished(ctx.systemDir, served)) return;
  // (loaded only now: control.js needs node:child_process and node:net, whose loading cost every
  // changing command ~10 ms of CPU when nothing was to be served)
  const { activationChanged } = await import('./control.js');
  const r = await activationChanged(ctx.systemDir, ctx.env, served.length > 0);
  for (const [name, why] of Object.entries(r?.errors ?? {})) ctx.out.warn(`WARNING: No block device for ${name}: ${why}`);
}

/** Whether the daemon already serves exactly these LVs, under these names and permissions. */
function sameAsPublished(systemDir: string, served: Served[]): boolean {
  const exports = liveDaemonState(systemDir)?.exports;
  if (!exports || Object.keys(exports).length !== served.length) return false;
  return served.every((s) => {
    const e = exports[s.uuid];
    return !!e && e.vgName === s.vgName && e.lvName === s.lvName && e.readOnly === !s.writable;
  });
}
