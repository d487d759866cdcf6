// The label scan a command starts with (lib/label/label.c label_scan, lib/cache/lvmcache.c
// lvmcache_label_scan): the PV label of every device, in device order, and the choice among
// devices that carry the same PV UUID (a copied image), with LVM2's warnings. tsvm reads its
// metadata from the database; the scan is what tells it which devices are duplicates.
import { closeSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fdSize } from '../device/device-size.js';
import { parsePvHeader } from '../device/pv-label.js';
import { devNameOrder } from '../model/dev-order.js';
import type { VolumeGroup } from '../model/types.js';
import { chooseDuplicates, type ChoiceFacts, type DuplicateChoice, type LabelledDevice } from './duplicate-choice.js';

export interface LabelScan {
  /** Every device scanned, by path. */
  scanned: Set<string>;
  /** What each device scanned carries, by path (devices without a PV label are left out). */
  labels: Map<string, LabelledDevice>;
  duplicates: DuplicateChoice;
}

export const NO_SCAN: LabelScan = { scanned: new Set(), labels: new Map(), duplicates: { chosen: new Map(), unused: [], warnings: [] } };

/**
 * Device order as LVM2 scans (by device number: loop2 before loop10); names sort naturally, by
 * model/dev-order.ts (Intl's numeric collation cost a command with two devices or more ~20-30 ms
 * of ICU start-up).
 */
export function deviceOrder(a: { name: string }, b: { name: string }): number {
  return devNameOrder(a.name, b.name);
}

/** The devices of a device folder (TSVM_DEV_DIR): its files and block devices, not its folders (LV links). */
export function folderDevices(devDir: string): { name: string; path: string }[] {
  let names: string[];
  try {
    names = readdirSync(devDir);
  } catch {
    return [];
  }
  const out: { name: string; path: string }[] = [];
  for (const n of names) {
    const path = join(devDir, n);
    try {
      const st = statSync(path);
      if (st.isFile() || st.isBlockDevice()) out.push({ name: `/dev/${n}`, path });
    } catch {
      // vanished meanwhile
    }
  }
  return out;
}

/** The PV label of one device, with the device's size; null without one. */
export function readDeviceLabel(name: string, path: string): LabelledDevice | null {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return null;
  }
  try {
    const buf = Buffer.alloc(2048);
    readSync(fd, buf, 0, buf.length, 0);
    const h = parsePvHeader(buf);
    return h ? { name, path, uuid: h.uuid, size: fdSize(fd) } : null;
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

/** Read the labels of `devices` (in scan order once sorted) and choose among duplicates. */
export function scanLabels(devices: { name: string; path: string }[], facts: () => ChoiceFacts): LabelScan {
  const labels = new Map<string, LabelledDevice>();
  const found: LabelledDevice[] = [];
  const seen = new Set<string>();
  for (const d of [...devices].sort(deviceOrder)) {
    if (seen.has(d.path)) continue;
    seen.add(d.path);
    const l = readDeviceLabel(d.name, d.path);
    if (!l) continue;
    labels.set(d.path, l);
    found.push(l);
  }
  const uuids = new Set(found.map((d) => d.uuid));
  if (uuids.size === found.length) return { scanned: seen, labels, duplicates: NO_SCAN.duplicates };
  return { scanned: seen, labels, duplicates: chooseDuplicates(found, facts()) };
}

/** The device at `path` is a duplicate LVM2 does not use (lvmcache_dev_is_unused_duplicate). */
export function unusedDuplicate(scan: LabelScan, path: string): LabelledDevice | undefined {
  return scan.duplicates.unused.find((d) => d.path === path);
}

/** The device carries a PV that is also on a device not used (pvcreate_each_device refuses it). */
export function onDuplicatedPv(scan: LabelScan, path: string): boolean {
  const uuid = scan.labels.get(path)?.uuid;
  return !!uuid && scan.duplicates.unused.some((d) => d.uuid === uuid);
}

/** vg_has_duplicate_pvs: a PV of the VG is also on a device not used. */
export function vgHasDuplicatePvs(scan: LabelScan, vg: VolumeGroup): boolean {
  const unused = scan.duplicates.unused;
  return unused.length > 0 && vg.pvs.some((pv) => unused.some((d) => d.uuid === pv.uuid));
}
