// The seam between LV I/O and replication (src/repl): a user's writable open of an LV that belongs
// to a replication group gets a device that journals every write for the group's replicas. LV I/O
// only knows where the group list lives; src/repl/register.ts supplies the wrapper.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IoEnv } from './io-env.js';
import type { LvDevice } from './open-lv.js';

export type ReplicaWrapper = (env: IoEnv, dev: LvDevice) => LvDevice;

let wrapper: ReplicaWrapper | undefined;

export function registerReplicaWrapper(fn: ReplicaWrapper): void {
  wrapper = fn;
}

export function replicaWrapper(): ReplicaWrapper | undefined {
  return wrapper;
}

/** $TSVM_SYSTEM_DIR/repl/groups.json: the replication groups (src/repl/config.ts). */
export function replGroupsPath(systemDir: string): string {
  return join(systemDir, 'repl', 'groups.json');
}

/** Is the LV a member of a replication group? (One stat when there is none.) */
export function isReplicated(systemDir: string, lvUuid: string): boolean {
  const file = replGroupsPath(systemDir);
  if (!existsSync(file)) return false;
  try {
    return readFileSync(file, 'utf8').includes(`"${lvUuid}"`);
  } catch {
    return false;
  }
}

/** Load src/repl's wrapper (openLvAsync), unless something already did. */
export async function loadReplicaWrapper(): Promise<void> {
  if (!wrapper) await import('../repl/register.js');
}

/**
 * An LV's part in replication, as the far side of an NBD link is told it (NBD_INFO_DESCRIPTION):
 * source (its writes are shipped), promoted (a replica made writable by failover), replica (demoted
 * after a split, waiting for the new source's failback), or null (not in a replication group).
 */
export type ReplicationRole = 'source' | 'promoted' | 'replica';

export function replicationRole(systemDir: string, lvUuid: string): ReplicationRole | null {
  if (!isReplicated(systemDir, lvUuid)) return null;
  try {
    const { groups } = JSON.parse(readFileSync(replGroupsPath(systemDir), 'utf8')) as {
      groups: Array<{ role?: string; promoted?: unknown; members: Array<{ lvUuid: string }> }>;
    };
    const g = groups.find((x) => x.members.some((m) => m.lvUuid === lvUuid));
    if (!g) return null;
    if (g.role === 'replica') return 'replica';
    return g.promoted ? 'promoted' : 'source';
  } catch {
    return null;
  }
}

/** Export name suffix under which a tsvm NBD server serves an LV's split region map (read-only). */
export const SPLIT_MAP_SUFFIX = ':split-map';

/** An LV's split region map: one byte per region (1: written on this side since the split). */
export interface SplitMap {
  regionSize: number;
  map: Buffer;
  /** Clear regions [first, first+count) (a demoted side: the failback that recopied them is done). */
  clear?: (first: number, count: number) => void;
}

type SplitMapReader = (systemDir: string, lvUuid: string) => SplitMap | null;
let splitMapReader: SplitMapReader | undefined;

export function registerSplitMapReader(fn: SplitMapReader): void {
  splitMapReader = fn;
}

/** The split map of a member of a demoted or split group (src/repl), or null. */
export function splitMapOf(systemDir: string, lvUuid: string): SplitMap | null {
  return splitMapReader?.(systemDir, lvUuid) ?? null;
}
