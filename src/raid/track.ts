// tsvm's tracked split (lvconvert --splitmirrors 1 --trackchanges, issue 11 part 4): LVM2 keeps
// the split image read-only and tracks the LV's writes in the raid bitmap; tsvm lets both sides be
// written and records, for each side, the regions written since the split, in two bitmap files
// (the mirror engine's region-log format, "written" bitmap) under $TSVM_SYSTEM_DIR/mirror:
// <image uuid>.track-lv (writes to the raid1 LV) and <image uuid>.track-img (writes to the image).
// A region is marked durably before the write that dirties it goes out. --mergemirrors recopies
// the union, from the LV, to the image.
import { existsSync, mkdirSync, renameSync, rmSync, closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { FileDevice } from '../device/file-device.js';
import type { LogicalVolume, VolumeGroup } from '../model/types.js';
import { areaUser } from '../model/vg-query.js';
import { RegionLog } from '../mirror/region-log.js';
import { bitmapSectors, getBit, writtenSectorFor } from '../mirror/log-format.js';

export type TrackSide = 'lv' | 'img';

function path(systemDir: string, imageUuid: string, side: TrackSide): string {
  const d = join(systemDir, 'mirror');
  mkdirSync(d, { recursive: true, mode: 0o700 });
  return join(d, `${imageUuid}.track-${side}`);
}

/** The image of raid1 `lv` split off with --trackchanges (visible, still one of its areas), if any. */
export function trackedImage(vg: VolumeGroup, lv: LogicalVolume): LogicalVolume | undefined {
  const seg = lv.segments[0];
  if (!seg || seg.type !== 'raid1') return undefined;
  for (const a of seg.areas) {
    const img = a.kind === 'lv' ? vg.lvs.find((l) => l.name === a.lvName) : undefined;
    if (img?.visible) return img;
  }
  return undefined;
}

/** The raid1 LV a tracked split image belongs to, if `img` is one. */
export function trackingRaid(vg: VolumeGroup, img: LogicalVolume): LogicalVolume | undefined {
  const u = areaUser(vg, img.name);
  return u && u.seg.type === 'raid1' && img.visible ? u.lv : undefined;
}

/** Both bitmaps, empty, made durable before the split is committed. */
export function startTracking(systemDir: string, imageUuid: string, nrRegions: number, regionSize: number): void {
  const bytes = (2 + 2 * bitmapSectors(nrRegions)) * 512;
  for (const side of ['lv', 'img'] as const) {
    const f = path(systemDir, imageUuid, side);
    const tmp = `${f}.${process.pid}.new`;
    closeSync(openSync(tmp, 'w', 0o600));
    const dev = new FileDevice(tmp, true);
    RegionLog.format(dev, { nrRegions, regionSize, owner: `${imageUuid}:${side}`, writtenSector: writtenSectorFor(nrRegions, bytes) },
      { sync: true, written: false });
    dev.close();
    renameSync(tmp, f);
  }
}

export function openTracker(systemDir: string, imageUuid: string, side: TrackSide, nrRegions: number): RegionLog | null {
  const f = path(systemDir, imageUuid, side);
  if (!existsSync(f)) return null;
  const log = RegionLog.open(new FileDevice(f, true), { nrRegions, owner: `${imageUuid}:${side}` });
  if (!log || !log.keepsWritten) throw new Error(`Internal error: tracking bitmap ${f} is unreadable`);
  return log;
}

/** Regions written on each side since the split, and their union. */
export function trackedRegions(systemDir: string, imageUuid: string, nrRegions: number): { lv: number[]; img: number[]; union: number[] } {
  const read = (side: TrackSide): number[] => {
    const log = openTracker(systemDir, imageUuid, side, nrRegions);
    if (!log) return [];
    try {
      const bits = log.readAll('written');
      const out: number[] = [];
      for (let r = 0; r < nrRegions; r++) if (getBit(bits, r)) out.push(r);
      return out;
    } finally {
      log.close();
    }
  };
  const lv = read('lv');
  const img = read('img');
  const union = [...new Set([...lv, ...img])].sort((a, b) => a - b);
  return { lv, img, union };
}

export function stopTracking(systemDir: string, imageUuid: string): void {
  for (const side of ['lv', 'img'] as const) rmSync(path(systemDir, imageUuid, side), { force: true });
}

/**
 * A writer's view of one tracking bitmap: regions about to be written are marked (durably, once
 * per region per process) before the data goes out.
 */
export class RegionTracker {
  private readonly marked = new Set<number>();
  constructor(private readonly log: RegionLog, private readonly regionBytes: number) {}

  beforeWrite(offset: number, length: number): void {
    const r0 = Math.floor(offset / this.regionBytes);
    const r1 = Math.floor((offset + length - 1) / this.regionBytes);
    const ch = new Map<number, boolean>();
    for (let r = r0; r <= r1; r++) if (!this.marked.has(r)) ch.set(r, true);
    if (!ch.size) return;
    this.log.update('written', ch, true);
    for (const r of ch.keys()) this.marked.add(r);
  }

  close(): void {
    this.log.close();
  }
}
