// What the last (or running) `lvchange --syncaction check|repair` of a raid1 LV found, kept in
// $TSVM_SYSTEM_DIR/mirror/<lvuuid>.scrub.json (dm-raid keeps mismatch_cnt and sync_action in the
// kernel; tsvm keeps them beside the LV's other runtime state). Read by reports (raid_mismatch_count,
// raid_sync_action, lv_attr 'm'); written by scrub.ts. `done` is also the checkpoint a scrub whose
// process died resumes from (md's resync_min after an interrupted check/repair).
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pidAlive } from '../store/pid-file.js';

export type SyncAction = 'check' | 'repair';

export interface ScrubState {
  action: SyncAction;
  /** Process running the scrub (0 once finished). */
  pid: number;
  /** Regions examined so far and in all. */
  done: number;
  regions: number;
  /** Regions found mismatched (dm-raid's mismatch_cnt counts them, in sectors; LVM2 reports that number). */
  mismatches: number;
  /** Each mismatched region and the image sub-LVs judged wrong there. */
  bad: Array<{ region: number; legs: string[]; lost?: number }>;
  /** Bytes rewritten by a repair. */
  repairedBytes: number;
  startedAt: number;
  finishedAt?: number;
  /** Times this scrub was resumed from its checkpoint (`done`) after its process died. */
  resumed?: number;
}

function path(systemDir: string, lvUuid: string): string {
  const d = join(systemDir, 'mirror');
  mkdirSync(d, { recursive: true, mode: 0o700 });
  return join(d, `${lvUuid}.scrub.json`);
}

export function loadScrubState(systemDir: string, lvUuid: string): ScrubState | null {
  const f = path(systemDir, lvUuid);
  if (!existsSync(f)) return null;
  try {
    return JSON.parse(readFileSync(f, 'utf8')) as ScrubState;
  } catch {
    return null;
  }
}

export function saveScrubState(systemDir: string, lvUuid: string, st: ScrubState): void {
  const f = path(systemDir, lvUuid);
  const tmp = `${f}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(st) + '\n');
  renameSync(tmp, f);
}

export function dropScrubState(systemDir: string, lvUuid: string): void {
  rmSync(path(systemDir, lvUuid), { force: true });
}

/**
 * A scrub whose process died before the end (kill -9, a crash): resumed from its checkpoint by
 * the next activation or `lvchange --syncaction` of the same action (scrub-run.ts).
 */
export function interruptedScrub(systemDir: string, lvUuid: string): ScrubState | null {
  const st = loadScrubState(systemDir, lvUuid);
  return st && !st.finishedAt && st.done < st.regions && !(st.pid && pidAlive(st.pid)) ? st : null;
}

/** The scrub in progress, if its process is alive. */
export function runningScrub(systemDir: string, lvUuid: string): ScrubState | null {
  const st = loadScrubState(systemDir, lvUuid);
  return st && st.pid && !st.finishedAt && pidAlive(st.pid) ? st : null;
}
