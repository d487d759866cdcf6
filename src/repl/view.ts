// `tsvm replica status` and `tsvm replica watch`: the replicas of every group as a table for a
// person (cli-table3, chalk colours for states on a terminal only), or as JSON
// (--reportformat json, in the shape of LVM2's report JSON). watch redraws every --interval seconds.
import type { Context } from '../cli/context.js';
import { displaySize } from '../model/units.js';
import { localTime, rpoText } from '../report/repl-fields.js';
import { SECTOR } from '../model/types.js';
import type { FailbackReport, Group } from './config.js';
import { replicaStatuses, type ReplicaStatus } from './status.js';

function lagText(s: ReplicaStatus): string {
  return `${s.lagWrites} rec / ${s.lagBytes ? displaySize(s.lagBytes / 512).trim() : '0 B'} / ${s.lagSeconds.toFixed(1)}s`;
}

/** What a failback recopied, as the command prints it and `replica status` repeats it. */
export function failbackReport(name: string, f: FailbackReport): string {
  const both = f.localRegions + f.peerRegions - f.regions;
  const what = f.state === 'done' ? 'recopied' : 'recopying';
  return `Failback of replication group ${name} to ${f.targets.join(', ')}: ${what} ${f.regions} region(s), ` +
    `${f.bytes ? displaySize(f.bytes / SECTOR).trim() : '0 B'} (${f.localRegions} written here since the split, ${f.peerRegions} on the old source, ${both} on both).`;
}

function linkText(s: ReplicaStatus): string {
  if (s.state === 'split') return 'split: not shipping';
  if (s.state === 'replica') return '-';
  if (s.resyncTotal) return `copying ${s.resyncDone ?? 0}/${s.resyncTotal} regions`;
  if (s.connected) return 'connected';
  return s.error ? `down: ${s.error}` : 'down';
}

export function jsonReport(statuses: ReplicaStatus[]): string {
  const rows = statuses.flatMap((s) => s.members.map((m, i) => ({
    repl_group: s.group, lv_full_name: m, repl_slot: String(s.slot), repl_kind: s.kind, repl_target: s.targets[i] ?? '',
    repl_state: s.state, repl_lag_writes: String(s.lagWrites), repl_lag_bytes: String(s.lagBytes),
    repl_lag_seconds: s.lagSeconds.toFixed(1), repl_last_applied: localTime(s.lastApplied),
    repl_link: linkText(s), repl_reason: s.reason ?? '', repl_resyncs: String(s.resyncs), repl_rpo: rpoText(s.rpo),
    repl_role: s.role, repl_split: localTime(s.splitAt), repl_failback: s.failback?.state ?? '',
    repl_recopied_regions: s.failback ? String(s.failback.regions) : '', repl_recopied_bytes: s.failback ? String(s.failback.bytes) : '',
    repl_consistency: s.consistency, repl_fenced: localTime(s.fencedAt), repl_unordered: s.unordered ? `${s.unordered[0]}-${s.unordered[1]}` : '',
  })));
  return JSON.stringify({ report: [{ replica: rows }] }, null, 2).replace(/^/gm, '  ').replace(/^ {2}/, '');
}

/** A replica cut mid-window over a server that reorders (ship-window.ts): said in words. */
export function unorderedNote(s: ReplicaStatus): string {
  const [from, to] = s.unordered!;
  return `Replica ${s.slot} of replication group ${s.group} is crash-consistent, not a write-order prefix: the link went down with writes ${from}-${to} in flight ` +
    `to a server that may apply them in any order. It holds every write before ${from} and maybe some of ${from}-${to} (none overlapping, all after the last flush), ` +
    'as the source\'s own disk may after a power loss. Shipping again re-sends them in order.';
}

export async function statusTable(ctx: Context, statuses: ReplicaStatus[]): Promise<string> {
  const { default: Table } = await import('cli-table3');
  const colour = !!process.stdout.isTTY && !process.env.NO_COLOR;
  const chalk = colour ? (await import('chalk')).default : null;
  const paint = (state: string): string => {
    if (!chalk) return state;
    if (state === 'replicating') return chalk.green(state);
    if (state === 'paused' || state === 'resyncing' || state === 'split' || state === 'replica') return chalk.yellow(state);
    return chalk.red(state);
  };
  const t = new Table({
    head: ['Group', 'LV', 'Role', 'Target', 'Type', 'State', 'Lag (records / size / age)', 'Last applied', 'Link'],
    style: colour ? {} : { head: [], border: [] },
  });
  for (const s of statuses) {
    for (const [i, m] of s.members.entries()) {
      t.push([s.group, m, s.role, s.targets[i] ?? '', s.kind, paint(s.state), lagText(s), localTime(s.lastApplied) || '-', linkText(s)]);
    }
  }
  const notes = statuses.flatMap((s) => [
    ...(s.splitAt ? [`Replication group ${s.group} split from its replica at ${localTime(s.splitAt)}${s.reason ? ` (${s.reason})` : ''}.`] : []),
    ...(s.failback ? [failbackReport(s.group, s.failback)] : []),
    ...(s.unordered ? [unorderedNote(s)] : []),
    ...(s.fencedAt ? [`Replication group ${s.group} is fenced since ${localTime(s.fencedAt)}: a replica was found promoted, writes to its logical volumes are refused until it is demoted here or fails back.`] : []),
  ]);
  return [t.toString(), ...new Set(notes)].join('\n');
}

export async function showStatus(ctx: Context, groups: Group[] | undefined, json: boolean): Promise<number> {
  const statuses = replicaStatuses(ctx.systemDir, ctx.store.db, groups);
  if (json) {
    ctx.out.raw(jsonReport(statuses) + '\n');
    return 0;
  }
  if (!statuses.length) {
    ctx.out.raw('No replicated logical volumes.\n');
    return 0;
  }
  ctx.out.raw((await statusTable(ctx, statuses)) + '\n');
  return 0;
}

/** Redraw the table every `interval` seconds, `count` times (forever when 0). */
export async function watch(ctx: Context, groups: Group[] | undefined, interval: number, count: number): Promise<number> {
  const tty = !!process.stdout.isTTY;
  for (let i = 0; count === 0 || i < count; i++) {
    if (i) await new Promise((r) => setTimeout(r, interval * 1000));
    const statuses = replicaStatuses(ctx.systemDir, ctx.store.db, groups);
    const table = statuses.length ? await statusTable(ctx, statuses) : 'No replicated logical volumes.';
    const head = `tsvm replica watch — ${localTime(Date.now())} (every ${interval}s)`;
    ctx.out.raw(tty ? `\x1b[H\x1b[2J${head}\n${table}\n` : `${head}\n${table}\n\n`);
    ctx.out.flushOut();
  }
  return 0;
}
