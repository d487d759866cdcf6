// lvchange --resync of a mirror (tools/lvchange.c _lvchange_resync): after the prompt, the whole
// mirror is marked out of sync (NOTSYNCED cleared) and copied again from the primary image.
import type { Args } from '../cli/args.js';
import type { Context } from '../cli/context.js';
import { CommandFailed } from '../cli/errors.js';
import { commitVg } from '../cli/toollib.js';
import { DevicePool } from '../device/device-pool.js';
import type { LogicalVolume } from '../model/types.js';
import { isMirrorLike } from '../model/vg-query.js';
import { vgLockName } from '../store/locks.js';
import type { LoadedVg } from '../store/metadata-store.js';
import { spawnSyncer } from './daemon.js';
import { prepareLog } from './log-init.js';
import { lostWarning, retireNewLegs } from './stale.js';
import { withLvLock } from './state.js';

export async function lvchangeResync(ctx: Context, loaded: LoadedVg, lv: LogicalVolume, args: Args): Promise<number> {
  const vg = loaded.vg;
  const full = `${vg.name}/${lv.name}`;
  if (!isMirrorLike(lv)) throw new CommandFailed(`Unable to resync ${full}.  It is not RAID or mirrored.`);
  if (lv.active && !args.has('yes') && !ctx.yesNo(`Do you really want to deactivate logical volume ${full} to resync it? [y/n]: `)) {
    throw new CommandFailed(`Logical volume ${full} not resynced.`);
  }
  const pool = new DevicePool(ctx.systemDir);
  try {
    withLvLock(ctx.systemDir, lv.uuid, () => {
      lv.flags = lv.flags.filter((f) => f !== 'NOTSYNCED');
      // Copying everything again from an image that was never fully copied (its originals lost)
      // must not make its stale regions readable: they become lost regions of the LV (stale.ts).
      const lost = retireNewLegs({ devices: pool, systemDir: ctx.systemDir }, vg, lv);
      if (lost) ctx.out.warn(lostWarning(vg, lv, lost));
      // Every region is copied again: the content of the images is not trusted (written = all).
      prepareLog({ devices: pool, systemDir: ctx.systemDir }, vg, lv, { sync: false, written: true });
      commitVg(ctx, loaded, `lvchange --resync ${full}`);
    });
  } finally {
    pool.closeAll();
  }
  ctx.locks.unlock(vgLockName(vg.name));
  if (lv.active) spawnSyncer(ctx.systemDir, vg.name, lv.name);
  return 0;
}
