// lvchange --syncaction check|repair of a raid1 LV (dm-raid's "check"/"repair" sync actions, which
// LVM2 only sends to the kernel): every region is read from every live image and compared. As
// dm-raid/md does, a region whose copies differ is a mismatch (raid_mismatch_count); "repair"
// rewrites it on the images that differ from the primary (the first live image), since without
// checksums nothing says which copy is right (an LV that keeps checksums is judged by them instead:
// scrub-checksums.ts). One region at a time, under the LV's I/O lock, so
// writers go on between regions. The per-region body is scrubRegion() (checksums plug in there).
import { DeviceIoError } from '../device/block-device.js';
import type { MirrorDevice } from '../mirror/mirror-device.js';
import { withLvLock } from '../mirror/state.js';
import { saveScrubState, type ScrubState, type SyncAction } from './scrub-state.js';
import { scrubRegionByChecksums } from './scrub-checksums.js';

export interface RegionVerdict {
  region: number;
  mismatch: boolean;
  /** Indexes (in dev.legs) of the images judged wrong in this region. */
  badLegs: number[];
  /** Bytes rewritten by a repair. */
  repairedBytes: number;
  /** With checksums: blocks of the region no image holds correctly (left as they are). */
  lost?: number;
}

export type JudgeRegion = (dev: MirrorDevice, region: number, copies: Array<Buffer | null>) => Omit<RegionVerdict, 'repairedBytes'>;

/** dm-raid's rule: a leg is wrong where it differs from the primary (the first live leg). */
export const judgeByPrimary: JudgeRegion = (dev, region, copies) => {
  const p = dev.legs.indexOf(dev.primary()!);
  const ref = copies[p]!;
  const badLegs: number[] = [];
  copies.forEach((c, k) => {
    if (c && k !== p && !c.equals(ref)) badLegs.push(k);
  });
  return { region, mismatch: badLegs.length > 0, badLegs };
};

/**
 * One region: read it from every live leg, judge, and for "repair" write a good copy over the
 * legs judged wrong (the region is marked out of sync first, so a kill midway leaves it to the
 * resync). Takes the LV's I/O lock.
 */
export function scrubRegion(dev: MirrorDevice, r: number, action: SyncAction, judge: JudgeRegion = judgeByPrimary): RegionVerdict {
  // An LV that keeps checksums is judged block by block by them (issue 11, scrub-checksums.ts).
  if (judge === judgeByPrimary && dev.checksums) return scrubRegionByChecksums(dev, r, action);
  return withLvLock(dev.env.systemDir, dev.lv.uuid, () => {
    const off = r * dev.regionBytes;
    const len = Math.min(dev.regionBytes, dev.size() - off);
    const copies = dev.legs.map((leg) => {
      if (leg.failed) return null;
      const b = Buffer.alloc(len);
      try {
        leg.dev!.readAt(b, off);
        return b;
      } catch (e) {
        if (!(e instanceof DeviceIoError)) throw e;
        dev.failLeg(leg, e);
        return null;
      }
    });
    const v = judge(dev, r, copies);
    let repairedBytes = 0;
    if (action === 'repair' && v.mismatch) {
      const good = copies.findIndex((c, k) => c && !v.badLegs.includes(k));
      if (good >= 0) {
        dev.log?.update('sync', new Map([[r, false]]), true);
        for (const k of v.badLegs) {
          const leg = dev.legs[k]!;
          if (leg.failed) continue;
          try {
            leg.dev!.writeAt(copies[good]!, off);
            repairedBytes += len;
          } catch (e) {
            if (!(e instanceof DeviceIoError)) throw e;
            dev.failLeg(leg, e);
          }
        }
        dev.flushLegs();
        dev.log?.update('sync', new Map([[r, true]]), true);
      }
    }
    return { ...v, repairedBytes };
  });
}

export interface ScrubOptions {
  judge?: JudgeRegion;
  /** Called after each region with the bytes read (the recovery-rate throttle). */
  throttle?: (bytes: number) => Promise<void> | void;
  /** Progress (the checkpoint) is saved every so many regions, after each mismatch, and at the end. */
  saveEvery?: number;
  /** The state of the same scrub whose process died: go on from its checkpoint, its findings kept. */
  resume?: ScrubState | null;
  /** Before each region: wait while other I/O has priority (md's speed_min rule, recovery-rate.ts). */
  yieldToIo?: () => Promise<unknown>;
}

/** Scrub every region of a raid1 LV; the state file follows the progress (reports read it). */
export async function scrubRaid1(dev: MirrorDevice, action: SyncAction, opts: ScrubOptions = {}): Promise<ScrubState> {
  const r0 = opts.resume;
  const old = r0 && r0.action === action && r0.regions === dev.nrRegions && !r0.finishedAt && r0.done < r0.regions ? r0 : null;
  const st: ScrubState = old
    ? { ...old, pid: process.pid, resumed: (old.resumed ?? 0) + 1 }
    : { action, pid: process.pid, done: 0, regions: dev.nrRegions, mismatches: 0, bad: [], repairedBytes: 0, startedAt: Date.now() };
  const save = () => saveScrubState(dev.env.systemDir, dev.lv.uuid, st);
  save();
  for (let r = st.done; r < dev.nrRegions; r++) {
    await opts.yieldToIo?.();
    const v = scrubRegion(dev, r, action, opts.judge);
    if (v.mismatch) {
      st.mismatches++;
      const legs = v.badLegs.map((k) => dev.legs[k]!.lv.name);
      st.bad.push(v.lost ? { region: r, legs, lost: v.lost } : { region: r, legs });
    }
    st.repairedBytes += v.repairedBytes;
    st.done = r + 1;
    if (v.mismatch || st.done % (opts.saveEvery ?? 4) === 0) save();
    await opts.throttle?.(Math.min(dev.regionBytes, dev.size() - r * dev.regionBytes) * dev.liveLegs().length);
  }
  st.pid = 0;
  st.finishedAt = Date.now();
  save();
  return st;
}
