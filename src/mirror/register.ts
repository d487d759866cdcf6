// Plugs the mirror engine into LV I/O (src/lv-io/segment-io.ts): openLv of a mirror LV gets a
// WatchedMirror per mirror segment: a MirrorDevice that follows layout changes made by other
// processes while it is open and runs the fault policies on failures (watched-mirror.ts). Opening
// one also makes sure an out-of-sync mirror is being resynced (a background tsvm process of its
// own, as lvmpolld/dmeventd would), so an interrupted conversion or a crash is recovered by the
// next access. A linear LV opened for writing gets a WatchedMirror too (over a LinearDevice), so a
// writer goes on through the mirror when another process converts the LV while it is open.
import { registerLvWatcher, registerSegmentIo, type SegmentIo } from '../lv-io/segment-io.js';
import { WatchedMirror } from './watched-mirror.js';

registerSegmentIo('mirror', (env, vg, lv, seg): SegmentIo => {
  if (seg.startLe !== 0 || lv.segments.length !== 1) throw new Error(`${vg.name}/${lv.name}: multi-segment mirrors are not supported`);
  return new WatchedMirror(env, vg, lv);
});

registerLvWatcher((env, vg, lv): SegmentIo => new WatchedMirror(env, vg, lv));
