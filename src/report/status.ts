// Runtime mirror state for reports (what LVM2 asks device-mapper for: lv_mirror_percent,
// lv_mirror_image_in_sync). The mirror engine registers the real source, reading the region log;
// until it does, a default derived from metadata alone is used.
import type { Context } from '../cli/context.js';
import type { LogicalVolume, VolumeGroup } from '../model/types.js';

export interface LvStatusSource {
  /** Cpy%Sync of a top-level mirror (0..100), or undefined when unknown/inactive (blank). */
  copyPercent(vg: VolumeGroup, lv: LogicalVolume): number | undefined;
  /** Whether a mirror image is in sync (lv_attr 'i' rather than 'I'). */
  imageInSync(vg: VolumeGroup, lv: LogicalVolume): boolean;
  /** seg_monitor of an active mirror: is it monitored (undefined: blank, not a monitored kind or inactive). */
  monitored(vg: VolumeGroup, lv: LogicalVolume): boolean | undefined;
  /** raid_sync_action of an active raid1 LV (idle, resync, recover, check, repair), else undefined (blank). */
  raidSyncAction(vg: VolumeGroup, lv: LogicalVolume): string | undefined;
  /** raid_mismatch_count of an active raid1 LV (last check/repair), else undefined (blank). */
  raidMismatches(vg: VolumeGroup, lv: LogicalVolume): number | undefined;
  /** lv_raid_healthy(): no image of the active raid1 LV (or above this image) is failed. */
  raidHealthy(vg: VolumeGroup, lv: LogicalVolume): boolean;
  /** raid_mismatch_regions (tsvm's own): the last check/repair's bad regions and images, else undefined (blank). */
  raidMismatchRegions(vg: VolumeGroup, lv: LogicalVolume): string | undefined;
  /**
   * raid_heal_count / raid_unrecoverable_count (tsvm's own): blocks that reads of an active raid1 or
   * mirror LV with checksums found bad and rewrote from a good copy / found right on no image.
   */
  heals(vg: VolumeGroup, lv: LogicalVolume): { healed: number; unrecoverable: number } | undefined;
}

type SourceFactory = (ctx: Context) => LvStatusSource;

/** The mirror (segment type mirror) that uses `lv` as a data image, if any. */
function mirrorAbove(vg: VolumeGroup, lv: LogicalVolume): LogicalVolume | undefined {
  for (const m of vg.lvs) {
    for (const seg of m.segments) {
      if ((seg.type === 'mirror' || seg.type === 'raid1') && seg.areas.some((a) => a.kind === 'lv' && a.lvName === lv.name)) return m;
    }
  }
  return undefined;
}

/** Metadata-only answers: a NOTSYNCED (--nosync) mirror is 100% in sync when active; others unknown. */
export const defaultStatusSource: LvStatusSource = {
  copyPercent(_vg, lv) {
    if (!lv.active || !lv.flags.includes('NOTSYNCED')) return undefined;
    return lv.segments.some((s) => s.type === 'mirror' || s.type === 'raid1') ? 100 : undefined;
  },
  imageInSync(vg, lv) {
    const m = mirrorAbove(vg, lv);
    return !!m && m.flags.includes('NOTSYNCED');
  },
  monitored() {
    return undefined;
  },
  raidSyncAction() {
    return undefined;
  },
  raidMismatches() {
    return undefined;
  },
  raidHealthy() {
    return true;
  },
  raidMismatchRegions() {
    return undefined;
  },
  heals() {
    return undefined;
  },
};

let factory: SourceFactory = () => defaultStatusSource;
let probed = false;

/** Register the status source the report commands use (the mirror engine calls this). */
export function setStatusSource(fn: SourceFactory): void {
  factory = fn;
  probed = true;
}

/**
 * The status source for this command: loads src/mirror/status.js once (that module registers
 * itself with setStatusSource when imported). With `mirrors` false
 * (no mirror segment in what is reported) the default answers exactly what the engine would:
 * no Cpy%Sync and no mirror image, so the engine's modules are not loaded at all.
 */
export async function loadStatusSource(ctx: Context, mirrors = true): Promise<LvStatusSource> {
  if (!mirrors && !probed) return defaultStatusSource;
  if (!probed) {
    probed = true;
    await import('../mirror/status.js');
  }
  return factory(ctx);
}
