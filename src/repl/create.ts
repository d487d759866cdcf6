// `tsvm replica create`: a replication group over one or more LVs (one VG or several) with its
// first replica. Everything is checked before anything changes (targets reached, big enough and
// writable; members active and not replicated yet; the journal able to hold a write), then the
// hidden GROUP_rjournal LV is allocated and committed in the first member's VG (LVM2's hidden
// sub-LVs: _mlog, _rmeta), its header written, and the group saved.
import type { Context } from '../cli/context.js';
import { CommandFailed } from '../cli/errors.js';
import { commitVg, readVg, readVgForUpdate, requireLv } from '../cli/toollib.js';
import { DevicePool } from '../device/device-pool.js';
import { SECTOR, lvExtents } from '../model/types.js';
import { nameError } from '../model/names.js';
import { displaySize } from '../model/units.js';
import { newUuid } from '../model/uuid.js';
import { DEFAULT_REGION_SIZE, loadGroups, updateGroups, type Group, type Member, type Replica, type Rpo } from './config.js';
import { Journal } from './journal.js';
import { Mode, type ModeState } from './journal-format.js';
import { addJournalLv, dropJournalLv, journalSize } from './journal-lv.js';
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
  const { extents, bytes: journalBytes } = journalSize(jvg, journalLvName, o.journalSectors);

  const targets = o.targets.map((t) => resolveTarget(ctx, t));
  await checkTargets(ctx, members, targets);

  const { vg: journalVg, lv: journalLv } = addJournalLv(ctx, jvg.name, journalLvName, extents, `replica create ${name}`);
  const loaded = { vg: journalVg };

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
    dropJournalLv(ctx, loaded.vg.name, journalLv.uuid, `replica create: revert ${name}`);
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
