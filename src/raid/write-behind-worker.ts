// The thread behind one writemostly image of a raid1 LV with --writebehind (write-behind.ts): it
// opens the image as the mirror engine does (the PVs' fault rules and written maps apply) and
// writes what it is sent, in the order sent, counting each write landed in the shared state.
// What md does for dm-raid with the copy of a write-behind bio; one thread per image, so writes
// to one image never overtake each other.
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { DevicePool } from '../device/device-pool.js';
import { DeviceIoError } from '../device/block-device.js';
import type { VolumeGroup } from '../model/types.js';
import { findLv } from '../model/vg-query.js';
import { LinearDevice } from '../mirror/lv-device.js';
import { BEHIND_FAILED, BEHIND_LANDED, type BehindWrite } from './write-behind.js';

const { systemDir, vg, image, state, port } = workerData as {
  systemDir: string; vg: VolumeGroup; image: string; state: Int32Array; port: MessagePort;
};

const pool = new DevicePool(systemDir);
let dev: LinearDevice | null = null;
let failed = false;

function fail(e: unknown, offset: number): void {
  failed = true;
  Atomics.store(state, BEHIND_FAILED, 1);
  port.postMessage({ error: e instanceof DeviceIoError ? e.message : String((e as Error)?.message ?? e), offset });
}

try {
  const lv = findLv(vg, image);
  if (!lv) throw new Error(`Internal error: image ${vg.name}/${image} not found`);
  dev = new LinearDevice({ devices: pool, systemDir }, vg, lv, true);
} catch (e) {
  fail(e, 0);
}

port.on('message', (m: BehindWrite | 'close') => {
  if (m === 'close') {
    dev?.close();
    pool.closeAll();
    port.close();
    return;
  }
  // After a failure the image is out of service: what follows only counts as landed.
  if (!failed && dev) {
    try {
      dev.writeAt(m.data, m.offset);
    } catch (e) {
      fail(e, m.offset);
    }
  }
  Atomics.store(state, BEHIND_LANDED, m.seq);
  Atomics.notify(state, BEHIND_LANDED);
});
parentPort?.postMessage('ready');
