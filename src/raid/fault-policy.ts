// The automatic fault handling LVM2 gets for raid LVs from dmeventd's raid plugin
// (daemons/dmeventd/plugins/raid/dmeventd_raid.c): when the kernel marks an array member dead ('D'
// in its health string: the rimage or the rmeta of image N failed), it warns once per device and
// runs "lvconvert --repair --use-policies", where activation/raid_fault_policy decides: "warn"
// only says so (the LV runs degraded), "allocate" replaces the image from free PVs and rebuilds it.
// As for mirrors (src/mirror/fault-policy.ts), the process whose I/O met the failure plays dmeventd.
import type { LogicalVolume, VolumeGroup } from '../model/types.js';
import { findLv, isDegradedSubLv } from '../model/vg-query.js';
import { runRepairPolicy, stderrLine } from '../mirror/fault-policy.js';
import { loadFailedLegs } from '../mirror/state.js';

/** Image indexes (dm-raid's device numbers) whose rimage or rmeta failed: on a missing PV, or recorded failed by I/O. */
export function raidFailedDevices(systemDir: string, vg: VolumeGroup, lv: LogicalVolume): number[] {
  const recorded = new Set(loadFailedLegs(systemDir, lv.uuid).map((l) => l.lvName));
  const seg = lv.segments[0]!;
  const bad = (name: string | undefined) => {
    const sub = name ? findLv(vg, name) : undefined;
    return !!sub && (recorded.has(sub.name) || isDegradedSubLv(vg, sub));
  };
  const out: number[] = [];
  seg.areas.forEach((a, k) => {
    if (bad((a as { lvName: string }).lvName) || bad(seg.metaAreas?.[k])) out.push(k);
  });
  return out;
}

/**
 * dmeventd_raid's _process_raid_event for raid1 vg/lv with `devices` failed: a warning per device,
 * one about waiting for the resync when the array is not in sync, then the repair by policy.
 * Returns true if the repair command succeeded.
 */
export function handleRaidFailure(systemDir: string, vg: VolumeGroup, lv: LogicalVolume, devices: number[], inSync: boolean): boolean {
  const dmName = `${vg.name.replace(/-/g, '--')}-${lv.name.replace(/-/g, '--')}`;
  for (const k of devices) stderrLine(`WARNING: Device #${k} of raid1 array, ${dmName}, has failed.`);
  if (!inSync) stderrLine(`WARNING: waiting for resynchronization to finish before initiating repair on RAID device ${dmName}.`);
  if (runRepairPolicy(systemDir, vg.name, lv.name)) return true;
  stderrLine(`Repair of RAID device ${dmName} failed.`);
  return false;
}
