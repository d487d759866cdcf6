// lvremove of a mirror: its runtime files (core log, failed-leg record, last sync stats) go with it.
import { rmSync } from 'node:fs';
import type { Context } from '../cli/context.js';
import type { LogicalVolume, VolumeGroup } from '../model/types.js';
import { lvTree } from '../model/vg-query.js';
import { dropMirrorFiles, lastSyncPath } from './state.js';

export function forgetMirrorState(ctx: Context, vg: VolumeGroup, lv: LogicalVolume): void {
  for (const l of lvTree(vg, lv)) {
    dropMirrorFiles(ctx.systemDir, l.uuid);
    rmSync(lastSyncPath(ctx.systemDir, l.uuid), { force: true });
  }
}
