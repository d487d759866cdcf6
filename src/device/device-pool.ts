// Opens each PV's image once per process and hands out the same BlockDevice to every LV that
// maps onto it, wrapped by the fault injector when faults.json has rules for that device.
// A missing or unreadable image raises DeviceIoError(op 'open'): callers mark the leg failed.
import { DeviceIoError, type BlockDevice } from './block-device.js';
import { FileDevice } from './file-device.js';
import { FaultDevice } from './fault-device.js';
import { loadFaults, ruleMatchesDevice, type FaultRule } from './faults.js';
import type { PhysicalVolume } from '../model/types.js';
import { TrackingDevice } from './tracking-device.js';
import { WrittenMap } from './written-map.js';

/** Cause of an open refused because metadata says the PV is missing. */
export class MissingPvError extends Error {
  readonly code = 'ENOENT';
  constructor(name: string) {
    super(`PV ${name} is missing`);
  }
}

interface Entry {
  device: BlockDevice;
  writable: boolean;
}

export class DevicePool {
  private readonly open = new Map<string, Entry>();
  private readonly retired: BlockDevice[] = [];
  private rules?: FaultRule[];

  constructor(readonly systemDir: string) {}

  /** The device behind `pv`, opened read-write when `writable` (reopened if it was read-only). */
  get(pv: PhysicalVolume, writable = false): BlockDevice {
    const cur = this.open.get(pv.path);
    if (cur && (cur.writable || !writable)) return cur.device;
    if (pv.missing) throw new DeviceIoError(pv.path, 'open', 0, new MissingPvError(pv.name));
    const device = new TrackingDevice(this.withFaults(pv, new FileDevice(pv.path, writable)), this.writtenMap(pv));
    // A read-only handle may still be held by an open LV: keep it until closeAll().
    if (cur) this.retired.push(cur.device);
    this.open.set(pv.path, { device, writable });
    return device;
  }

  /**
   * Whether bytes [offset, offset+length) of the PV's image may ever have been written by tsvm
   * (false means they still read as zeros).
   */
  everWritten(pv: PhysicalVolume, offset: number, length: number): boolean {
    return this.writtenMap(pv).written(offset, length);
  }

  /** A private device on a PV (not shared through the pool) whose writes still fill its written map. */
  tracked(pv: PhysicalVolume, device: BlockDevice): BlockDevice {
    return new TrackingDevice(device, this.writtenMap(pv));
  }

  /**
   * A private read-write descriptor on a PV's image, opened with `extraFlags` (O_DSYNC for a mirror
   * log): not shared through the pool, but fault rules apply and its writes fill the written map,
   * as for the pool's own devices. The caller closes it.
   */
  openPrivate(pv: PhysicalVolume, extraFlags: number): BlockDevice {
    if (pv.missing) throw new DeviceIoError(pv.path, 'open', 0, new MissingPvError(pv.name));
    return this.tracked(pv, this.withFaults(pv, new FileDevice(pv.path, true, extraFlags)));
  }

  private withFaults(pv: PhysicalVolume, file: BlockDevice): BlockDevice {
    const rules = this.faultRules().filter((r) => ruleMatchesDevice(r, pv.name, pv.path));
    return rules.length ? new FaultDevice(file, rules) : file;
  }

  private readonly maps = new Map<string, WrittenMap>();

  private writtenMap(pv: PhysicalVolume): WrittenMap {
    let m = this.maps.get(pv.uuid);
    if (!m) this.maps.set(pv.uuid, (m = WrittenMap.forPv(this.systemDir, pv.uuid)));
    return m;
  }

  /** Every device opened so far. */
  devices(): BlockDevice[] {
    return [...this.open.values()].map((e) => e.device);
  }

  closeAll(): void {
    for (const e of this.open.values()) e.device.close();
    for (const d of this.retired) d.close();
    this.open.clear();
    this.retired.length = 0;
  }

  private faultRules(): FaultRule[] {
    return (this.rules ??= loadFaults(this.systemDir));
  }
}
