// Regions a live writer has marked out of sync only as its durable intent to write them (dm-log's
// "clean" bit cleared before a write): the kernel keeps those apart from regions not yet copied
// (dm-log's sync bits, in memory), so LVM2 reports such a mirror 100% in sync and lets it be split
// while it is being written. tsvm's log has one bitmap for both, so each writer publishes the
// regions it marked in a runtime file of its own ($TSVM_SYSTEM_DIR/run/mirror-<uuid>.live.<pid>);
// a region out of sync in the log but listed by a live process counts as in sync. A writer killed
// mid-write leaves a file naming a dead process: its regions count as out of sync, and the next
// resync recopies them, as after a crash.
// The writer changes its file under the mirror's LV lock; a command that acts on sync state (split)
// takes the same lock, so no write is half-way on the legs while it looks.
import { readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pidAlive } from '../store/pid-file.js';
import { runDir } from './state.js';

const prefix = (lvUuid: string) => `mirror-${lvUuid}.live.`;

/** Replace this process's list of regions it marked out of sync in mirror `lvUuid`'s log. */
export function publishLiveDirty(systemDir: string, lvUuid: string, regions: ReadonlySet<number>): void {
  const f = join(runDir(systemDir), prefix(lvUuid) + process.pid);
  if (!regions.size) {
    rmSync(f, { force: true });
    return;
  }
  const tmp = `${f}.tmp`;
  writeFileSync(tmp, JSON.stringify([...regions]));
  renameSync(tmp, f);
}

/** Regions of mirror `lvUuid` that live writers (this process included) marked out of sync. */
export function liveDirtyRegions(systemDir: string, lvUuid: string): Set<number> {
  const out = new Set<number>();
  const p = prefix(lvUuid);
  let names: string[];
  try {
    names = readdirSync(runDir(systemDir));
  } catch {
    return out;
  }
  for (const name of names) {
    if (!name.startsWith(p)) continue;
    const pid = Number(name.slice(p.length));
    if (!Number.isInteger(pid) || pid <= 0 || !pidAlive(pid)) continue;
    try {
      for (const r of JSON.parse(readFileSync(join(runDir(systemDir), name), 'utf8')) as number[]) out.add(r);
    } catch {
      /* gone meanwhile: the writer marked its regions clean */
    }
  }
  return out;
}
