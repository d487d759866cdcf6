// Plugs the mirror engine into LV I/O (src/lv-io/segment-io.ts): openLv of a mirror LV gets a
// MirrorDevice per mirror segment. Opening one also makes sure an out-of-sync mirror is being
// resynced (a background tsvm process of its own, as lvmpolld/dmeventd would), so an interrupted
// conversion or a crash is recovered by the next access.
import { registerSegmentIo, type SegmentIo } from '../lv-io/segment-io.js';
import { MirrorDevice } from './mirror-device.js';
import { ensureSyncing } from './daemon.js';

registerSegmentIo('mirror', (env, vg, lv, seg): SegmentIo => {
  if (seg.startLe !== 0 || lv.segments.length !== 1) throw new Error(`${vg.name}/${lv.name}: multi-segment mirrors are not supported`);
  const dev = new MirrorDevice(env, vg, lv, { writable: true });
  ensureSyncing(env.systemDir, vg, lv, dev);
  return {
    read: (buf, off) => dev.readAt(buf, off),
    write: (buf, off) => dev.writeAt(buf, off),
    flush: () => dev.flush(),
    close: () => dev.close(),
  };
});
