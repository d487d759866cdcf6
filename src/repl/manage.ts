// The verbs that change a replication group after `create`: pause/resume a replica (the shipper
// lets it be; the journal keeps filling, then the bitmap takes over), a full resync (every region
// marked), and remove (the group, its hidden journal LV and its bitmaps go; the LVs stay as they
// are). Each names the group by its name or by one of its member LVs (VG/LV).
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Context } from '../cli/context.js';
import { CommandFailed } from '../cli/errors.js';
import { commitVg, readVgForUpdate } from '../cli/toollib.js';
import { DevicePool } from '../device/device-pool.js';
import { sharedLocks } from '../store/locks.js';
import { groupLockName, loadGroups, replDir, updateGroups, type Group } from './config.js';
import { Journal } from './journal.js';
import { Mode } from './journal-format.js';
import { markAll } from './region-map.js';
import { ensureShipper } from './shipper-control.js';

/** The group a command-line argument names: a group name or a member VG/LV. */
export function findGroup(ctx: Context, arg: string): Group {
  const groups = loadGroups(ctx.systemDir);
  const plain = arg.replace(/^\/dev\//, '');
  const g = groups.find((x) => x.name === plain) ??
    groups.find((x) => x.members.some((m) => `${m.vgName}/${m.lvName}` === plain));
  if (!g) {
    throw new CommandFailed(plain.includes('/') ? `Logical volume ${plain} is not replicated.` : `Replication group ${plain} not found.`);
  }
  return g;
}

/** Verbs that ship (pause, resume, resync) make no sense for a demoted group or a split replica. */
function requireShipping(g: Group): void {
  if (g.role === 'replica') throw new CommandFailed(`Replication group ${g.name} is demoted: its logical volumes are replicas.`);
  if (g.replicas.some((r) => r.split)) {
    throw new CommandFailed(`Replication group ${g.name} is split from its replica.`, 'Fail back with tsvm replica failback, or stop replicating with replica remove.');
  }
}

export function setPaused(ctx: Context, arg: string, paused: boolean, say: (l: string) => void): number {
  const g = findGroup(ctx, arg);
  requireShipping(g);
  updateGroups(ctx.systemDir, (gs) => {
    for (const r of gs.find((x) => x.uuid === g.uuid)!.replicas) r.paused = paused;
  });
  if (!paused) ensureShipper(ctx.systemDir, ctx.env);
  say(`Replication of group ${g.name} ${paused ? 'paused' : 'resumed'}.`);
  return 0;
}

/** Every region of every member marked: the replicas are copied again in full (inconsistent meanwhile). */
export function fullResync(ctx: Context, arg: string, say: (l: string) => void): number {
  const g = findGroup(ctx, arg);
  requireShipping(g);
  withJournal(ctx, g, (journal) => {
    for (const r of g.replicas) {
      const m = journal.mode(r.slot);
      for (const [i, mem] of g.members.entries()) markAll(ctx.systemDir, g, r.slot, i, mem.size);
      journal.writeMode(r.slot, { ...m, mode: Mode.Bitmap, reason: 'full resync requested' });
    }
  });
  ensureShipper(ctx.systemDir, ctx.env);
  say(`Replication group ${g.name}: full resync of ${g.replicas.length} replica(s) started.`);
  return 0;
}

/** fn with the group's journal open and its lock held (no write between journal and legs meanwhile). */
export function withJournal<T>(ctx: Context, g: Group, fn: (j: Journal) => T): T {
  const pool = new DevicePool(ctx.systemDir);
  const locks = sharedLocks(ctx.systemDir);
  locks.lock(groupLockName(g));
  try {
    const journal = Journal.open({ devices: pool, systemDir: ctx.systemDir }, ctx.store.db, g);
    try {
      return fn(journal);
    } finally {
      journal.close();
    }
  } finally {
    locks.unlock(groupLockName(g));
    pool.closeAll();
  }
}

export function removeGroup(ctx: Context, arg: string, yes: boolean, say: (l: string) => void): number {
  const g = findGroup(ctx, arg);
  if (!yes && !ctx.yesNo(`Do you really want to stop replicating group ${g.name} and remove its journal ${g.journal.vgName}/${g.journal.lvName}? [y/n]: `)) {
    throw new CommandFailed(`Replication group ${g.name} not removed.`);
  }
  updateGroups(ctx.systemDir, (gs) => {
    const i = gs.findIndex((x) => x.uuid === g.uuid);
    if (i >= 0) gs.splice(i, 1);
  });
  const loaded = readVgForUpdate(ctx, g.journal.vgName);
  loaded.vg.lvs = loaded.vg.lvs.filter((l) => l.uuid !== g.journal.lvUuid);
  commitVg(ctx, loaded, `replica remove ${g.name}`);
  for (const vgName of new Set(g.members.map((m) => m.vgName))) {
    if (vgName !== g.journal.vgName) commitVg(ctx, readVgForUpdate(ctx, vgName), `replica remove ${g.name}`);
  }
  rmSync(join(replDir(ctx.systemDir), g.uuid), { recursive: true, force: true });
  say(`Replication group ${g.name} removed.`);
  return 0;
}
