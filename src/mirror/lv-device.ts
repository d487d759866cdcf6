// Block devices over the sub-LVs of a mirror: a linear (single-area striped) LV maps its address
// space through its segments onto PV image files (pe_start + PE * extent size); a mirror sub-LV (the
// _mimagetmp layer, a mirrored log) is itself a MirrorDevice. This is the mirror engine's own view of
// its legs; the PV images come from the shared DevicePool, so fault rules (tsvm fault) apply.
import { constants } from 'node:fs';
import { DeviceIoError, flushAsyncOf, type BlockDevice } from '../device/block-device.js';
import type { DevicePool } from '../device/device-pool.js';
import type { LogicalVolume, PhysicalVolume, VolumeGroup } from '../model/types.js';
import { SECTOR, areaLen, lvExtents } from '../model/types.js';
import { lvByteRuns } from '../lv-io/extent-map.js';
import { findLv, findPvByUuid, isMirror } from '../model/vg-query.js';

export interface MirrorIoEnv {
  devices: DevicePool;
  systemDir: string;
}

interface Piece {
  /** Byte range of the LV. */
  start: number;
  len: number;
  pv: PhysicalVolume;
  /** Byte offset on the PV image. */
  devOffset: number;
}

/**
 * The PV pieces under a linear or striped sub-LV, in LV order: one per segment area for a linear
 * LV; a striped one (striped mirror images, lvcreate --type mirror -i N) gets one per stripe chunk
 * of the range asked for (lv-io's lvByteRuns).
 */
export function linearPieces(vg: VolumeGroup, lv: LogicalVolume): Piece[] {
  const ext = vg.extentSize * SECTOR;
  const out: Piece[] = [];
  for (const seg of lv.segments) {
    if (seg.type !== 'striped' || seg.areas.some((a) => a.kind !== 'pv')) {
      throw new Error(`${vg.name}/${lv.name}: only linear and striped sub-LVs are supported under a mirror`);
    }
    if (seg.areas.length > 1) continue;
    const a = seg.areas[0] as { kind: 'pv'; pvUuid: string; pe: number };
    const pv = findPvByUuid(vg, a.pvUuid);
    if (!pv) throw new Error(`${vg.name}/${lv.name}: PV ${a.pvUuid} not in VG`);
    out.push({ start: seg.startLe * ext, len: seg.extentCount * ext, pv, devOffset: pv.peStart * SECTOR + a.pe * ext });
  }
  return out;
}

/** Each PV under a sub-LV with the end of its last extent there (to check the image is long enough). */
function pvExtentEnds(vg: VolumeGroup, lv: LogicalVolume): Array<{ pv: PhysicalVolume; end: number }> {
  const ext = vg.extentSize * SECTOR;
  const ends = new Map<string, { pv: PhysicalVolume; end: number }>();
  for (const seg of lv.segments) {
    for (const a of seg.areas) {
      if (a.kind !== 'pv') continue;
      const pv = findPvByUuid(vg, a.pvUuid);
      if (!pv) throw new Error(`${vg.name}/${lv.name}: PV ${a.pvUuid} not in VG`);
      const end = pv.peStart * SECTOR + (a.pe + areaLen(seg)) * ext;
      const cur = ends.get(pv.uuid);
      if (!cur || cur.end < end) ends.set(pv.uuid, { pv, end });
    }
  }
  return [...ends.values()];
}

/** A linear LV as a BlockDevice. Opening fails (DeviceIoError 'open') when an image is missing or too short. */
export class LinearDevice implements BlockDevice {
  private readonly devs: BlockDevice[];
  private readonly own: BlockDevice[] = [];
  private readonly env: MirrorIoEnv;

  constructor(env: MirrorIoEnv, readonly vg: VolumeGroup, readonly lv: LogicalVolume, writable: boolean, private readonly dsync = false) {
    this.env = env;
    this.pieces = linearPieces(vg, lv);
    this.striped = lv.segments.some((seg) => seg.areas.length > 1);
    const open = (pv: PhysicalVolume, end: number): BlockDevice => {
      const dev = dsync ? this.openDsync(pv) : env.devices.get(pv, writable);
      if (dev.size() < end) {
        throw new DeviceIoError(pv.path, 'open', end, new Error('device is shorter than its extents (truncated image)'));
      }
      return dev;
    };
    if (this.striped) {
      for (const { pv, end } of pvExtentEnds(vg, lv)) this.byPv.set(pv.uuid, open(pv, end));
      this.devs = [];
    } else {
      this.devs = this.pieces.map((p) => open(p.pv, p.devOffset + p.len));
    }
  }

  private readonly pieces: Piece[];
  /** Some segment has several stripes: I/O is mapped through lvByteRuns, devices by PV. */
  private readonly striped: boolean;
  private readonly byPv = new Map<string, BlockDevice>();

  get path(): string {
    return `${this.vg.name}/${this.lv.name}`;
  }

  /** PVs under this LV. */
  pvs(): PhysicalVolume[] {
    if (this.striped) return pvExtentEnds(this.vg, this.lv).map((e) => e.pv);
    return [...new Set(this.pieces.map((p) => p.pv))];
  }

  /**
   * A private O_DSYNC descriptor: log updates become durable with the write itself and only for the
   * sectors written, instead of an fdatasync that would also flush the data legs sharing the image.
   * Fault rules (tsvm fault) apply to it, and its writes go to the PV's written map (a later leg on
   * these extents must not be taken for never-written zeros).
   */
  private openDsync(pv: PhysicalVolume): BlockDevice {
    const dev = this.env.devices.openPrivate(pv, constants.O_DSYNC);
    this.own.push(dev);
    return dev;
  }

  size(): number {
    return lvExtents(this.lv) * this.vg.extentSize * SECTOR;
  }

  private each(offset: number, length: number, fn: (dev: BlockDevice, devOff: number, bufOff: number, len: number) => void): void {
    if (this.striped) {
      if (offset + length > this.size()) throw new DeviceIoError(this.path, 'read', this.size(), new Error('beyond the end of the LV'));
      for (const r of lvByteRuns(this.vg, this.lv, offset, length)) fn(this.byPv.get(r.pv.uuid)!, r.byteOffset, r.lvOffset - offset, r.length);
      return;
    }
    let pos = offset;
    const end = offset + length;
    for (let i = 0; i < this.pieces.length && pos < end; i++) {
      const p = this.pieces[i]!;
      if (pos >= p.start + p.len || end <= p.start) continue;
      const n = Math.min(end, p.start + p.len) - pos;
      fn(this.devs[i]!, p.devOffset + (pos - p.start), pos - offset, n);
      pos += n;
    }
    if (pos < end) throw new DeviceIoError(this.path, 'read', pos, new Error('beyond the end of the LV'));
  }

  readAt(buf: Uint8Array, offset: number): void {
    this.each(offset, buf.length, (dev, devOff, bo, n) => dev.readAt(buf.subarray(bo, bo + n), devOff));
  }

  writeAt(buf: Uint8Array, offset: number): void {
    this.each(offset, buf.length, (dev, devOff, bo, n) => dev.writeAt(buf.subarray(bo, bo + n), devOff));
  }

  /**
   * fdatasync of the PV images under the LV. Not for the O_DSYNC descriptors of a log: each write
   * was durable on return, and an fdatasync would flush every dirty page of the image, the data of
   * legs that share it included.
   */
  flush(): void {
    if (this.dsync) return;
    for (const d of new Set([...this.devs, ...this.byPv.values()])) d.flush();
  }

  willWrite(offset: number, length: number): void {
    this.each(offset, length, (dev, devOff, _bo, n) => dev.willWrite?.(devOff, n));
  }

  async flushAsync(): Promise<void> {
    if (this.dsync) return;
    await Promise.all([...new Set([...this.devs, ...this.byPv.values()])].map(flushAsyncOf));
  }

  /** Pool devices stay open (shared); only private descriptors are closed. */
  close(): void {
    for (const d of this.own) d.close();
    this.own.length = 0;
  }
}


export function requireLv(vg: VolumeGroup, name: string): LogicalVolume {
  const lv = findLv(vg, name);
  if (!lv) throw new Error(`Internal error: LV ${vg.name}/${name} not found`);
  return lv;
}

export { isMirror };
