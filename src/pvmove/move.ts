// Moving the data (what LVM2 leaves to dm-mirror and its poll daemon: tools/polldaemon.c,
// tools/pvmove_poll.c). pvmove's mirror is copied segment by segment with the mirror engine's resync
// (region log, leases shared with writers: every write goes to both areas meanwhile); each finished
// segment is committed as LVM2 commits it (extents_moved), so after a kill -9 the copy resumes at
// the segment it was in and, while the core log survives, at the first region not yet copied. The
// end (or --abort) takes the moved LVs' I/O locks, so writers flush and wait, copies what a killed
// writer left out of sync, and commits the LVs on the destination (or back on the source).
import { DevicePool } from '../device/device-pool.js';
import type { LogicalVolume, VolumeGroup } from '../model/types.js';
import { SECTOR } from '../model/types.js';
import { topLv } from '../model/vg-query.js';
import { openDb } from '../store/db.js';
import { MetadataStore } from '../store/metadata-store.js';
import { liveDirtyRegions } from '../mirror/live-dirty.js';
import { getBit } from '../mirror/log-format.js';
import { MirrorDevice } from '../mirror/mirror-device.js';
import { formatCoreLog } from '../mirror/core-log.js';
import { displayPercent, pvmovePercent, pvmovePercentOf, regionsInSync, runningSegment, segmentRegions } from '../mirror/pv-progress.js';
import { mirrorLegLvs } from '../mirror/pv-legs.js';
import { writtenFromLegs } from '../mirror/ever-written.js';
import { resyncOne } from '../mirror/sync.js';
import { addNewLegs, dropMirrorFiles, releaseSyncer, trySyncerLock, withVgLock } from '../mirror/state.js';
import { sharedLocks } from '../store/locks.js';
import { lvLockName } from '../mirror/state.js';
import { isPvmoveLv, lvsUsingLv, pvmoveSourcePv, removePvmoveLayer } from './layer.js';

export interface PvmoveId {
  vgName: string;
  lvName: string;
  uuid: string;
  /** The source PV's name: what progress lines start with. */
  pvName: string;
}

export interface MoveOptions {
  /** Seconds between progress lines; 0 prints none. */
  interval: number;
  print: (line: string) => void;
  error: (line: string) => void;
  abort?: boolean;
  bar?: (fraction: number) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function loadLayer(store: MetadataStore, id: PvmoveId): { vg: VolumeGroup; lv: LogicalVolume } | null {
  const loaded = store.loadVg(id.vgName);
  const lv = loaded?.vg.lvs.find((l) => l.name === id.lvName && l.uuid === id.uuid && isPvmoveLv(l));
  return loaded && lv ? { vg: loaded.vg, lv } : null;
}

/** The pvmove LV's log before its metadata is committed: nothing in sync; copy where either area was ever written. */
export function preparePvmoveLog(systemDir: string, vg: VolumeGroup, layer: LogicalVolume): void {
  const pool = new DevicePool(systemDir);
  try {
    const regionBytes = layer.segments[0]!.regionSize * SECTOR;
    const size = layer.segments.reduce((n, s) => n + s.extentCount, 0) * vg.extentSize * SECTOR;
    const nr = Math.ceil(size / regionBytes);
    const legs = mirrorLegLvs(vg, layer);
    formatCoreLog(systemDir, layer, nr, layer.segments[0]!.regionSize, { sync: false, written: writtenFromLegs(pool, vg, legs, nr, regionBytes) }).close();
    // The destination holds valid data only where copied (mirror-device.ts newLegs).
    addNewLegs(systemDir, layer.uuid, [legs[1]!.name]);
  } finally {
    pool.closeAll();
  }
}

type CopyEnd = 'done' | 'gone' | 'inactive' | 'stuck';

/** Copy the segments not yet moved, committing each; `report` gets the overall percentage. */
async function copySegments(systemDir: string, store: MetadataStore, id: PvmoveId, report: (pct: number) => void): Promise<CopyEnd> {
  const activeQ = store.db.prepare('SELECT active FROM lv WHERE uuid = ?');
  const inactive = () => !(activeQ.get(id.uuid) as { active: number } | undefined)?.active;
  for (;;) {
    const cur = loadLayer(store, id);
    if (!cur) return 'gone';
    if (!cur.lv.active) return 'inactive';
    const seg = runningSegment(cur.lv);
    if (!seg) return 'done';
    const pool = new DevicePool(systemDir);
    const dev = new MirrorDevice({ devices: pool, systemDir }, cur.vg, cur.lv, { writable: true });
    const regionBytes = dev.regionBytes;
    try {
      if (!dev.log) return 'stuck';
      const [r0, r1] = segmentRegions(cur.vg, seg, dev.regionBytes);
      const pct = () => pvmovePercentOf(cur.vg, cur.lv, dev.log!.readAll('sync'), liveDirtyRegions(systemDir, id.uuid), dev.regionBytes);
      for (;;) {
        const stats = await resyncOne(dev, { range: [r0, r1], onProgress: () => report(pct()), shouldStop: inactive });
        if (inactive()) return 'inactive';
        if (stats.stuck) return 'stuck';
        const sync = dev.log.readAll('sync');
        if (regionsInSync(sync, liveDirtyRegions(systemDir, id.uuid), r0, r1) === r1 - r0 + 1) break;
      }
    } finally {
      dev.close();
      pool.closeAll();
    }
    // pvmove_update_metadata(): the segment is moved.
    const moved = withVgLock(systemDir, id.vgName, () => {
      const loaded = store.loadVg(id.vgName);
      const lv = loaded?.vg.lvs.find((l) => l.uuid === id.uuid);
      const s = lv?.segments.find((x) => x.startLe === seg.startLe && x.extentCount === seg.extentCount);
      if (!loaded || !lv || !s) return false;
      s.extentsMoved = s.extentCount;
      store.commitVg(loaded, loaded.vg, `pvmove: ${id.pvName}: segment at LE ${s.startLe} of ${lv.name} moved`);
      return true;
    });
    if (!moved) return 'gone';
    const after = loadLayer(store, id);
    // Committed segments count whole; the next one has nothing in sync yet as far as this report goes.
    if (after) report(pvmovePercentOf(after.vg, after.lv, new Uint8Array(0), new Set(), regionBytes));
  }
}

/**
 * pvmove_finish() (keep 1) or --abort (keep 0): under the VG lock and the I/O locks of the LVs on
 * the layer (writers flush and wait), finish the copy of what is still out of sync, then commit the
 * LVs on the kept area and remove the pvmove LV. False if the pvmove LV is gone.
 */
export function finishPvmove(systemDir: string, id: PvmoveId, keep: 0 | 1): boolean {
  return withVgLock(systemDir, id.vgName, () => {
    const db = openDb(systemDir);
    try {
      const store = new MetadataStore(db);
      const loaded = store.loadVg(id.vgName);
      const layer = loaded?.vg.lvs.find((l) => l.uuid === id.uuid && isPvmoveLv(l));
      if (!loaded || !layer) return false;
      const vg = loaded.vg;
      const holders = [...new Set(lvsUsingLv(vg, layer).map((l) => topLv(vg, l)))];
      withLvLocks(systemDir, [...holders, layer], () => {
        if (keep === 1) completeCopy(systemDir, vg, layer);
        removePvmoveLayer(vg, layer, keep === 1);
        store.commitVg(loaded, vg, keep ? `pvmove: ${id.pvName}: finished, ${layer.name} removed` : `pvmove --abort: ${id.pvName}: ${layer.name} removed`);
      });
      dropMirrorFiles(systemDir, layer.uuid);
      return true;
    } finally {
      db.close();
    }
  });
}

/** Regions of segments not yet committed as moved that are out of sync: copied now (caller holds the locks). */
function completeCopy(systemDir: string, vg: VolumeGroup, layer: LogicalVolume): void {
  const pool = new DevicePool(systemDir);
  const dev = new MirrorDevice({ devices: pool, systemDir }, vg, layer, { writable: true });
  try {
    const sync = dev.log ? dev.log.readAll('sync') : new Uint8Array(0);
    let copied = false;
    for (const seg of layer.segments) {
      if ((seg.extentsMoved ?? 0) >= seg.extentCount) continue;
      const [r0, r1] = segmentRegions(vg, seg, dev.regionBytes);
      for (let r = r0; r <= r1 && r < dev.nrRegions; r++) {
        if (dev.log && getBit(sync, r)) continue;
        if (dev.copyRegion(r, true) < 0) throw new Error(`Internal error: no valid source for region ${r} of ${vg.name}/${layer.name}`);
        copied = true;
      }
    }
    if (copied) dev.flushLegs();
  } finally {
    dev.close();
    pool.closeAll();
  }
}

/**
 * fn holding the I/O locks of `lvs` (after the VG lock, before any pvmove LV's: the order writers
 * take them in): a writer of one of them flushes and waits, so no write made through the old layout
 * lands after the new one is committed (device-mapper's suspend around a table reload).
 */
export function withLvLocks<T>(systemDir: string, lvs: LogicalVolume[], fn: () => T): T {
  const locks = sharedLocks(systemDir);
  const names = lvs.map((l) => lvLockName(l.uuid));
  for (const n of names) locks.lock(n);
  try {
    return fn();
  } finally {
    for (const n of names.reverse()) locks.unlock(n);
  }
}

/** The id of a pvmove LV, for polling. */
export function pvmoveId(vg: VolumeGroup, lv: LogicalVolume): PvmoveId {
  return { vgName: vg.name, lvName: lv.name, uuid: lv.uuid, pvName: pvmoveSourcePv(vg, lv)?.name ?? '[unknown]' };
}

/**
 * wait_for_single_lv(): copy (or, when another process copies, watch) until the move is finished,
 * printing "<pv>: Moved: NN.NN%" every `interval` seconds; --abort puts everything back at once.
 * Returns the exit code.
 */
export async function pollPvmove(systemDir: string, id: PvmoveId, opts: MoveOptions): Promise<number> {
  const db = openDb(systemDir);
  const store = new MetadataStore(db);
  let last = -Infinity;
  let lastLine = '';
  const report = (pct: number, force = false) => {
    opts.bar?.(pct / 100);
    if (!opts.interval) return;
    const line = `${id.pvName}: Moved: ${displayPercent(pct)}%`;
    // The end is printed once, as LVM2's last poll prints it.
    if (line === lastLine && pct >= 100) return;
    if (force || Date.now() - last >= opts.interval * 1000) {
      opts.print(line);
      last = Date.now();
      lastLine = line;
    }
  };
  try {
    for (let first = true; ; first = false) {
      const cur = loadLayer(store, id);
      if (!cur) {
        opts.print(`${id.pvName}: No pvmove in progress - already finished or aborted.`);
        return 0;
      }
      if (!cur.lv.active) {
        opts.print(`${id.pvName}: Interrupted: No longer active.`);
        return 0;
      }
      if (opts.abort) {
        finishPvmove(systemDir, id, 0);
        return 0;
      }
      if (trySyncerLock(systemDir, id.uuid)) {
        let end: CopyEnd;
        try {
          if (first) report(currentPercent(systemDir, cur.vg, cur.lv), true);
          end = await copySegments(systemDir, store, id, (p) => report(p));
          if (end === 'done') {
            report(100, true);
            finishPvmove(systemDir, id, 1);
            return 0;
          }
        } finally {
          releaseSyncer(systemDir, id.uuid);
        }
        if (end === 'stuck') {
          opts.error('ABORTING: Mirror percentage check failed.');
          return 5;
        }
        continue;
      }
      // Another process (a background pvmove) is copying: report what it does.
      report(currentPercent(systemDir, cur.vg, cur.lv), first);
      await sleep(200);
    }
  } finally {
    db.close();
  }
}

function currentPercent(systemDir: string, vg: VolumeGroup, lv: LogicalVolume): number {
  return pvmovePercent(systemDir, vg, lv) ?? 0;
}

