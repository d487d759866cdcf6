// Plugs the mirror engine into LV I/O (src/lv-io/segment-io.ts): openLv of a mirror LV gets a
// WatchedMirror per mirror segment: a MirrorDevice that follows layout changes made by other
// processes while it is open and runs the fault policies on failures (watched-mirror.ts). Opening
// one also makes sure an out-of-sync mirror is being resynced (a background tsvm process of its
// own, as lvmpolld/dmeventd would), so an interrupted conversion or a crash is recovered by the
// next access. A linear LV opened for writing gets a WatchedMirror too (over a LinearDevice), so a
// writer goes on through the mirror when another process converts the LV while it is open.
import { registerLvWatcher, registerSegmentIo, type SegmentIo } from '../lv-io/segment-io.js';
import { WatchedMirror } from './watched-mirror.js';
import { MirrorDevice } from './mirror-device.js';
import type { MirrorIoEnv } from './lv-device.js';
import { hasPvLegs } from './pv-legs.js';
import { SECTOR, type LogicalVolume, type LvSegment, type VolumeGroup } from '../model/types.js';

registerSegmentIo('mirror', (env, vg, lv, seg): SegmentIo => {
  if (hasPvLegs(lv)) return layerSegment(env, vg, lv, seg);
  if (seg.startLe !== 0 || lv.segments.length !== 1) throw new Error(`${vg.name}/${lv.name}: multi-segment mirrors are not supported`);
  return new WatchedMirror(env, vg, lv);
});

/**
 * A segment of pvmove's mirror opened through an LV on it (a reader: writers are watched and
 * reach it through their LinearDevice): one MirrorDevice for the whole layer, shared by its segments.
 */
const layers = new WeakMap<LogicalVolume, { dev: MirrorDevice; refs: number }>();
function layerSegment(env: MirrorIoEnv, vg: VolumeGroup, lv: LogicalVolume, seg: LvSegment): SegmentIo {
  let entry = layers.get(lv);
  if (!entry) layers.set(lv, (entry = { dev: new MirrorDevice(env, vg, lv, { writable: true }), refs: 0 }));
  entry.refs++;
  const e = entry;
  const base = seg.startLe * vg.extentSize * SECTOR;
  let closed = false;
  return {
    read: (buf, off) => e.dev.readAt(buf, base + off),
    write: (buf, off) => e.dev.writeAt(buf, base + off),
    flush: () => e.dev.flush(),
    close: () => {
      if (closed) return;
      closed = true;
      if (--e.refs === 0) {
        layers.delete(lv);
        e.dev.close();
      }
    },
  };
}

// raid1 (src/raid/): the same engine, its region log in the rmeta sub-LVs.
registerSegmentIo('raid1', (env, vg, lv, seg): SegmentIo => {
  if (seg.startLe !== 0 || lv.segments.length !== 1) throw new Error(`${vg.name}/${lv.name}: multi-segment raid1 LVs are not supported`);
  return new WatchedMirror(env, vg, lv);
});

registerLvWatcher((env, vg, lv): SegmentIo => new WatchedMirror(env, vg, lv));
