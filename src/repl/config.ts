// Replication groups as the user set them up (`tsvm replica create`): members (LVs, in one VG or
// several), the hidden journal LV, and the replicas with their targets, kind and RPO. Kept in
// $TSVM_SYSTEM_DIR/repl/groups.json, replaced atomically under the groups lock; what moves at run
// time (positions, lag, modes) lives in the journal's header (journal-format.ts), not here.
import { mkdirSync, readFileSync, renameSync, statSync, watch, writeFileSync, type FSWatcher } from 'node:fs';
import { dirname, join } from 'node:path';
import { replGroupsPath } from '../lv-io/replica-hook.js';
import { withLock } from '../store/locks.js';

export interface LvRef {
  vgName: string;
  vgUuid: string;
  lvName: string;
  lvUuid: string;
}

export interface Member extends LvRef {
  /** Bytes of the LV when it joined (replicas are at least this big). */
  size: number;
}

export type RpoPolicy = 'throttle' | 'sync' | 'bitmap';

export interface Rpo {
  seconds?: number;
  bytes?: number;
  policy: RpoPolicy;
}

export interface Replica {
  /** Journal header slot (0..MAX_REPLICAS-1). */
  slot: number;
  /** --type: sync replicas acknowledge a write only once the replica has it. */
  kind: 'async' | 'sync';
  /** One NBD URI per member, in member order. */
  targets: string[];
  paused: boolean;
  rpo?: Rpo;
  /** The far side writes on its own (it was promoted, or this side was demoted): nothing is shipped. */
  split?: { at: number; reason: string };
}

/** What a failback recopied (recorded on the side that became the source again). */
export interface FailbackReport {
  state: 'preparing' | 'copying' | 'done';
  /** The replica (journal slot) failed back to (0 when not recorded: groups had one replica then). */
  slot?: number;
  /** When it started and ended (ms since the epoch). */
  at: number;
  finished?: number;
  /** Regions (and bytes) marked on this side since the split, on the old source, and their union. */
  localRegions: number;
  peerRegions: number;
  regions: number;
  bytes: number;
  /** Where the copy went, one URI per member. */
  targets: string[];
}

export interface Group {
  name: string;
  uuid: string;
  journal: LvRef;
  /** Journal bytes (the LV's size when created). */
  journalSize: number;
  regionSize: number;
  members: Member[];
  replicas: Replica[];
  created: number;
  /**
   * source (the default): writes are journaled and shipped. replica: this side was demoted after a
   * split (failback): writes are not tracked, the split's region maps are kept for the new source.
   */
  role?: 'source' | 'replica';
  /** This side was promoted from a replica (failover): when, and where the old source is (if known). */
  promoted?: { at: number; from: string[] };
  /** The last failback (reversal of the direction) and what it recopied. */
  failback?: FailbackReport;
  /** A replica was found promoted (failover): writes here are refused until demote or failback (fence.ts). */
  fenced?: { at: number; by: string[] };
}

export const MAX_REPLICAS = 8;
export const DEFAULT_REGION_SIZE = 512 * 1024;

export function replDir(systemDir: string): string {
  return join(systemDir, 'repl');
}

export function loadGroups(systemDir: string): Group[] {
  try {
    return (JSON.parse(readFileSync(replGroupsPath(systemDir), 'utf8')) as { groups: Group[] }).groups;
  } catch {
    return [];
  }
}

/**
 * loadGroups for a process that asks often (the shipper, at every step): read again when the file
 * changed (saveGroups replaces it by rename: a new inode and times), and at least every second in
 * case two changes in one tick of the file system's clock left the same inode number, times and size.
 */
export class GroupsReader {
  private seen = '';
  private readAt = 0;
  private groups: Group[] = [];

  constructor(private readonly systemDir: string) {}

  load(): Group[] {
    let key = '';
    try {
      const st = statSync(replGroupsPath(this.systemDir));
      key = `${st.ino}:${st.mtimeMs}:${st.ctimeMs}:${st.size}`;
    } catch {
      /* no groups */
    }
    const now = Date.now();
    if (key !== this.seen || !key || now - this.readAt >= 1000) {
      this.groups = loadGroups(this.systemDir);
      this.seen = key;
      this.readAt = now;
    }
    return this.groups;
  }

  private watcher: FSWatcher | null = null;
  private readonly waiters = new Set<() => void>();

  /**
   * Resolves when the group config is written again (an inotify watch on the repl directory: a
   * resume is seen at once instead of at the next look), or after `ms` at most (the looks go on:
   * a watch may miss, e.g. the directory made anew).
   */
  changed(ms: number): Promise<void> {
    this.watch();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.waiters.add(done);
    });
  }

  private watch(): void {
    if (this.watcher) return;
    try {
      this.watcher = watch(dirname(replGroupsPath(this.systemDir)), { persistent: false }, (_, name) => {
        if (name === 'groups.json') for (const w of [...this.waiters]) w();
      });
      this.watcher.on('error', () => {
        this.watcher?.close();
        this.watcher = null;
      });
    } catch {
      /* no watch: the timeout alone */
    }
  }
}

function saveGroups(systemDir: string, groups: Group[]): void {
  const file = replGroupsPath(systemDir);
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify({ groups }, null, 1) + '\n');
  renameSync(tmp, file);
}

/** Read-modify-write of the group list under its lock. */
export function updateGroups<T>(systemDir: string, fn: (groups: Group[]) => T): T {
  mkdirSync(replDir(systemDir), { recursive: true, mode: 0o700 });
  return withLock(systemDir, 'R_groups', () => {
    const groups = loadGroups(systemDir);
    const r = fn(groups);
    saveGroups(systemDir, groups);
    return r;
  });
}

export function groupOfLv(groups: Group[], lvUuid: string): { group: Group; index: number } | undefined {
  for (const group of groups) {
    const index = group.members.findIndex((m) => m.lvUuid === lvUuid);
    if (index >= 0) return { group, index };
  }
  return undefined;
}

/** The lock that orders a group's writes (journal append + local write). */
export function groupLockName(group: Group): string {
  return `R_${group.uuid}`;
}

/** Region bitmap of a replica's member while the replica is out of the journal (one byte per region). */
export function regionMapPath(systemDir: string, group: Group, slot: number, member: number, resync = false): string {
  return join(replDir(systemDir), group.uuid, `r${slot}.m${member}${resync ? '.resync' : ''}.map`);
}
