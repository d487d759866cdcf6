// One region of `lvchange --syncaction check|repair` on an LV that keeps checksums (issue 11):
// judged block by block against the recorded checksums (src/checksum/scrub.ts), so the report names the
// image that is wrong, and repair rewrites only the bad copies from a copy whose checksum is right —
// never the primary over the others blindly, as dm-raid's repair does. A repair marks the region
// out of sync in the write-intent bitmap first and in sync again after the legs and the table
// are flushed: a kill -9 in between leaves it to the resync, which copies by the same checksums.
import { judgeRegion, repairRegion } from '../checksum/scrub.js';
import type { MirrorDevice } from '../mirror/mirror-device.js';
import type { RegionVerdict } from './scrub.js';

/** Scrub region r of `dev` (which must have checksums), as scrub.ts scrubRegion does. Takes the LV lock. */
export function scrubRegionByChecksums(dev: MirrorDevice, r: number, action: 'check' | 'repair'): RegionVerdict {
  const guard = dev.checksums;
  if (!guard) throw new Error(`Internal error: ${dev.path} keeps no checksums`);
  return dev.withLock(() => {
    const start = r * dev.regionBytes;
    const end = Math.min(dev.size(), start + dev.regionBytes);
    const read = guard.readLegs(start, end);
    const legs = read.map((c) => c.leg);
    const copies = read.map((c) => c.data);
    const none = { region: r, mismatch: false, badLegs: [], repairedBytes: 0 };
    if (legs.length < 2) return none;
    const f = judgeRegion(guard, r, copies);
    let repairedBytes = 0;
    if (action === 'repair' && f.blocks.some((b) => b.source !== null)) {
      const wasClean = dev.regionClean(r);
      dev.log?.update('sync', new Map([[r, false]]), true);
      repairedBytes = repairRegion(guard, f, copies, legs);
      dev.flushLegs();
      guard.persist();
      if (wasClean) dev.log?.update('sync', new Map([[r, true]]), true);
    } else {
      // checksums learned for blocks that had none (all copies agreed).
      guard.persist();
    }
    if (!f.blocks.length) return none;
    const badLegs = f.badLegs.map((k) => dev.legs.findIndex((l) => l.lv.name === legs[k]!.lv.name));
    return { region: r, mismatch: true, badLegs, repairedBytes, ...(f.lost ? { lost: f.lost } : {}) };
  });
}

export interface ChecksumScrubResult {
  action: 'check' | 'repair';
  regions: number;
  /** Regions where some image was wrong (raid_mismatch_count). */
  mismatches: number;
  bad: Array<{ region: number; legs: string[]; lost?: number }>;
  repairedBytes: number;
}

/** Every region of `dev` in turn (one lock hold per region, so writers go on meanwhile). */
export function scrubByChecksums(dev: MirrorDevice, action: 'check' | 'repair', onRegion?: (done: number) => void): ChecksumScrubResult {
  const res: ChecksumScrubResult = { action, regions: dev.nrRegions, mismatches: 0, bad: [], repairedBytes: 0 };
  for (let r = 0; r < dev.nrRegions; r++) {
    const s = scrubRegionByChecksums(dev, r, action);
    if (s.mismatch) {
      res.mismatches++;
      const legs = s.badLegs.map((k) => dev.legs[k]!.lv.name);
      res.bad.push(s.lost ? { region: r, legs, lost: s.lost } : { region: r, legs });
      res.repairedBytes += s.repairedBytes;
    }
    onRegion?.(r + 1);
  }
  return res;
}
