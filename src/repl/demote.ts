// `tsvm replica demote`: the old source gives up its role after a failover (DRBD's `drbdadm
// secondary`), so that the promoted side can fail back to it. Its replica is split first (what the
// far side never applied counts as written here), then its LVs are no longer journaled: they are
// replicas, written by the new source's shipper through this side's NBD daemon, and their split
// maps are served to that failback (`VG/LV:split-map`).
import type { Context } from '../cli/context.js';
import { CommandFailed } from '../cli/errors.js';
import { commitVg, readVgForUpdate } from '../cli/toollib.js';
import { DevicePool } from '../device/device-pool.js';
import { SECTOR } from '../model/types.js';
import { displaySize } from '../model/units.js';
import { activationChanged } from '../nbd/control.js';
import { exportUse, liveDaemonState } from '../nbd/in-use.js';
import { updateGroups } from './config.js';
import { findGroup } from './manage.js';
import { regionBytes, splitGroupReplica, splitRegions } from './split.js';

export async function demote(ctx: Context, arg: string, force: boolean, yes: boolean, say: (l: string) => void): Promise<number> {
  const g = findGroup(ctx, arg);
  if (g.role === 'replica') throw new CommandFailed(`Replication group ${g.name} is already demoted: its logical volumes are replicas.`);
  if (g.replicas.length !== 1) throw new CommandFailed(`Replication group ${g.name} has ${g.replicas.length} replicas: only a group with one can change direction.`);
  const daemon = liveDaemonState(ctx.systemDir);
  for (const m of g.members) {
    if (exportUse(daemon?.exports[m.lvUuid]) && !force) {
      throw new CommandFailed(`Logical volume ${m.vgName}/${m.lvName} in use.`,
        'Writes to a replica are not tracked: stop its users first, or demote it with --force.');
    }
  }
  if (!yes && !ctx.yesNo(`Do you really want to demote replication group ${g.name}? Its logical volumes become replicas: what they got since the split will be overwritten by the failback. [y/n]: `)) {
    throw new CommandFailed(`Replication group ${g.name} not demoted.`);
  }
  const pool = new DevicePool(ctx.systemDir);
  try {
    splitGroupReplica({ devices: pool, systemDir: ctx.systemDir }, ctx.store.db, g, g.replicas[0]!.slot, 'demoted');
  } finally {
    pool.closeAll();
  }
  updateGroups(ctx.systemDir, (gs) => {
    const x = gs.find((y) => y.uuid === g.uuid)!;
    x.role = 'replica';
    delete x.promoted;
  });
  // Writers holding a member (the NBD daemon) reopen it without the journal.
  for (const vgName of new Set(g.members.map((m) => m.vgName))) commitVg(ctx, readVgForUpdate(ctx, vgName), `replica demote ${g.name}`);
  await activationChanged(ctx.systemDir, ctx.env, false);
  let regions = 0;
  let bytes = 0;
  for (const [i, m] of g.members.entries()) {
    const r = splitRegions(ctx.systemDir, g, i);
    regions += r.length;
    bytes += regionBytes(r, g.regionSize, m.size);
    say(`Logical volume ${m.vgName}/${m.lvName} is a replica now.`);
  }
  say(`Replication group ${g.name} demoted: ${regions} region(s) (${bytes ? displaySize(bytes / SECTOR).trim() : '0 B'}) written here since the split wait for the failback.`);
  return 0;
}
