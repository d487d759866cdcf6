// `tsvm replica failback`: reverse the direction after a failover. The side that writes (promoted,
// or the old source whose replica split) becomes the source of the other side, which must have been
// demoted: the regions either side wrote since the split (this side's split map united with the
// one the other side's NBD server serves as `VG/LV:split-map`) are copied from here, and only those,
// by the shipper's resync; then the journal ships as usual. Each step is recorded before the next
// (preparing, copying, done) so that a kill -9 anywhere and a rerun finish the same failback.
import type { Context } from '../cli/context.js';
import { CommandFailed } from '../cli/errors.js';
import { SPLIT_MAP_SUFFIX } from '../lv-io/replica-hook.js';
import { NbdClient } from '../nbd/client.js';
import { parseNbdUri } from '../nbd/uri.js';
import { regionMapPath, updateGroups, type FailbackReport, type Group } from './config.js';
import { failbackReport } from './view.js';
import { Mode } from './journal-format.js';
import { findGroup, withJournal } from './manage.js';
import { markList } from './region-map.js';
import { readShipperState, linkKey, ensureShipper } from './shipper-control.js';
import { regionBytes, splitRegions } from './split.js';
import { SplitError, TargetError, openTarget, peerRole } from './target.js';
import { resolveTarget } from './targets-check.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function failback(ctx: Context, arg: string, targetArgs: string[], say: (l: string) => void): Promise<number> {
  let g = findGroup(ctx, arg);
  if (g.role === 'replica') {
    throw new CommandFailed(`Replication group ${g.name} is a replica: run the failback on the site that writes.`);
  }
  if (g.failback?.state !== 'preparing' && g.failback?.state !== 'copying') {
    const slot = splitReplicaSlot(g);
    const peer = await peerMaps(ctx, g, slot, targetArgs);
    g = prepare(ctx, g, slot, peer);
  }
  const slot = g.failback!.slot ?? 0;
  if (g.failback!.state === 'preparing') g = startCopy(ctx, g, slot);
  await waitCopied(ctx, g, slot, say);
  await clearPeerMaps(g);
  const done = updateGroups(ctx.systemDir, (gs) => {
    const x = gs.find((y) => y.uuid === g.uuid)!;
    x.failback = { ...x.failback!, state: 'done', finished: Date.now() };
    return x.failback;
  });
  say(failbackReport(g.name, done));
  return 0;
}

/**
 * The replica to fail back to: the split one. Other replicas of the group (added on this side since
 * the promotion, say) ship on as they do; two split ones at once (two far sites promoted) are
 * refused: which one holds the history to keep is for a person to say, by removing the other.
 */
function splitReplicaSlot(g: Group): number {
  const split = g.replicas.filter((r) => r.split);
  if (!split.length) throw new CommandFailed(`Replication group ${g.name} is not split from its replica: there is nothing to fail back.`);
  if (split.length > 1) {
    throw new CommandFailed(`Replication group ${g.name} has ${split.length} split replicas (${split.map((r) => r.slot).join(', ')}): cannot tell which one to fail back to.`,
      'Remove the replication of the others first.');
  }
  return split[0]!.slot;
}

interface PeerMaps {
  targets: string[];
  /** Per member, the regions the other side marked. */
  regions: number[][];
}

/** Reach the demoted side and read its split maps; refuse (changing nothing) what cannot fail back. */
async function peerMaps(ctx: Context, g: Group, slot: number, targetArgs: string[]): Promise<PeerMaps> {
  if (targetArgs.length && targetArgs.length !== g.members.length) {
    throw new CommandFailed(`${g.members.length} logical volume(s) but ${targetArgs.length} --target(s): give one per logical volume, in the same order.`);
  }
  const targets = targetArgs.length ? targetArgs.map((t) => resolveTarget(ctx, t)) : g.replicas.find((r) => r.slot === slot)!.targets;
  const out: PeerMaps = { targets, regions: [] };
  for (const [i, m] of g.members.entries()) {
    const uri = targets[i];
    if (!uri) throw new CommandFailed(`Replication group ${g.name} does not know where the old source of ${m.vgName}/${m.lvName} is.`, 'Give it with --target URI|VG/LV.');
    let c: NbdClient;
    try {
      c = await openTarget(uri, m.size);
    } catch (e) {
      if (e instanceof SplitError) {
        throw new CommandFailed(`Old source ${uri} still writes on its own.`, 'Demote it on its site first (tsvm replica demote VG/LV there).');
      }
      throw new CommandFailed((e as TargetError).message, `Cannot fail back ${m.vgName}/${m.lvName}.`);
    }
    const role = peerRole(c);
    await c.disconnect().catch(() => undefined);
    if (role !== 'replica') {
      throw new CommandFailed(`Replica target ${uri} is not a demoted tsvm logical volume: its writes since the split are unknown.`,
        'A failback needs the region map of the old source; for a full copy, use tsvm replica remove and replica create --target.');
    }
    out.regions.push(await readPeerMap(uri, g.regionSize));
  }
  return out;
}

/** The regions marked in a demoted LV's split map (`VG/LV:split-map` on its NBD server). */
async function readPeerMap(uri: string, regionSize: number): Promise<number[]> {
  const addr = parseNbdUri(uri);
  const c = await NbdClient.open(addr, `${addr.exportName}${SPLIT_MAP_SUFFIX}`).catch((e: Error) => {
    throw new CommandFailed(`Cannot read the split map of ${uri}: ${e.message}.`);
  });
  try {
    if (!c.description.includes(`region size ${regionSize}`)) {
      throw new CommandFailed(`The split map of ${uri} has another region size (${c.description}).`);
    }
    const map = c.size ? await c.pread(0, c.size) : Buffer.alloc(0);
    const regions: number[] = [];
    for (let r = 0; r < map.length; r++) if (map[r]) regions.push(r);
    return regions;
  } finally {
    await c.disconnect().catch(() => undefined);
  }
}

/** Record what will be recopied (before anything moves): this side's regions, the peer's, the union. */
function prepare(ctx: Context, g: Group, slot: number, peer: PeerMaps): Group {
  let localRegions = 0;
  let peerRegions = 0;
  let regions = 0;
  let bytes = 0;
  for (const [i, m] of g.members.entries()) {
    const local = splitRegions(ctx.systemDir, g, i, slot);
    const union = [...new Set([...local, ...peer.regions[i]!])];
    localRegions += local.length;
    peerRegions += peer.regions[i]!.length;
    regions += union.length;
    bytes += regionBytes(union, g.regionSize, m.size);
  }
  const report: FailbackReport = { state: 'preparing', slot, at: Date.now(), localRegions, peerRegions, regions, bytes, targets: peer.targets };
  // The peer's regions join this side's map first (durably): a rerun finds the union there.
  for (let i = 0; i < g.members.length; i++) markList(regionMapPath(ctx.systemDir, g, slot, i), peer.regions[i]!);
  return updateGroups(ctx.systemDir, (gs) => {
    const x = gs.find((y) => y.uuid === g.uuid)!;
    x.failback = report;
    x.replicas.find((r) => r.slot === slot)!.targets = peer.targets;
    return structuredClone(x);
  });
}

/** The union becomes the replica's resync (bitmap mode): the shipper copies it, then ships the journal. */
function startCopy(ctx: Context, g: Group, slot: number): Group {
  withJournal(ctx, g, (journal) => {
    const m = journal.mode(slot);
    if (m.mode === Mode.Split) journal.writeMode(slot, { ...m, mode: Mode.Bitmap, reason: 'failback' });
    journal.flush();
  });
  const x = updateGroups(ctx.systemDir, (gs) => {
    const y = gs.find((z) => z.uuid === g.uuid)!;
    delete y.replicas.find((r) => r.slot === slot)!.split;
    delete y.promoted;
    delete y.fenced;
    y.failback!.state = 'copying';
    return structuredClone(y);
  });
  ensureShipper(ctx.systemDir, ctx.env);
  return x;
}

/** Wait until the replica has every recopied region and is consistent again, with LVM2-like progress lines. */
async function waitCopied(ctx: Context, g: Group, slot: number, say: (l: string) => void): Promise<void> {
  let last = '';
  let lastAt = 0;
  for (;;) {
    ensureShipper(ctx.systemDir, ctx.env);
    const done = withJournal(ctx, g, (journal) => {
      const m = journal.mode(slot);
      return m.mode === Mode.Journal && !m.resyncing && (!m.consistentAt || journal.applied(slot).nextSeq >= m.consistentAt);
    });
    if (done) return;
    const link = readShipperState(ctx.systemDir)[linkKey(g.uuid, slot)];
    if (link?.resyncTotal) {
      const pct = `${((100 * (link.resyncDone ?? 0)) / link.resyncTotal).toFixed(2)}%`;
      if (pct !== last && Date.now() - lastAt > 1000) {
        say(`  ${g.name}: Failback copied: ${pct}`);
        last = pct;
        lastAt = Date.now();
      }
    }
    await sleep(100);
  }
}

/** The old source's maps are spent: clear them there (its next promotion starts from nothing). */
async function clearPeerMaps(g: Group): Promise<void> {
  for (const uri of g.failback!.targets) {
    const addr = parseNbdUri(uri);
    const c = await NbdClient.open(addr, `${addr.exportName}${SPLIT_MAP_SUFFIX}`).catch(() => null);
    if (!c) continue; // no map any more (it was promoted again meanwhile, or is not there): nothing to clear
    try {
      if (c.size && !c.readOnly) {
        await c.zero(0, c.size);
        await c.flush();
      }
    } finally {
      await c.disconnect().catch(() => undefined);
    }
  }
}

