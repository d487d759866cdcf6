// An LV as a BlockDevice (device-mapper's job in LVM2: dm-linear, dm-stripe, and dm-mirror
// through the mirror engine). Requests are split by segment, then by stripe chunk, and issued to the
// PV devices of the pool as subarrays of the caller's buffer: no copies, no per-sector loops.
//
// openLv is synchronous and works for every LV whose segments are all striped/linear (or whose
// segment types are already registered); openLvAsync first loads the mirror engine when needed.
// Coordination seam: I/O does not change metadata, so no VG lock is taken here. When the mirror
// engine needs to quiesce I/O for a metadata change, openLv will take a shared per-LV I/O lock
// file in env.systemDir (exclusive for the quiescer) in openLvAsync/openLv and drop it in close().
import { DeviceIoError, readAsyncOf, settledOf, type BlockDevice } from '../device/block-device.js';
import { lvExtents, type LogicalVolume, type LvSegment, type VolumeGroup } from '../model/types.js';
import { findLv, findPvByUuid, isLinearLv, isLinearOnPvmove } from '../model/vg-query.js';
import { extentBytes, pvByteOffset, segmentSlices, stripePieces } from './extent-map.js';
import { LvIoError, type IoEnv } from './io-env.js';
import { loadSegmentIo, lvWatcherFactory, segmentIoFactory, type SegmentIo } from './segment-io.js';
import { LostRegionsDevice, lostPath } from './lost-regions.js';
import { existsSync } from 'node:fs';
import { alignedBuffer } from '../device/aligned-buffer.js';
import { isReplicated, loadReplicaWrapper, replicaWrapper } from './replica-hook.js';

export interface OpenLvOptions {
  writable: boolean;
  /** Skip the activation check (sub-LVs opened by the mirror engine, resync, tests). */
  ignoreActivation?: boolean;
}

export interface LvDevice extends BlockDevice {
  readonly vg: VolumeGroup;
  readonly lv: LogicalVolume;
  readonly writable: boolean;
  /** The caller may block for a while (dd reading a pipe): locks held across writes are let go. */
  idle?(): void;
  /**
   * writeAt() then flush() as one request, durable when it returns (dd oflag=sync: O_DSYNC).
   * Optional (callers fall back to the two); a replicated LV journals the write and its barrier in
   * one step (src/repl/journal-writer.ts).
   */
  writeAtDurable?(buf: Uint8Array, offset: number): void;
}

/** A target an area maps to: a PV device or a sub-LV, with the byte offset of the area start. */
interface AreaTarget {
  dev: BlockDevice;
  base: number;
  subLv?: LvDevice;
}

/** dm-stripe / dm-linear over the areas of one segment. */
class StripedSegmentIo implements SegmentIo {
  constructor(private readonly seg: LvSegment, private readonly extentSize: number, private readonly areas: AreaTarget[],
    private readonly touched: Set<BlockDevice>) {}

  read(buf: Uint8Array, segOffset: number): void {
    for (const p of stripePieces(this.seg, segOffset, buf.length, this.extentSize)) {
      const t = this.areas[p.areaIndex]!;
      t.dev.readAt(buf.subarray(p.bufOffset, p.bufOffset + p.length), t.base + p.areaOffset);
    }
  }

  readAsync(buf: Uint8Array, segOffset: number): Promise<void> {
    return allDone(stripePieces(this.seg, segOffset, buf.length, this.extentSize).map((p) => {
      const t = this.areas[p.areaIndex]!;
      return readAsyncOf(t.dev, buf.subarray(p.bufOffset, p.bufOffset + p.length), t.base + p.areaOffset);
    }));
  }

  write(buf: Uint8Array, segOffset: number): void {
    for (const p of stripePieces(this.seg, segOffset, buf.length, this.extentSize)) {
      const t = this.areas[p.areaIndex]!;
      this.touched.add(t.dev);
      t.dev.writeAt(buf.subarray(p.bufOffset, p.bufOffset + p.length), t.base + p.areaOffset);
    }
  }

  /** Nothing of its own: the LV flushes the devices (and sub-LVs) it wrote to. */
  flush(): void {}

  close(): void {
    for (const t of this.areas) t.subLv?.close();
  }
}

class LvDeviceImpl implements LvDevice {
  readonly path: string;
  private readonly bytes: number;
  private readonly segIo: SegmentIo[];
  private readonly touched = new Set<BlockDevice>();
  private closed = false;
  /** One SegmentIo for the whole LV (offsets from the LV start): a watched linear LV. */
  private readonly whole: boolean;

  constructor(env: IoEnv, readonly vg: VolumeGroup, readonly lv: LogicalVolume, readonly writable: boolean, whole?: SegmentIo) {
    this.path = `/dev/${vg.name}/${lv.name}`;
    this.bytes = lvExtents(lv) * extentBytes(vg);
    this.segIo = whole ? [whole] : [];
    this.whole = !!whole;
    if (whole) return;
    try {
      for (const seg of lv.segments) this.segIo.push(this.openSegment(env, seg));
    } catch (e) {
      for (const s of this.segIo) s.close();
      throw e;
    }
  }

  private openSegment(env: IoEnv, seg: LvSegment): SegmentIo {
    if (seg.type === 'striped') {
      const targets = seg.areas.map((area): AreaTarget => {
        if (area.kind === 'pv') {
          const pv = findPvByUuid(this.vg, area.pvUuid);
          if (!pv) throw new Error(`Internal error: LV ${this.lv.name} refers to unknown PV ${area.pvUuid}`);
          return { dev: env.devices.get(pv, this.writable), base: pvByteOffset(this.vg, pv, area.pe) };
        }
        const sub = findLv(this.vg, area.lvName);
        if (!sub) throw new Error(`Internal error: LV ${this.lv.name} refers to unknown LV ${area.lvName}`);
        const subLv = openLv(env, this.vg, sub, { writable: this.writable, ignoreActivation: true });
        return { dev: subLv, base: area.le * extentBytes(this.vg), subLv };
      });
      return new StripedSegmentIo(seg, this.vg.extentSize, targets, this.touched);
    }
    // dm's error target: every I/O of it fails
    if (seg.type === 'error') throw new LvIoError('ENXIO', `${this.vg.name}/${this.lv.name} is an error segment: I/O fails`);
    const factory = segmentIoFactory(seg.type);
    if (!factory) {
      throw new LvIoError('ENOTSUP', `No I/O support for ${seg.type} segments of ${this.vg.name}/${this.lv.name} (use openLvAsync)`);
    }
    return factory(env, this.vg, this.lv, seg);
  }

  size(): number {
    return this.bytes;
  }

  readAt(buf: Uint8Array, offset: number): void {
    this.check(offset, buf.length, 'read');
    if (this.whole) return this.segIo[0]!.read(buf, offset);
    for (const s of segmentSlices(this.vg, this.lv, offset, buf.length)) {
      this.segIo[s.segIndex]!.read(buf.subarray(s.bufOffset, s.bufOffset + s.length), s.segOffset);
    }
  }

  /** readAt with the PV reads on libuv worker threads; segments without an async read (mirror) read in place. */
  readAtAsync(buf: Uint8Array, offset: number): Promise<void> {
    try {
      this.check(offset, buf.length, 'read');
      const slices = this.whole ? [{ segIndex: 0, bufOffset: 0, length: buf.length, segOffset: offset }] : segmentSlices(this.vg, this.lv, offset, buf.length);
      return allDone(slices.map((s) => {
        const io = this.segIo[s.segIndex]!;
        const part = buf.subarray(s.bufOffset, s.bufOffset + s.length);
        return io.readAsync ? io.readAsync(part, s.segOffset) : settledOf(() => io.read(part, s.segOffset));
      }));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  writeAt(buf: Uint8Array, offset: number): void {
    if (!this.writable) throw new LvIoError('EROFS', `${this.path} is open read-only`);
    this.check(offset, buf.length, 'write');
    if (this.whole) return this.segIo[0]!.write(buf, offset);
    for (const s of segmentSlices(this.vg, this.lv, offset, buf.length)) {
      this.segIo[s.segIndex]!.write(buf.subarray(s.bufOffset, s.bufOffset + s.length), s.segOffset);
    }
  }

  idle(): void {
    for (const s of this.segIo) s.idle?.();
  }

  /** The buffer a segment's device prefers (mirror-engine segments with checksums), else a plain one. */
  readBuffer(bytes: number): Uint8Array {
    for (const s of this.segIo) {
      const b = s.readBuffer?.(bytes);
      if (b) return b;
    }
    return alignedBuffer(bytes);
  }

  /** fdatasync every PV device this LV wrote to, and every segment's own devices. */
  flush(): void {
    for (const d of this.touched) d.flush();
    for (const s of this.segIo) s.flush();
  }

  /** Closes segment I/O (and sub-LVs); PV devices belong to the pool (DevicePool.closeAll). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.segIo) s.close();
  }

  private check(offset: number, length: number, op: 'read' | 'write'): void {
    if (this.closed) throw new DeviceIoError(this.path, op, offset, new Error('device is closed'));
    if (offset < 0 || !Number.isInteger(offset) || offset + length > this.bytes) {
      throw op === 'write'
        ? new LvIoError('ENOSPC', `write of ${length} bytes at ${offset} is beyond the end of ${this.path} (${this.bytes} bytes)`)
        : new LvIoError('EINVAL', `read of ${length} bytes at ${offset} is beyond the end of ${this.path} (${this.bytes} bytes)`);
    }
  }
}

/**
 * Wait for every read of a request, then fail with the first error: the caller may reuse the buffer
 * once this settles, so no read may still be filling it (Promise.all would settle at the first error).
 */
async function allDone(reads: Promise<void>[]): Promise<void> {
  if (reads.length === 1) return reads[0];
  const results = await Promise.allSettled(reads);
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
}

function checkOpen(vg: VolumeGroup, lv: LogicalVolume, opts: OpenLvOptions): void {
  if (!opts.ignoreActivation && !lv.active) throw new LvIoError('ENXIO', `${vg.name}/${lv.name} is not active`);
  if (opts.writable && !lv.writable) throw new LvIoError('EROFS', `${vg.name}/${lv.name} is read-only`);
}

/**
 * Open an LV for I/O, synchronously. Works for any LV without mirror segments, and for mirror LVs
 * once the mirror engine is registered (after openLvAsync or an import of src/mirror/register.js).
 * Throws LvIoError ENXIO if the LV is inactive, EROFS if read-only and opts.writable, and
 * DeviceIoError(op 'open') if a PV image cannot be opened.
 */
export function openLv(env: IoEnv, vg: VolumeGroup, lv: LogicalVolume, opts: OpenLvOptions): LvDevice {
  checkOpen(vg, lv, opts);
  const watcher = watchesLayout(vg, lv, opts) ? lvWatcherFactory() : undefined;
  if (watcher) return withReplica(env, lv, opts, withLost(env, lv, opts, new LvDeviceImpl(env, vg, lv, true, watcher(env, vg, lv))));
  return withReplica(env, lv, opts, withLost(env, lv, opts, new LvDeviceImpl(env, vg, lv, opts.writable)));
}

/**
 * A user's writable open of an LV of a replication group journals its writes (src/repl). Without
 * the replication module loaded (openLvAsync loads it) such an open is refused rather than let
 * writes bypass the journal.
 */
function withReplica(env: IoEnv, lv: LogicalVolume, opts: OpenLvOptions, dev: LvDevice): LvDevice {
  if (opts.ignoreActivation || !opts.writable || !isReplicated(env.systemDir, lv.uuid)) return dev;
  const wrap = replicaWrapper();
  if (!wrap) {
    dev.close();
    throw new LvIoError('ENOTSUP', `${dev.path} is replicated: open it with openLvAsync`);
  }
  try {
    return wrap(env, dev);
  } catch (e) {
    dev.close();
    throw e;
  }
}

/** A user's writable open of a linear LV follows conversions made by other processes (once the mirror engine is loaded). */
function watchesLayout(vg: VolumeGroup, lv: LogicalVolume, opts: OpenLvOptions): boolean {
  return opts.writable && !opts.ignoreActivation && (isLinearLv(lv) || isLinearOnPvmove(vg, lv));
}

/**
 * openLv, loading the mirror engine first when the LV (or a sub-LV) has mirror segments. A linear
 * LV opened for writing is watched by the mirror engine (segment-io.ts registerLvWatcher): when
 * another process converts it to a mirror while it is open, later writes reach every leg.
 */
export async function openLvAsync(env: IoEnv, vg: VolumeGroup, lv: LogicalVolume, opts: OpenLvOptions): Promise<LvDevice> {
  checkOpen(vg, lv, opts);
  if (watchesLayout(vg, lv, opts) || usesSegmentType(vg, lv, 'mirror') || usesSegmentType(vg, lv, 'raid1')) await loadSegmentIo('mirror');
  if (opts.writable && !opts.ignoreActivation && isReplicated(env.systemDir, lv.uuid)) await loadReplicaWrapper();
  return openLv(env, vg, lv, opts);
}

/** A user's open of an LV with lost regions (lost-regions.ts) gets them refused. */
function withLost(env: IoEnv, lv: LogicalVolume, opts: OpenLvOptions, dev: LvDevice): LvDevice {
  if (opts.ignoreActivation || !existsSync(lostPath(env.systemDir, lv.uuid))) return dev;
  return new LostRegionsDevice(dev, env.systemDir);
}

/**
 * A mirror image or log sub-LV (linear or striped) for the mirror engine: no activation check,
 * read-write unless told otherwise.
 */
export function openLinearArea(env: IoEnv, vg: VolumeGroup, subLv: LogicalVolume, opts: { writable?: boolean } = {}): LvDevice {
  return openLv(env, vg, subLv, { writable: opts.writable ?? true, ignoreActivation: true });
}

function usesSegmentType(vg: VolumeGroup, lv: LogicalVolume, type: LvSegment['type'], depth = 0): boolean {
  if (depth > 16) return false;
  return lv.segments.some((s) => s.type === type || s.areas.some((a) => {
    if (a.kind !== 'lv') return false;
    const sub = findLv(vg, a.lvName);
    return !!sub && usesSegmentType(vg, sub, type, depth + 1);
  }));
}
