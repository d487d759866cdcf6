// `tsvm replica add`: one more replica (sync or async) of a group that has one already (seed 004:
// one source, several destinations). Checked before anything changes (a free journal slot, targets
// reached, big enough, writable, neither a member nor a replica of the group already); then, under
// the group lock, the replica's journal slot is set up (from the head on, and every region marked
// for the first copy unless --nosync) before the group lists it, so every write after that lock
// either reaches it through the journal or marks its bitmap.
import type { Context } from '../cli/context.js';
import { CommandFailed } from '../cli/errors.js';
import { vgSocketPath } from '../nbd/run-dir.js';
import { unixUri } from '../nbd/uri.js';
import { MAX_REPLICAS, updateGroups, type Group, type Replica, type Rpo } from './config.js';
import { initialMode } from './create.js';
import { findGroup, withJournal } from './manage.js';
import { markAll } from './region-map.js';
import { ensureShipper } from './shipper-control.js';
import { checkTargets, resolveTarget } from './targets-check.js';

export interface AddOptions {
  group: string;
  targets: string[];
  kind: 'async' | 'sync';
  nosync: boolean;
  rpo?: Rpo;
}

export async function addReplica(ctx: Context, o: AddOptions, say: (l: string) => void): Promise<number> {
  const g = findGroup(ctx, o.group);
  if (o.targets.length !== g.members.length) {
    throw new CommandFailed(`Replication group ${g.name} has ${g.members.length} logical volume(s) but ${o.targets.length} --target(s) were given.`,
      `Give one target per logical volume, in the group's order: ${g.members.map((m) => `${m.vgName}/${m.lvName}`).join(' ')}.`);
  }
  const used = new Set(g.replicas.map((r) => r.slot));
  const slot = [...Array(MAX_REPLICAS).keys()].find((s) => !used.has(s));
  if (slot === undefined) throw new CommandFailed(`Replication group ${g.name} already has ${MAX_REPLICAS} replicas.`);
  const targets = o.targets.map((t) => resolveTarget(ctx, t));
  for (const t of targets) refuseTaken(ctx, g, t);
  await checkTargets(ctx, g.members, targets);

  const replica: Replica = { slot, kind: o.kind, targets, paused: false, ...(o.rpo ? { rpo: o.rpo } : {}) };
  withJournal(ctx, g, (journal) => {
    if (!o.nosync) for (const [i, m] of g.members.entries()) markAll(ctx.systemDir, g, slot, i, m.size);
    journal.resetReplica(slot, initialMode(o.nosync));
    journal.flush();
    updateGroups(ctx.systemDir, (gs) => {
      const now = gs.find((x) => x.uuid === g.uuid);
      if (!now) throw new CommandFailed(`Replication group ${g.name} not found.`);
      if (now.replicas.some((r) => r.slot === slot)) throw new CommandFailed(`Replication group ${g.name} changed meanwhile: try again.`);
      now.replicas.push(replica);
    });
  });
  ensureShipper(ctx.systemDir, ctx.env);
  for (const [i, m] of g.members.entries()) say(`Logical volume ${m.vgName}/${m.lvName} is replicated to ${targets[i]} (${o.kind}).`);
  say(`Replica ${slot} added to replication group ${g.name} (${g.replicas.length + 1} replicas).`);
  return 0;
}

/** A target that is a member of the group, or already one of its replicas, is refused. */
function refuseTaken(ctx: Context, g: Group, uri: string): void {
  const member = g.members.find((m) => unixUri(vgSocketPath(ctx.systemDir, m.vgName), `${m.vgName}/${m.lvName}`) === uri);
  if (member) throw new CommandFailed(`Replica target ${uri} is logical volume ${member.vgName}/${member.lvName} of group ${g.name} itself.`);
  const r = g.replicas.find((x) => x.targets.includes(uri));
  if (r) throw new CommandFailed(`Replica target ${uri} is already replica ${r.slot} of group ${g.name}.`);
}
