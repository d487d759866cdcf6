// Regions of an LV whose content was lost: a mirror whose original images were all lost before its
// new images were copied keeps, on those new images, stale bytes for the regions the copy had not
// reached (src/mirror/stale.ts). LVM2 would go on serving them; tsvm records them here, per LV
// (by uuid, so the record follows the LV through renames and layout changes: the mirror becoming
// linear, a later up-convert), and I/O through openLv fails reads of them with EIO, as a disk with
// unreadable sectors does, until a write has covered a whole region again. No LVM2 counterpart:
// the closest is dm-dust's list of bad blocks, which a write clears too.
//
// The record lives in $TSVM_SYSTEM_DIR/lost/<lv-uuid>.json: {"regionBytes": N, "regions": [...]}.
import { alignedBuffer } from '../device/aligned-buffer.js';
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DeviceIoError } from '../device/block-device.js';
import { withLock } from '../store/locks.js';
import { replaceFileDurably } from '../store/durable-file.js';
import { addInterval, covers } from './intervals.js';
import type { LvDevice } from './open-lv.js';

export interface LostRecord {
  regionBytes: number;
  /** Region numbers, ascending. */
  regions: number[];
}

export function lostPath(systemDir: string, lvUuid: string): string {
  return join(systemDir, 'lost', `${lvUuid}.json`);
}

export function loadLost(systemDir: string, lvUuid: string): LostRecord | null {
  try {
    const v = JSON.parse(readFileSync(lostPath(systemDir, lvUuid), 'utf8')) as LostRecord;
    if (!Number.isInteger(v.regionBytes) || v.regionBytes <= 0 || !Array.isArray(v.regions)) return null;
    return v.regions.length ? v : null;
  } catch {
    return null;
  }
}

/** Replace the record (durably: written before the metadata change that depends on it). Empty: removed. */
export function saveLost(systemDir: string, lvUuid: string, rec: LostRecord | null): void {
  const f = lostPath(systemDir, lvUuid);
  if (!rec || !rec.regions.length) {
    rmSync(f, { force: true });
    return;
  }
  replaceFileDurably(f, JSON.stringify({ regionBytes: rec.regionBytes, regions: [...new Set(rec.regions)].sort((a, b) => a - b) }) + '\n');
}

// The record is read, changed and written back by several processes (a command adding regions, a
// writer healing some): each change holds the record's lock file (L_<uuid>), or one could put back
// what the other just removed, or drop what it added.
function withRecordLock<T>(systemDir: string, lvUuid: string, fn: () => T): T {
  return withLock(systemDir, `L_${lvUuid}`, fn);
}

/**
 * Add lost byte ranges of an LV, given as regions of `regionBytes`. An existing record with another
 * region size is converted: every region of the new size that overlaps a lost one is lost.
 */
export function addLost(systemDir: string, lvUuid: string, regionBytes: number, regions: Iterable<number>): void {
  const add = [...regions];
  if (!add.length) return;
  withRecordLock(systemDir, lvUuid, () => addLostLocked(systemDir, lvUuid, regionBytes, add));
}

function addLostLocked(systemDir: string, lvUuid: string, regionBytes: number, add: number[]): void {
  const cur = loadLost(systemDir, lvUuid);
  if (!cur) return saveLost(systemDir, lvUuid, { regionBytes, regions: add });
  const out = new Set(add);
  for (const r of cur.regions) {
    const s = r * cur.regionBytes;
    const e = s + cur.regionBytes;
    for (let x = Math.floor(s / regionBytes); x * regionBytes < e; x++) out.add(x);
  }
  saveLost(systemDir, lvUuid, { regionBytes, regions: [...out] });
}

/** The LV now has `bytes` bytes (lvreduce): regions past its end are dropped from the record. */
export function trimLost(systemDir: string, lvUuid: string, bytes: number): void {
  if (!existsSync(lostPath(systemDir, lvUuid))) return;
  withRecordLock(systemDir, lvUuid, () => {
    const cur = loadLost(systemDir, lvUuid);
    if (!cur) return;
    const keep = cur.regions.filter((r) => r * cur.regionBytes < bytes);
    if (keep.length !== cur.regions.length) saveLost(systemDir, lvUuid, { ...cur, regions: keep });
  });
}

/** A split-off copy (lvconvert --splitmirrors) holds the same lost regions as its origin. */
export function copyLost(systemDir: string, fromUuid: string, toUuid: string): void {
  const cur = loadLost(systemDir, fromUuid);
  if (cur) saveLost(systemDir, toUuid, cur);
}

export function dropLost(systemDir: string, lvUuid: string): void {
  rmSync(lostPath(systemDir, lvUuid), { force: true });
}

/**
 * The LV device with the record applied. The record is looked at again whenever its file changed
 * (another command may add to it while this device is open). Coverage of lost regions by writes is
 * kept per device; a region wholly written is flushed to its images, then dropped from the record.
 */
export class LostRegionsDevice implements LvDevice {
  private rec: LostRecord | null = null;
  private lost = new Set<number>();
  private stamp = '';
  private readonly cover = new Map<number, Array<[number, number]>>();

  constructor(private readonly inner: LvDevice, private readonly systemDir: string) {
    this.reload();
  }

  get vg() {
    return this.inner.vg;
  }
  get lv() {
    return this.inner.lv;
  }
  get writable() {
    return this.inner.writable;
  }
  get path() {
    return this.inner.path;
  }

  size(): number {
    return this.inner.size();
  }

  readBuffer(bytes: number): Uint8Array {
    return this.inner.readBuffer?.(bytes) ?? alignedBuffer(bytes);
  }

  private reload(): void {
    let st: string;
    try {
      const s = statSync(lostPath(this.systemDir, this.lv.uuid), { throwIfNoEntry: false });
      st = s ? `${s.ino}:${s.mtimeMs}:${s.size}` : '';
    } catch {
      st = '';
    }
    if (st === this.stamp) return;
    this.stamp = st;
    this.rec = st ? loadLost(this.systemDir, this.lv.uuid) : null;
    this.lost = new Set(this.rec?.regions ?? []);
    for (const r of this.cover.keys()) if (!this.lost.has(r)) this.cover.delete(r);
  }

  private span(offset: number, length: number): [number, number] {
    const rb = this.rec!.regionBytes;
    return [Math.floor(offset / rb), Math.floor((offset + length - 1) / rb)];
  }

  readAt(buf: Uint8Array, offset: number): void {
    this.reload();
    if (this.lost.size && buf.length) {
      const [r0, r1] = this.span(offset, buf.length);
      for (let r = r0; r <= r1; r++) {
        if (!this.lost.has(r)) continue;
        const at = Math.max(offset, r * this.rec!.regionBytes);
        throw new DeviceIoError(this.path, 'read', at, new Error('region lost with the mirror images that held it'));
      }
    }
    this.inner.readAt(buf, offset);
  }

  writeAt(buf: Uint8Array, offset: number): void {
    this.reload();
    this.inner.writeAt(buf, offset);
    if (!this.lost.size || !buf.length) return;
    const rb = this.rec!.regionBytes;
    const [r0, r1] = this.span(offset, buf.length);
    const healed: number[] = [];
    for (let r = r0; r <= r1; r++) {
      if (!this.lost.has(r)) continue;
      let cov = this.cover.get(r);
      if (!cov) this.cover.set(r, (cov = []));
      addInterval(cov, Math.max(offset, r * rb) - r * rb, Math.min(offset + buf.length, (r + 1) * rb) - r * rb);
      const len = Math.min(rb, this.size() - r * rb);
      if (covers(cov, len)) healed.push(r);
    }
    if (!healed.length) return;
    // The new bytes reach the images before the record says the region is readable again.
    this.inner.flush();
    withRecordLock(this.systemDir, this.lv.uuid, () => {
      const now = loadLost(this.systemDir, this.lv.uuid);
      if (now) saveLost(this.systemDir, this.lv.uuid, { ...now, regions: now.regions.filter((r) => now.regionBytes !== rb || !healed.includes(r)) });
    });
    for (const r of healed) {
      this.lost.delete(r);
      this.cover.delete(r);
    }
    this.stamp = '';
    this.reload();
  }

  idle(): void {
    this.inner.idle?.();
  }

  flush(): void {
    this.inner.flush();
  }

  close(): void {
    this.inner.close();
  }
}
