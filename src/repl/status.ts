// What a person (and `lvs`) wants to know about a replica: its state, how far behind it is (in
// journal records, bytes and seconds), when it last applied something, and where it goes. Read from
// the journal's header and records and from what the shipper published about its links; nothing
// here writes. The states are DRBD's and md's words: replicating, paused, degraded (link down,
// still a prefix), resyncing (copying regions, not a prefix yet), inconsistent (out of the journal).
import { DevicePool } from '../device/device-pool.js';
import type { Db } from '../store/db.js';
import { loadGroups, type FailbackReport, type Group, type Replica } from './config.js';
import { Journal } from './journal.js';
import { Mode } from './journal-format.js';
import { linkKey, readShipperState, shipperPid, type ShipperState } from './shipper-control.js';

export type ReplState = 'replicating' | 'paused' | 'degraded' | 'resyncing' | 'inconsistent' | 'split' | 'replica';

export interface ReplicaStatus {
  group: string;
  groupUuid: string;
  slot: number;
  kind: Replica['kind'];
  targets: string[];
  members: string[];
  state: ReplState;
  lagWrites: number;
  lagBytes: number;
  lagSeconds: number;
  /** When the shipper last applied a record (ms since the epoch; 0: never). */
  lastApplied: number;
  connected: boolean;
  error?: string;
  reason?: string;
  /** Resyncs so far (the initial copy is the first). */
  resyncs: number;
  resyncDone?: number;
  resyncTotal?: number;
  rpo?: Replica['rpo'];
  /** source, promoted (failover, not failed back yet) or replica (demoted). */
  role: 'source' | 'promoted' | 'replica';
  /** When the replica split from this side (failover), 0: not split. */
  splitAt: number;
  failback?: FailbackReport;
  /**
   * What the replica holds: prefix (a state the source went through), crash-consistent (the link
   * went down with several writes in flight to a server that runs them in parallel: every write
   * before unordered[0], and maybe some of unordered[0]..unordered[1], none overlapping, all after
   * the last barrier; ship-window.ts), inconsistent (out of the journal, or resyncing), '' (demoted).
   */
  consistency: 'prefix' | 'crash-consistent' | 'inconsistent' | '';
  /** When writes here were fenced (a replica found promoted), 0: not fenced (fence.ts). */
  fencedAt: number;
  unordered?: [number, number];
}

/** The replica at rest (link down, paused, split) holds writes that may have landed out of order. */
function consistencyOf(state: ReplState, mode: Mode, connected: boolean, a: { nextSeq: number; inflight?: number }): Pick<ReplicaStatus, 'consistency' | 'unordered'> {
  if (state === 'replica') return { consistency: '' };
  if (state === 'inconsistent' || state === 'resyncing' || mode === Mode.Bitmap) return { consistency: 'inconsistent' };
  // While connected the shipper is re-sending or draining them: a prefix again at the next barrier.
  if (!connected && a.inflight && a.inflight > a.nextSeq) return { consistency: 'crash-consistent', unordered: [a.nextSeq, a.inflight - 1] };
  return { consistency: 'prefix' };
}

function replicaStatus(journal: Journal, group: Group, r: Replica, links: ShipperState, shipper: boolean, now: number): ReplicaStatus {
  const h = journal.currentHead();
  const a = journal.applied(r.slot);
  const m = journal.mode(r.slot);
  const link = shipper ? links[linkKey(group.uuid, r.slot)] : undefined;
  const connected = !!link?.connected;
  const oldest = m.mode === Mode.Journal && a.nextSeq < h.nextSeq ? journal.recordAt(a.nextPos, a.nextSeq) : null;
  let state: ReplState;
  if (group.role === 'replica') state = 'replica';
  else if (r.split || m.mode === Mode.Split) state = 'split';
  else if (r.paused) state = 'paused';
  else if (m.mode === Mode.Bitmap) state = 'inconsistent';
  else if (m.resyncing || (m.consistentAt && a.nextSeq < m.consistentAt)) state = 'resyncing';
  else if (!connected) state = 'degraded';
  else state = 'replicating';
  return {
    group: group.name, groupUuid: group.uuid, slot: r.slot, kind: r.kind, targets: r.targets,
    members: group.members.map((x) => `${x.vgName}/${x.lvName}`), state,
    lagWrites: m.mode === Mode.Journal ? Math.max(0, h.nextSeq - a.nextSeq) : 0,
    lagBytes: m.mode === Mode.Journal ? Math.max(0, h.totalBytes - a.totalBytes) : 0,
    lagSeconds: oldest ? Math.max(0, (now - oldest.time) / 1000) : 0,
    lastApplied: a.time, connected, error: link?.error, reason: m.reason || undefined, resyncs: m.epoch,
    resyncDone: link?.resyncDone, resyncTotal: link?.resyncTotal, rpo: r.rpo,
    role: group.role === 'replica' ? 'replica' : group.promoted ? 'promoted' : 'source',
    splitAt: r.split?.at ?? 0, failback: group.failback, fencedAt: group.fenced?.at ?? 0, ...consistencyOf(state, m.mode, connected, a),
  };
}

/** The status of every replica of the given groups (all groups by default). */
export function replicaStatuses(systemDir: string, db: Db, groups: Group[] = loadGroups(systemDir)): ReplicaStatus[] {
  const links = readShipperState(systemDir);
  const shipper = !!shipperPid(systemDir);
  const pool = new DevicePool(systemDir);
  const out: ReplicaStatus[] = [];
  const now = Date.now();
  try {
    for (const g of groups) {
      let journal: Journal;
      try {
        journal = Journal.open({ devices: pool, systemDir }, db, g);
      } catch {
        continue;
      }
      try {
        for (const r of g.replicas) out.push(replicaStatus(journal, g, r, links, shipper, now));
      } finally {
        journal.close();
      }
    }
  } finally {
    pool.closeAll();
  }
  return out;
}

/** Per LV uuid, the statuses of its group's replicas (for `lvs -o repl_*`). */
export function replicaStatusByLv(systemDir: string, db: Db): Map<string, ReplicaStatus[]> {
  const groups = loadGroups(systemDir);
  const statuses = replicaStatuses(systemDir, db, groups);
  const map = new Map<string, ReplicaStatus[]>();
  for (const g of groups) {
    const mine = statuses.filter((s) => s.groupUuid === g.uuid);
    for (const m of g.members) map.set(m.lvUuid, mine);
  }
  return map;
}

/** Which target a member's replica writes to. */
export function memberTarget(s: ReplicaStatus, member: string): string {
  const i = s.members.indexOf(member);
  return s.targets[i] ?? '';
}
