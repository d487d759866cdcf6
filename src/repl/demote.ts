// `tsvm replica demote`: the old source gives up its role after a failover (DRBD's `drbdadm
// secondary`), so that the promoted side can fail back to it. Its replica is split first (what the
// far side never applied counts as written here), then its LVs are no longer journaled: they are
// replicas, written by the new source's shipper through this side's NBD daemon, and their split
// maps are served to that failback (`VG/LV:split-map`).
//
// A group with several replicas (seed 004: one source, several destinations) keeps only the one
// that was promoted, the new source: the others are dropped from the group. They hold a prefix of
// this side's history, not of the new source's (a synchronous one may even hold writes the promoted
// one never got), and this side ships nothing any more; the new source does not know what they hold.
// Seed 004's mirror group ends its other tasks (a task mirrors "until you detach or delete" it) and
// DRBD without a mesh of per-peer bitmaps (8.4) syncs a node with no common generation in full: the
// new source takes them with `tsvm replica add` (a full copy), as the demotion says.
import type { Context } from '../cli/context.js';
import { CommandFailed } from '../cli/errors.js';
import { commitVg, readVgForUpdate } from '../cli/toollib.js';
import { DevicePool } from '../device/device-pool.js';
import { SECTOR } from '../model/types.js';
import { displaySize } from '../model/units.js';
import { activationChanged } from '../nbd/control.js';
import { exportUse, liveDaemonState } from '../nbd/in-use.js';
import { rmSync } from 'node:fs';
import { regionMapPath, updateGroups, type Group, type Replica } from './config.js';
import { findGroup } from './manage.js';
import { regionBytes, splitGroupReplica, splitRegions } from './split.js';
import { resolveTarget } from './targets-check.js';

/** The shipper's reason for a replica whose far side it found promoted (shipper.ts). */
const FAR_SIDE_PROMOTED = 'far side promoted';

export async function demote(ctx: Context, arg: string, targetArgs: string[], force: boolean, yes: boolean, say: (l: string) => void): Promise<number> {
  const g = findGroup(ctx, arg);
  if (g.role === 'replica') throw new CommandFailed(`Replication group ${g.name} is already demoted: its logical volumes are replicas.`);
  const peer = promotedReplica(ctx, g, targetArgs);
  const dropped = g.replicas.filter((r) => r !== peer);
  const daemon = liveDaemonState(ctx.systemDir);
  for (const m of g.members) {
    if (exportUse(daemon?.exports[m.lvUuid]) && !force) {
      throw new CommandFailed(`Logical volume ${m.vgName}/${m.lvName} in use.`,
        'Writes to a replica are not tracked: stop its users first, or demote it with --force.');
    }
  }
  const also = dropped.length ? ` Its ${dropped.length} other replica(s) are dropped from the group.` : '';
  if (!yes && !ctx.yesNo(`Do you really want to demote replication group ${g.name}? Its logical volumes become replicas: what they got since the split will be overwritten by the failback.${also} [y/n]: `)) {
    throw new CommandFailed(`Replication group ${g.name} not demoted.`);
  }
  const pool = new DevicePool(ctx.systemDir);
  try {
    splitGroupReplica({ devices: pool, systemDir: ctx.systemDir }, ctx.store.db, g, peer.slot, 'demoted');
  } finally {
    pool.closeAll();
  }
  updateGroups(ctx.systemDir, (gs) => {
    const x = gs.find((y) => y.uuid === g.uuid)!;
    x.role = 'replica';
    delete x.promoted;
    delete x.fenced;
    x.replicas = x.replicas.filter((r) => r.slot === peer.slot);
  });
  for (const r of dropped) for (let i = 0; i < g.members.length; i++) dropMaps(ctx.systemDir, g, r.slot, i);
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
  for (const r of dropped) {
    say(`Replica ${r.slot} (${r.targets.join(' ')}, ${r.kind}) dropped from replication group ${g.name}: it is not a prefix of the new source's history.`);
    say(`  Add it on the promoted site for a full resync from there (tsvm replica add GROUP --target ...).`);
  }
  say(`Replication group ${g.name} demoted: ${regions} region(s) (${bytes ? displaySize(bytes / SECTOR).trim() : '0 B'}) written here since the split wait for the failback.`);
  return 0;
}

/**
 * The replica whose far side is the new source: the one given by its targets (--target, one per
 * member), else the group's only replica, else the one the shipper found promoted.
 */
function promotedReplica(ctx: Context, g: Group, targetArgs: string[]): Replica {
  if (targetArgs.length) {
    if (targetArgs.length !== g.members.length) {
      throw new CommandFailed(`${g.members.length} logical volume(s) but ${targetArgs.length} --target(s): give one per logical volume, in the same order.`);
    }
    const targets = targetArgs.map((t) => resolveTarget(ctx, t));
    const r = g.replicas.find((x) => x.targets.every((t, i) => t === targets[i]));
    if (!r) throw new CommandFailed(`Replication group ${g.name} has no replica with target(s) ${targets.join(' ')}.`);
    return r;
  }
  if (g.replicas.length === 1) return g.replicas[0]!;
  const found = g.replicas.filter((r) => r.split?.reason === FAR_SIDE_PROMOTED);
  if (found.length === 1) return found[0]!;
  throw new CommandFailed(`Replication group ${g.name} has ${g.replicas.length} replicas and ${found.length ? `${found.length} of them were` : 'none was'} found promoted.`,
    'Name the promoted one with --target URI|VG/LV ... (one per logical volume).');
}

/** A dropped replica's region maps (live and being resynced). */
function dropMaps(systemDir: string, g: Group, slot: number, member: number): void {
  rmSync(regionMapPath(systemDir, g, slot, member), { force: true });
  rmSync(regionMapPath(systemDir, g, slot, member, true), { force: true });
}
