// `tsvm replica create`: a replication group over one or more LVs (one VG or several) with its
// first replica. Everything is checked before anything changes (targets reached, big enough and
// writable; members active and not replicated yet; the journal able to hold a write), then the
// hidden GROUP_rjournal LV is allocated and committed in the first member's VG (LVM2's hidden
// sub-LVs: _mlog, _rmeta), its header written, and the group saved.
import type { Context } from '../cli/context.js';
import { CommandFailed } from '../cli/errors.js';
import { commitVg, readVg, readVgForUpdate, requireLv } from '../cli/toollib.js';
import { allocate, AllocError, checkVgFree } from '../alloc/index.js';
import { DevicePool } from '../device/device-pool.js';
import type { LogicalVolume } from '../model/types.js';
import { SECTOR, lvExtents } from '../model/types.js';
import { findLv } from '../model/vg-query.js';
import { nameError } from '../model/names.js';
import { displaySize } from '../model/units.js';
import { newUuid } from '../model/uuid.js';
import { mergeSegments, segmentsFromRuns } from '../lv/segments.js';
import { DEFAULT_REGION_SIZE, loadGroups, updateGroups, type Group, type Member, type Replica, type Rpo } from './config.js';
import { Journal } from './journal.js';
import { MAX_RECORD_DATA, Mode, capacityOf, recordSpan, type ModeState } from './journal-format.js';
import { markAll } from './region-map.js';
import { ensureShipper } from './shipper-control.js';
import { checkTargets, resolveTarget } from './targets-check.js';

export interface CreateOptions {
  lvs: Array<{ vg: string; lv: string }>;
  targets: string[];
  kind: 'async' | 'sync';
  /** Journal size in sectors, as -L gave it. */
  journalSectors: number;
  name?: string;
  nosync: boolean;
  rpo?: Rpo;
}

/** Smallest journal: room for two of the largest records. */
export const MIN_JOURNAL_CAPACITY = 2 * recordSpan(MAX_RECORD_DATA);

export async function createGroup(ctx: Context, o: CreateOptions, say: (l: string) => void): Promise<number> {
  const groups = loadGroups(ctx.systemDir);
  const members: Member[] = [];
  for (const n of o.lvs) {
    const vg = readVg(ctx, n.vg);
    const lv = requireLv(vg, n.lv);
    const full = `${vg.name}/${lv.name}`;
    if (!lv.visible) throw new CommandFailed(`Cannot replicate internal logical volume ${full}.`);
    if (!lv.active) {
      throw new CommandFailed(`Logical volume ${full} is not active.`, `Cannot add ${full} to a replication group: activate volume group ${vg.name} first.`);
    }
    const other = groups.find((g) => g.members.some((m) => m.lvUuid === lv.uuid));
    if (other) throw new CommandFailed(`Logical volume ${full} is already replicated (group ${other.name}).`);
    if (members.some((m) => m.lvUuid === lv.uuid)) throw new CommandFailed(`Logical volume ${full} is given twice.`);
    members.push({ vgName: vg.name, vgUuid: vg.uuid, lvName: lv.name, lvUuid: lv.uuid, size: lvExtents(lv) * vg.extentSize * SECTOR });
  }
  const name = o.name ?? members[0]!.lvName;
  const bad = nameError(name);
  if (bad) throw new CommandFailed(bad.replace('Logical volume', 'Replication group'));
  if (groups.some((g) => g.name === name)) throw new CommandFailed(`Replication group ${name} already exists.`);
  const journalLvName = `${name}_rjournal`;

  // The journal: whole extents in the first member's VG, big enough for one write.
  const jvg = readVg(ctx, members[0]!.vgName);
  if (findLv(jvg, journalLvName)) throw new CommandFailed(`Logical Volume "${journalLvName}" already exists in volume group "${jvg.name}"`);
  const extents = Math.max(1, Math.ceil(o.journalSectors / jvg.extentSize));
  const journalBytes = extents * jvg.extentSize * SECTOR;
  if (capacityOf(journalBytes) < MIN_JOURNAL_CAPACITY) {
    throw new CommandFailed(`Journal size ${displaySize(extents * jvg.extentSize)} is too small for one write of ${displaySize(MAX_RECORD_DATA / SECTOR)}.`,
      `A replication journal needs at least ${displaySize(Math.ceil((MIN_JOURNAL_CAPACITY + 32768) / SECTOR))}.`);
  }
  const freeErr = checkVgFree(jvg, extents);
  if (freeErr) throw new CommandFailed(...freeErr);

  const targets = o.targets.map((t) => resolveTarget(ctx, t));
  await checkTargets(ctx, members, targets);

  const loaded = readVgForUpdate(ctx, jvg.name);
  let runs;
  try {
    runs = allocate({ vg: loaded.vg, policy: 'inherit', areaCount: 1, extents, logCount: 0, logLen: 0, lvName: journalLvName });
  } catch (e) {
    if (e instanceof AllocError) throw new CommandFailed(...e.lines);
    throw e;
  }
  const journalLv: LogicalVolume = {
    uuid: newUuid(), name: journalLvName, visible: false, writable: true, alloc: 'inherit', active: true,
    creationTime: ctx.now(), creationHost: ctx.host, tags: [], readAhead: 'auto', flags: [],
    segments: mergeSegments(segmentsFromRuns(runs.areas, 0, 0)),
  };
  loaded.vg.lvs.push(journalLv);
  commitVg(ctx, loaded, `replica create ${name}`);

  const replica: Replica = { slot: 0, kind: o.kind, targets, paused: false, ...(o.rpo ? { rpo: o.rpo } : {}) };
  const group: Group = {
    name, uuid: newUuid(), journalSize: journalBytes, regionSize: DEFAULT_REGION_SIZE, members, replicas: [replica], created: ctx.now(),
    journal: { vgName: loaded.vg.name, vgUuid: loaded.vg.uuid, lvName: journalLvName, lvUuid: journalLv.uuid },
  };
  const pool = new DevicePool(ctx.systemDir);
  try {
    const journal = Journal.open({ devices: pool, systemDir: ctx.systemDir }, ctx.store.db, group);
    try {
      journal.format(new Map([[0, initialMode(o.nosync)]]));
    } finally {
      journal.close();
    }
    if (!o.nosync) for (const [i, m] of members.entries()) markAll(ctx.systemDir, group, 0, i, m.size);
  } catch (e) {
    const again = readVgForUpdate(ctx, loaded.vg.name);
    again.vg.lvs = again.vg.lvs.filter((l) => l.uuid !== journalLv.uuid);
    commitVg(ctx, again, `replica create: revert ${name}`);
    throw new CommandFailed(`Failed to initialise replication journal ${loaded.vg.name}/${journalLvName}.`, (e as Error).message);
  } finally {
    pool.closeAll();
  }
  updateGroups(ctx.systemDir, (gs) => void gs.push(group));
  // Writers that have a member open (the NBD daemon) reopen it through the journal: a new seqno.
  for (const vgName of new Set(members.map((m) => m.vgName))) {
    if (vgName === loaded.vg.name) continue;
    commitVg(ctx, readVgForUpdate(ctx, vgName), `replica create ${name}`);
  }
  ensureShipper(ctx.systemDir, ctx.env);
  for (const [i, m] of members.entries()) say(`Logical volume ${m.vgName}/${m.lvName} is replicated to ${targets[i]} (${o.kind}).`);
  say(`Replication group ${name} created with journal ${loaded.vg.name}/${journalLvName} (${displaySize(extents * jvg.extentSize)}).`);
  return 0;
}

export function initialMode(nosync: boolean): ModeState {
  return nosync
    ? { mode: Mode.Journal, epoch: 0, consistentAt: 0, resyncing: false, reason: '' }
    : { mode: Mode.Bitmap, epoch: 0, consistentAt: 0, resyncing: false, reason: 'initial copy' };
}
