// tsvm's own LV report fields for replication (LVM2 has none): state, kind, target, lag in journal
// records, bytes and seconds, last applied time, group. Values come from src/repl/status.ts through
// Env.repl, filled by the reporter only when one of these fields is asked for. Not listed by
// `lvs -o help` (which prints LVM2's catalogue as LVM2 does); `tsvm replica --help` lists them.
import type { FieldEntry } from './field-table.js';
import type { ReplicaStatus } from '../repl/status.js';

export const REPL_FIELD_TABLE: readonly FieldEntry[] = [
  ['LVS', 'STR', 'Repl', 0, 'repl_state', 'Replication state of each replica: replicating, paused, degraded, resyncing, inconsistent, split, replica.'],
  ['LVS', 'STR', 'RType', 0, 'repl_kind', 'Replica kind: async or sync.'],
  ['LVS', 'STR', 'RGroup', 0, 'repl_group', 'Replication (consistency) group.'],
  ['LVS', 'STR', 'RTarget', 0, 'repl_target', 'Where the replica of this LV is written (NBD URI).'],
  ['LVS', 'NUM', 'LagW', 0, 'repl_lag_writes', 'Journal records (writes and flush barriers) not applied on the replica yet.'],
  ['LVS', 'SIZ', 'LagSize', 0, 'repl_lag_bytes', 'Bytes written but not applied on the replica yet.'],
  ['LVS', 'NUM', 'LagSec', 0, 'repl_lag_seconds', 'Age in seconds of the oldest write not applied on the replica.'],
  ['LVS', 'STR', 'LastApplied', 0, 'repl_last_applied', 'When the replica last applied a write.'],
  ['LVS', 'STR', 'RPO', 0, 'repl_rpo', 'Longest lag allowed (seconds and/or size) and the policy past it: throttle, sync or bitmap.'],
  ['LVS', 'STR', 'RReason', 0, 'repl_reason', 'Why the replica is not simply replicating: journal full, RPO exceeded (and what the policy does), initial copy.'],
  ['LVS', 'STR', 'RRole', 0, 'repl_role', 'Replication role of this side: source, promoted (failover) or replica (demoted).'],
  ['LVS', 'STR', 'Split', 0, 'repl_split', 'When the replica split from this side (failover); empty when not split.'],
  ['LVS', 'NUM', 'Recopied', 0, 'repl_recopied_regions', 'Regions the last failback recopied (written on either side since the split).'],
  ['LVS', 'SIZ', 'RecopiedSize', 0, 'repl_recopied_bytes', 'Bytes the last failback recopied.'],
  ['LVS', 'STR', 'Fenced', 0, 'repl_fenced', 'When writes to the LV were fenced (a replica was found promoted); empty when not fenced.'],
  ['LVS', 'NUM', 'Resyncs', 0, 'repl_resyncs', 'Resyncs of the replica from its region map since it was added (its map epoch; a promotion starts one too).'],
  ['LVS', 'STR', 'RConsistency', 0, 'repl_consistency', 'What the replica holds: prefix (a state the source went through), crash-consistent (cut with writes in flight to a server that runs them in parallel: not a strict prefix), inconsistent.'],
];

export function localTime(ms: number): string {
  if (!ms) return '';
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

type Pick = (s: ReplicaStatus, lvFull: string) => string | number;

export const REPL_PICKS: Record<string, Pick> = {
  repl_state: (s) => s.state,
  repl_kind: (s) => s.kind,
  repl_group: (s) => s.group,
  repl_target: (s, lv) => s.targets[s.members.indexOf(lv)] ?? '',
  repl_lag_writes: (s) => s.lagWrites,
  repl_lag_bytes: (s) => s.lagBytes / 512,
  repl_lag_seconds: (s) => Math.round(s.lagSeconds * 10) / 10,
  repl_last_applied: (s) => localTime(s.lastApplied),
  repl_rpo: (s) => rpoText(s.rpo),
  repl_reason: (s) => s.reason ?? '',
  repl_role: (s) => s.role,
  repl_split: (s) => localTime(s.splitAt),
  repl_recopied_regions: (s) => s.failback?.regions ?? '',
  repl_recopied_bytes: (s) => (s.failback ? s.failback.bytes / 512 : ''),
  repl_resyncs: (s) => s.resyncs,
  repl_consistency: (s) => s.consistency,
  repl_fenced: (s) => localTime(s.fencedAt),
};

/** "10s,64.00k throttle" (sizes in LVM2's short units). */
export function rpoText(rpo: ReplicaStatus['rpo']): string {
  if (!rpo) return '';
  const limits = [rpo.seconds !== undefined ? `${rpo.seconds}s` : '', rpo.bytes !== undefined ? shortSize(rpo.bytes) : ''].filter(Boolean);
  return `${limits.join(',')} ${rpo.policy}`;
}

function shortSize(bytes: number): string {
  const units = ['k', 'm', 'g', 't'];
  let v = bytes / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(2)}${units[i]}`;
}
