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
