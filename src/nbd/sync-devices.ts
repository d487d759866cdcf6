// After a command that changed metadata or activation: the serving daemon serves what is active
// now, as LVM2's tools load and remove device-mapper tables at the end of a change. A daemon runs
// already (a rename, a split, a removal: it rescans), or the command activated something (it is
// started). A kernel device that could not be made is reported, the LV stays served on its socket.
import { existsSync } from 'node:fs';
import type { Context } from '../cli/context.js';
import { activationChanged } from './control.js';
import { runPaths } from './run-dir.js';

export async function syncServedDevices(ctx: Context): Promise<void> {
  const running = existsSync(runPaths(ctx.systemDir).control);
  if (!running && !ctx.wantsDevices) return;
  const anythingActive = !!ctx.store.db.prepare('SELECT 1 FROM lv WHERE active = 1 AND visible = 1 LIMIT 1').get();
  if (!running && !anythingActive) return;
  const r = await activationChanged(ctx.systemDir, ctx.env, anythingActive);
  for (const [name, why] of Object.entries(r?.errors ?? {})) ctx.out.warn(`WARNING: No block device for ${name}: ${why}`);
}
