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
import { isPvmoveLayer } from './pv-legs.js';

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

/** A piece of a linear LV that sits on a layer LV (pvmove's mirror): its bytes at `offset` there. */
interface LayerPiece {
  start: number;
  len: number;
  layer: LogicalVolume;
  offset: number;
}

/** The PV pieces under a linear LV (every segment must be a 1-area striped segment on a PV). */
export function linearPieces(vg: VolumeGroup, lv: LogicalVolume): Piece[] {
  const out = layeredPieces(vg, lv);
  if (out.some((p) => 'layer' in p)) throw new Error(`${vg.name}/${lv.name}: only linear sub-LVs are supported under a mirror`);
  return out as Piece[];
}

/** The pieces of a linear LV: on PVs, or on a pvmove LV (PV-area mirror segments, or one mirror of images with --atomic). */
function layeredPieces(vg: VolumeGroup, lv: LogicalVolume): Array<Piece | LayerPiece> {
  const ext = vg.extentSize * SECTOR;
  const out: Array<Piece | LayerPiece> = [];
  for (const seg of lv.segments) {
    const a = seg.areas[0];
    // dm's error target: the sub-LV is there but every I/O fails (a lost raid image, vgreduce --removemissing)
    if (seg.type === 'error') throw new DeviceIoError(`${vg.name}/${lv.name}`, 'open', seg.startLe * ext, new Error('error segment'));
    // (striped images, lvcreate --type mirror -i N: LinearDevice maps them through lvByteRuns)
    if (seg.type === 'striped' && seg.areas.length > 1 && seg.areas.every((x) => x.kind === 'pv')) continue;
    if (seg.type !== 'striped' || seg.areas.length !== 1 || !a) {
      throw new Error(`${vg.name}/${lv.name}: only linear sub-LVs are supported under a mirror`);
    }
    if (a.kind === 'lv') {
      const layer = findLv(vg, a.lvName);
      if (!layer || !isPvmoveLayer(layer)) throw new Error(`${vg.name}/${lv.name}: only linear sub-LVs are supported under a mirror`);
      out.push({ start: seg.startLe * ext, len: seg.extentCount * ext, layer, offset: a.le * ext });
      continue;
    }
    const pv = findPvByUuid(vg, a.pvUuid);
    if (!pv) throw new Error(`${vg.name}/${lv.name}: PV ${a.pvUuid} not in VG`);
    out.push({ start: seg.startLe * ext, len: seg.extentCount * ext, pv, devOffset: pv.peStart * SECTOR + a.pe * ext });
  }
  return out;
}

/** Each PV under a striped sub-LV with the end of its last extent there (to check the image is long enough). */
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

type LayerOpener = (env: MirrorIoEnv, vg: VolumeGroup, layer: LogicalVolume, writable: boolean) => BlockDevice;
let openLayer: LayerOpener | undefined;

/** The mirror engine registers how a layer LV is opened (mirror-device.ts: a MirrorDevice). */
export function setLayerOpener(fn: LayerOpener): void {
  openLayer = fn;
}

/** A linear LV as a BlockDevice. Opening fails (DeviceIoError 'open') when an image is missing or too short. */
export class LinearDevice implements BlockDevice {
  private readonly devs: BlockDevice[];
  private readonly own: BlockDevice[] = [];
  private readonly env: MirrorIoEnv;

  constructor(env: MirrorIoEnv, readonly vg: VolumeGroup, readonly lv: LogicalVolume, writable: boolean, private readonly dsync = false) {
    this.env = env;
    this.striped = lv.segments.some((seg) => seg.areas.length > 1);
    if (this.striped) {
      this.pieces = [];
      this.devs = [];
      for (const { pv, end } of pvExtentEnds(vg, lv)) {
        const dev = dsync ? this.openDsync(pv) : env.devices.get(pv, writable);
        if (dev.size() < end) throw new DeviceIoError(pv.path, 'open', end, new Error('device is shorter than its extents (truncated image)'));
        this.byPv.set(pv.uuid, dev);
      }
      return;
    }
    const all = layeredPieces(vg, lv);
    const layers = new Map<string, BlockDevice>();
    this.pieces = [];
    this.devs = [];
    try {
      for (const p of all) {
        if ('layer' in p) {
          let dev = layers.get(p.layer.name);
          if (!dev) {
            if (!openLayer) throw new Error('Internal error: no opener for layer LVs');
            dev = openLayer(env, vg, p.layer, writable);
            layers.set(p.layer.name, dev);
            this.layers.push(dev);
          }
          this.pieces.push({ start: p.start, len: p.len, devOffset: p.offset, layer: true });
          this.devs.push(dev);
          continue;
        }
        const dev = dsync ? this.openDsync(p.pv) : env.devices.get(p.pv, writable);
        if (dev.size() < p.devOffset + p.len) {
          throw new DeviceIoError(p.pv.path, 'open', p.devOffset + p.len, new Error('device is shorter than its extents (truncated image)'));
        }
        this.pieces.push(p);
        this.devs.push(dev);
      }
    } catch (e) {
      this.close();
      throw e;
    }
  }

  private readonly pieces: Array<{ start: number; len: number; devOffset: number; pv?: PhysicalVolume; layer?: true }>;
  /** Layer devices this LV opened (pvmove mirrors): owned, flushed and closed with it. */
  private readonly layers: BlockDevice[] = [];
  /** Some segment has several stripes (a striped mirror image): I/O through lvByteRuns, devices by PV. */
  private readonly striped: boolean;
  private readonly byPv = new Map<string, BlockDevice>();

  get path(): string {
    return `${this.vg.name}/${this.lv.name}`;
  }

  /** PVs under this LV. */
  pvs(): PhysicalVolume[] {
    if (this.striped) return pvExtentEnds(this.vg, this.lv).map((e) => e.pv);
    return [...new Set(this.pieces.flatMap((p) => (p.pv ? [p.pv] : [])))];
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
    if (this.dsync) {
      for (const d of this.layers) d.flush();
      return;
    }
    for (const d of new Set([...this.devs, ...this.byPv.values()])) d.flush();
  }

  willWrite(offset: number, length: number): void {
    this.each(offset, length, (dev, devOff, _bo, n) => dev.willWrite?.(devOff, n));
  }

  async flushAsync(): Promise<void> {
    if (this.dsync) {
      for (const d of this.layers) d.flush();
      return;
    }
    await Promise.all([...new Set([...this.devs, ...this.byPv.values()])].map(flushAsyncOf));
  }

  /** Pool devices stay open (shared); private descriptors and layer devices are closed. */
  close(): void {
    for (const d of this.own) d.close();
    this.own.length = 0;
    for (const d of this.layers) d.close();
    this.layers.length = 0;
  }
}


export function requireLv(vg: VolumeGroup, name: string): LogicalVolume {
  const lv = findLv(vg, name);
  if (!lv) throw new Error(`Internal error: LV ${vg.name}/${name} not found`);
  return lv;
}

export { isMirror };
