// `tsvm replica promote`: failover. On the far side, replicas become writable LVs of a replication
// group of their own whose one replica (the old source, when known) is split: from now on their
// writes are marked by region (durably, before each write), nothing is shipped, and the NBD clients
// they had, the old source's shipper above all, are cut off; reconnecting, that shipper reads the
// role in the export's description and splits too (split.ts). DRBD's `drbdadm primary --force`.
import type { Context } from '../cli/context.js';
import { CommandFailed } from '../cli/errors.js';
import { commitVg, readVg, readVgForUpdate, requireLv } from '../cli/toollib.js';
import { DevicePool } from '../device/device-pool.js';
import { SECTOR, lvExtents } from '../model/types.js';
import { nameError } from '../model/names.js';
import { displaySize } from '../model/units.js';
import { newUuid } from '../model/uuid.js';
import { activationChanged } from '../nbd/control.js';
import { exportUse, liveDaemonState } from '../nbd/in-use.js';
import { DEFAULT_REGION_SIZE, groupOfLv, loadGroups, updateGroups, type Group, type Member } from './config.js';
import { clearLocalDone } from './local-done.js';
import { clearRunProgress } from './run-progress.js';
import { Journal } from './journal.js';
import { Mode, type ModeState } from './journal-format.js';
import { addJournalLv, dropJournalLv, journalSize } from './journal-lv.js';
import { resolveTarget } from './targets-check.js';
import { withJournal } from './manage.js';

export interface PromoteOptions {
  lvs: Array<{ vg: string; lv: string }>;
  /** Where the old source is (one per LV), for the failback; none: given to failback later. */
  targets: string[];
  force: boolean;
  /** Journal size in sectors for a new group (-L), default DEFAULT_JOURNAL_SECTORS. */
  journalSectors?: number;
  name?: string;
}

/** 8 MiB: eight of the largest records. */
export const DEFAULT_JOURNAL_SECTORS = 16384;

const SPLIT_MODE: ModeState = { mode: Mode.Split, epoch: 0, consistentAt: 0, resyncing: false, reason: 'promoted' };

export async function promote(ctx: Context, o: PromoteOptions, say: (l: string) => void): Promise<number> {
  const groups = loadGroups(ctx.systemDir);
  const members: Member[] = [];
  let demoted: Group | undefined;
  const daemon = liveDaemonState(ctx.systemDir);
  for (const n of o.lvs) {
    const vg = readVg(ctx, n.vg);
    const lv = requireLv(vg, n.lv);
    const full = `${vg.name}/${lv.name}`;
    if (!lv.visible) throw new CommandFailed(`Cannot promote internal logical volume ${full}.`);
    if (!lv.active) throw new CommandFailed(`Logical volume ${full} is not active.`, `Activate volume group ${vg.name} first.`);
    if (!lv.writable) throw new CommandFailed(`Logical volume ${full} is read-only.`, `Make it writable first (lvchange -p rw ${full}).`);
    if (members.some((m) => m.lvUuid === lv.uuid)) throw new CommandFailed(`Logical volume ${full} is given twice.`);
    const found = groupOfLv(groups, lv.uuid);
    if (found && found.group.role !== 'replica') {
      throw new CommandFailed(found.group.promoted
        ? `Logical volume ${full} is already promoted (replication group ${found.group.name}).`
        : `Logical volume ${full} is a replication source (group ${found.group.name}), not a replica.`);
    }
    if (found) {
      if (demoted && demoted !== found.group) throw new CommandFailed(`Logical volumes of replication groups ${demoted.name} and ${found.group.name} cannot be promoted together.`);
      demoted = found.group;
    } else if (demoted) {
      throw new CommandFailed(`Logical volume ${full} is not in replication group ${demoted.name}.`);
    }
    // The old source still writing here is what --force is for (DRBD refuses a peer that is primary).
    if (exportUse(daemon?.exports[lv.uuid]) && !o.force) {
      throw new CommandFailed(`Logical volume ${full} in use.`,
        `Its replication source may still be connected: promote it with --force to cut its NBD clients off.`);
    }
    members.push({ vgName: vg.name, vgUuid: vg.uuid, lvName: lv.name, lvUuid: lv.uuid, size: lvExtents(lv) * vg.extentSize * SECTOR });
  }
  if (demoted && demoted.members.length !== members.length) {
    throw new CommandFailed(`Replication group ${demoted.name} has ${demoted.members.length} logical volumes: promote them together (consistency group).`);
  }
  if (o.targets.length && o.targets.length !== members.length) {
    throw new CommandFailed(`${members.length} logical volume(s) but ${o.targets.length} --target(s): give one per logical volume, in the same order.`);
  }
  // Members in the group's order; the old source as given, else the one the demoted group knew.
  if (demoted) members.sort((a, b) => demoted!.members.findIndex((m) => m.lvUuid === a.lvUuid) - demoted!.members.findIndex((m) => m.lvUuid === b.lvUuid));
  const targets = o.targets.length ? o.targets.map((t) => resolveTarget(ctx, t)) : demoted?.replicas[0]?.targets ?? members.map(() => '');

  const group = demoted ? repromote(ctx, demoted, targets) : await newPromotedGroup(ctx, o, groups, members, targets);
  // Writers holding a member (the NBD daemon) reopen it through the journal, its clients are cut off.
  for (const vgName of new Set(members.map((m) => m.vgName))) commitVg(ctx, readVgForUpdate(ctx, vgName), `replica promote ${group.name}`);
  await activationChanged(ctx.systemDir, ctx.env, false);
  for (const m of members) say(`Logical volume ${m.vgName}/${m.lvName} promoted: writable, split from its replication source.`);
  say(`Replication group ${group.name}: writes are tracked by region (${displaySize(group.regionSize / SECTOR).trim()}) for the failback.`);
  return 0;
}

/** A group for LVs that were plain replicas: its journal LV allocated, its one replica split. */
async function newPromotedGroup(ctx: Context, o: PromoteOptions, groups: Group[], members: Member[], targets: string[]): Promise<Group> {
  const name = o.name ?? members[0]!.lvName;
  const bad = nameError(name);
  if (bad) throw new CommandFailed(bad.replace('Logical volume', 'Replication group'));
  if (groups.some((g) => g.name === name)) throw new CommandFailed(`Replication group ${name} already exists.`, 'Give another name with -n.');
  const journalLvName = `${name}_rjournal`;
  const { extents, bytes } = journalSize(readVg(ctx, members[0]!.vgName), journalLvName, o.journalSectors ?? DEFAULT_JOURNAL_SECTORS);
  const now = Date.now();
  const { vg, lv } = addJournalLv(ctx, members[0]!.vgName, journalLvName, extents, `replica promote ${name}`);
  const group: Group = {
    name, uuid: newUuid(), journalSize: bytes, regionSize: DEFAULT_REGION_SIZE, members, created: ctx.now(),
    replicas: [{ slot: 0, kind: 'async', targets, paused: false, split: { at: now, reason: 'promoted' } }],
    journal: { vgName: vg.name, vgUuid: vg.uuid, lvName: journalLvName, lvUuid: lv.uuid },
    role: 'source', promoted: { at: now, from: targets },
  };
  const pool = new DevicePool(ctx.systemDir);
  try {
    const journal = Journal.open({ devices: pool, systemDir: ctx.systemDir }, ctx.store.db, group);
    try {
      journal.format(new Map([[0, SPLIT_MODE]]));
    } finally {
      journal.close();
    }
  } catch (e) {
    dropJournalLv(ctx, vg.name, lv.uuid, `replica promote: revert ${name}`);
    throw new CommandFailed(`Failed to initialise replication journal ${vg.name}/${journalLvName}.`, (e as Error).message);
  } finally {
    pool.closeAll();
  }
  updateGroups(ctx.systemDir, (gs) => void gs.push(group));
  return group;
}

/**
 * A demoted group becomes a source again: a fresh journal head, its replica split. Its region maps
 * stay as they are: what they hold (written here before the demotion, not recopied by a failback
 * since) still differs from the other side.
 */
function repromote(ctx: Context, g: Group, targets: string[]): Group {
  // A new epoch: what a writer remembers having marked before belongs to the old one.
  withJournal(ctx, g, (journal) => {
    journal.format(new Map(g.replicas.map((r) => [r.slot, { ...SPLIT_MODE, epoch: journal.mode(r.slot).epoch + 1 }])));
    clearLocalDone(ctx.systemDir, g.uuid);
    clearRunProgress(ctx.systemDir, g.uuid);
  });
  const now = Date.now();
  return updateGroups(ctx.systemDir, (gs) => {
    const x = gs.find((y) => y.uuid === g.uuid)!;
    x.role = 'source';
    x.promoted = { at: now, from: targets };
    delete x.fenced;
    delete x.failback;
    for (const r of x.replicas) {
      r.split = { at: now, reason: 'promoted' };
      if (r === x.replicas[0]) r.targets = targets; // a demoted group keeps one replica (demote.ts)
    }
    return x;
  });
}
