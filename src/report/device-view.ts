// What device-mapper would tell a report about an active LV (LVM2's lv_info: open count, kernel
// major:minor): tsvm's answers come from the serving daemon's state (src/nbd). Read once per
// command; with no daemon running every LV is unopened and has no kernel device.
import type { LogicalVolume } from '../model/types.js';
import { devNumbers } from '../nbd/device-use.js';
import { liveDaemonState, openCount } from '../nbd/in-use.js';

export interface DeviceView {
  /** Openers of the LV's device: NBD clients, a mounted filesystem. */
  openCount(lv: LogicalVolume): number;
  /** major:minor of the LV's kernel block device, when it has one. */
  kernelDevice(lv: LogicalVolume): { major: number; minor: number } | null;
}

export const NO_DEVICES: DeviceView = { openCount: () => 0, kernelDevice: () => null };

export function deviceView(systemDir: string): DeviceView {
  const state = liveDaemonState(systemDir);
  if (!state) return NO_DEVICES;
  const counts = new Map<string, number>();
  return {
    openCount(lv) {
      let n = counts.get(lv.uuid);
      if (n === undefined) counts.set(lv.uuid, (n = openCount(state.exports[lv.uuid])));
      return n;
    },
    kernelDevice(lv) {
      const dev = state.exports[lv.uuid]?.device;
      return dev ? devNumbers(dev) : null;
    },
  };
}
