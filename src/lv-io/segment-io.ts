// The seam between LV I/O and segment types it does not implement itself. The mirror engine
// (src/mirror/register.ts) registers a factory for 'mirror' and 'raid1'; openLv calls it per mirror segment
// with offsets relative to the segment start (segOffset 0 = the segment's first LE).
import type { LogicalVolume, LvSegment, VolumeGroup } from '../model/types.js';
import type { IoEnv } from './io-env.js';

export interface SegmentIo {
  read(buf: Uint8Array, segOffset: number): void;
  /** read() on libuv worker threads (BlockDevice.readAtAsync); optional: the LV falls back to read(). */
  readAsync?(buf: Uint8Array, segOffset: number): Promise<void>;
  write(buf: Uint8Array, segOffset: number): void;
  flush(): void;
  close(): void;
  /** The user may now block for a while (dd waiting on a pipe): give up what other processes may wait for. */
  idle?(): void;
  /** BlockDevice.readBuffer of the segment's device, or undefined when it has no preferred kind of buffer. */
  readBuffer?(bytes: number): Uint8Array | undefined;
}

export type SegmentIoType = 'mirror' | 'raid1';
export type SegmentIoFactory = (env: IoEnv, vg: VolumeGroup, lv: LogicalVolume, seg: LvSegment) => SegmentIo;

const factories = new Map<SegmentIoType, SegmentIoFactory>();

export function registerSegmentIo(type: SegmentIoType, factory: SegmentIoFactory): void {
  factories.set(type, factory);
}

export function segmentIoFactory(type: SegmentIoType): SegmentIoFactory | undefined {
  return factories.get(type);
}

/**
 * A whole-LV watcher (offsets from the LV start) for a linear LV opened for writing: the mirror
 * engine registers one that follows layout changes made by other processes while the LV is open
 * (an lvconvert to mirror), so the writer goes on through the new layout.
 */
export type LvWatcherFactory = (env: IoEnv, vg: VolumeGroup, lv: LogicalVolume) => SegmentIo;

let watcher: LvWatcherFactory | undefined;

export function registerLvWatcher(factory: LvWatcherFactory): void {
  watcher = factory;
}

export function lvWatcherFactory(): LvWatcherFactory | undefined {
  return watcher;
}

/** Load the module that registers `type` (the mirror engine), unless something already did. */
export async function loadSegmentIo(type: SegmentIoType): Promise<void> {
  if (factories.has(type)) return;
  // A literal specifier, so that a bundler (scripts/build-snapshot.mjs) sees the module.
  const loaders: Record<SegmentIoType, () => Promise<unknown>> = {
    mirror: () => import('../mirror/register.js'),
    raid1: () => import('../mirror/register.js'),
  };
  await loaders[type]();
}
