// Waiting for a mirror to get in sync (LVM2 tools/polldaemon.c with lvconvert's mirror progress):
// the process that gets the mirror's syncer lock does the copy; any other just watches the log.
// Progress lines are LVM2's "vg/lv: Converted: 45.00%" every `interval` seconds and 100.00% at the
// end. When the new images are in sync, an up-convert's temporary layer is folded away.
import { writeFileSync } from 'node:fs';
import { DevicePool } from '../device/device-pool.js';
import type { LogicalVolume, VolumeGroup } from '../model/types.js';
import { findLv, isMirrorLike, isRaid1 } from '../model/vg-query.js';
import { openDb } from '../store/db.js';
import { MetadataStore } from '../store/metadata-store.js';
import { collapseLayer, tmpLayer } from './layout.js';
import { dropCoreLog } from './core-log.js';
import { MirrorDevice } from './mirror-device.js';
import { liveDirtyRegions } from './live-dirty.js';
import { getBit } from './log-format.js';
import { isPvmoveLayer } from './pv-legs.js';
import { pvmovePercent } from './pv-progress.js';
import { resyncTree, type SyncStats } from './sync.js';
import { RateLimiter } from '../raid/recovery-rate.js';
import { lastSyncPath, lvLockBusy, releaseSyncer, trySyncerLock, withLvLock, withVgLock } from './state.js';

export interface PollOptions {
  /** Seconds between progress lines; 0 prints nothing. */
  interval: number;
  print?: (line: string) => void;
  /** Called often with the fraction done (a terminal progress bar). */
  bar?: (fraction: number) => void;
}

function load(store: MetadataStore, vgName: string, lvName: string): { vg: VolumeGroup; lv: LogicalVolume } | null {
  const loaded = store.loadVg(vgName);
  const lv = loaded && findLv(loaded.vg, lvName);
  return loaded && lv ? { vg: loaded.vg, lv } : null;
}

/** Cpy%Sync of a mirror now (its top-level log), or undefined if it has no readable log. */
export function mirrorPercent(systemDir: string, vg: VolumeGroup, lv: LogicalVolume): number | undefined {
  if (lv.flags.includes('NOTSYNCED')) return 100;
  if (isPvmoveLayer(lv)) return pvmovePercent(systemDir, vg, lv);
  const pool = new DevicePool(systemDir);
  let dev: MirrorDevice | undefined;
  try {
    dev = new MirrorDevice({ devices: pool, systemDir }, vg, lv, { writable: false });
    if (!dev.log) return 0;
    let n = dev.log.syncCount();
    // Regions live writers marked only as intent to write are in sync (live-dirty.ts).
    const live = n < dev.nrRegions ? liveDirtyRegions(systemDir, lv.uuid) : new Set<number>();
    if (live.size) {
      const sync = dev.log.readAll('sync');
      for (const r of live) if (r < dev.nrRegions && !getBit(sync, r)) n++;
    }
    return (100 * n) / dev.nrRegions;
  } catch {
    return undefined;
  } finally {
    dev?.close();
    pool.closeAll();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resync (or watch the resync of) vg/lv until it is in sync; finish an up-convert. */
export async function pollMirror(systemDir: string, vgName: string, lvName: string, opts: PollOptions): Promise<void> {
  const name = `${vgName}/${lvName}`;
  const db = openDb(systemDir);
  const store = new MetadataStore(db);
  let last = -Infinity;
  const report = (pct: number, force = false) => {
    opts.bar?.(pct / 100);
    if (!opts.interval || !opts.print) return;
    if (force || Date.now() - last >= opts.interval * 1000) {
      opts.print(`${name}: Converted: ${pct.toFixed(2)}%`);
      last = Date.now();
    }
  };
  try {
    for (let first = true; ; first = false) {
      const cur = load(store, vgName, lvName);
      if (!cur || !isMirrorLike(cur.lv) || !cur.lv.active) return;
      if (first) report(mirrorPercent(systemDir, cur.vg, cur.lv) ?? 0, true);
      if (trySyncerLock(systemDir, cur.lv.uuid)) {
        try {
          const stats = await runSync(systemDir, store, vgName, lvName, (p) => report(p));
          if (stats?.complete) {
            finishConversion(systemDir, vgName, lvName);
            report(100, true);
            return;
          }
          // Regions no live leg holds valid data for (mirror-device.ts): the copy cannot finish.
          if (!stats || stats.stuck) return;
        } finally {
          releaseSyncer(systemDir, cur.lv.uuid);
        }
        continue;
      }
      const pct = mirrorPercent(systemDir, cur.vg, cur.lv) ?? 0;
      if (pct >= 100 && !tmpLayer(cur.vg, cur.lv)) {
        report(100, true);
        return;
      }
      report(pct);
      await sleep(200);
    }
  } finally {
    db.close();
  }
}

/** One resync pass of vg/lv as the syncer; stops if the LV is deactivated. Null if it is gone. */
export async function runSync(systemDir: string, store: MetadataStore, vgName: string, lvName: string, onPercent?: (pct: number) => void): Promise<SyncStats | null> {
  const cur = load(store, vgName, lvName);
  if (!cur || !isMirrorLike(cur.lv)) return null;
  const pool = new DevicePool(systemDir);
  const dev = new MirrorDevice({ devices: pool, systemDir }, cur.vg, cur.lv, { writable: true });
  const activeQ = store.db.prepare('SELECT active FROM lv WHERE uuid = ?');
  try {
    // raid1 --maxrecoveryrate (kiB/sec/device): the copy is throttled to it; --minrecoveryrate: the
    // copy yields to other writers of the LV (holding or waiting for its lock) only above that rate.
    const seg = cur.lv.segments[0]!;
    const rate = new RateLimiter(seg.maxRecoveryRate ?? 0, seg.minRecoveryRate ?? 0);
    const raid = isRaid1(cur.lv);
    const stats = await resyncTree(dev, {
      throttle: rate.limited ? (b) => rate.consume(b) : undefined,
      copied: (b) => rate.note(b),
      yieldToIo: raid ? () => rate.yieldTo(() => lvLockBusy(systemDir, cur.lv.uuid)) : undefined,
      onProgress: (p) => onPercent?.((100 * p.inSync) / p.total),
      shouldStop: () => !(activeQ.get(cur.lv.uuid) as { active: number } | undefined)?.active,
    });
    if (stats.regionsSynced) writeFileSync(lastSyncPath(systemDir, cur.lv.uuid), JSON.stringify({ ...stats, regionBytes: dev.regionBytes, at: Date.now() }) + '\n');
    return stats;
  } finally {
    dev.close();
    pool.closeAll();
  }
}

/** Fold an up-convert's temporary layer once everything is in sync (under the VG and both LV locks). */
export function finishConversion(systemDir: string, vgName: string, lvName: string): boolean {
  return withVgLock(systemDir, vgName, () => {
    const db = openDb(systemDir);
    try {
      const store = new MetadataStore(db);
      const loaded = store.loadVg(vgName);
      const lv = loaded && findLv(loaded.vg, lvName);
      const tmp = loaded && lv && tmpLayer(loaded.vg, lv);
      if (!loaded || !lv || !tmp) return false;
      return withLvLock(systemDir, lv.uuid, () => withLvLock(systemDir, tmp.uuid, () => {
        const pool = new DevicePool(systemDir);
        const dev = new MirrorDevice({ devices: pool, systemDir }, loaded.vg, lv, { writable: false });
        try {
          for (const m of [...dev.subMirrors(), dev]) if (!m.log || m.log.syncCount() < m.nrRegions) return false;
        } finally {
          dev.close();
          pool.closeAll();
        }
        collapseLayer(loaded.vg, lv);
        store.commitVg(loaded, loaded.vg, `lvconvert: ${vgName}/${lvName} images in sync, temporary layer ${tmp.name} removed`);
        dropCoreLog(systemDir, lv);
        return true;
      }));
    } finally {
      db.close();
    }
  });
}
