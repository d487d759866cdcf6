// Which device a PV UUID found on several devices is used from (lib/cache/lvmcache.c
// _choose_duplicates) and what LVM2 says about the others (_warn_unused_duplicates). Pure: the
// devices come in label-scan order with their labels and sizes, the rest is asked of the caller.

/** A device that carries a PV label. */
export interface LabelledDevice {
  /** As LVM2 prints it (/dev/NAME). */
  name: string;
  path: string;
  uuid: string;
  /** Bytes of the device. */
  size: number;
}

/** What the VG metadata says of a PV (the pvsummary): its dev_size in bytes and its device hint. */
export interface PvSummary {
  size: number;
  hint: string;
}

export interface ChoiceFacts {
  /** The PV as the metadata of its VG has it; null for an orphan (no VG metadata names it). */
  summary(uuid: string): PvSummary | null;
  /** Whether an active LV uses this device (dev_is_used_by_active_lv). */
  usedByLv(dev: LabelledDevice): boolean;
}

export interface DuplicateChoice {
  /** The device used for each PV UUID found on more than one device. */
  chosen: Map<string, LabelledDevice>;
  /** The devices not used (LVM2's _unused_duplicates), in LVM2's order. */
  unused: LabelledDevice[];
  /** _warn_unused_duplicates's lines. */
  warnings: string[];
}

/**
 * Devices after the first with the same PV UUID are duplicates; each UUID's devices are compared
 * pairwise with LVM2's rules in its order (devices-file ids and multipath/md components do not
 * arise here). As in 2.03.16, the "name matches" flags are only set when the metadata has a device
 * hint, so a PV without one inherits the previous comparison's.
 */
export function chooseDuplicates(devices: LabelledDevice[], facts: ChoiceFacts): DuplicateChoice {
  const first = new Map<string, LabelledDevice>();
  let initial: LabelledDevice[] = [];
  for (const d of devices) {
    if (first.has(d.uuid)) initial.push(d);
    else first.set(d.uuid, d);
  }
  const chosen = new Map<string, LabelledDevice>();
  const newUnused: LabelledDevice[] = [];
  const dropped: LabelledDevice[] = [];
  const reasons = new Map<LabelledDevice, string>();
  let sameName1 = false;
  let sameName2 = false;
  while (initial.length) {
    const pvid = initial[0]!.uuid;
    const alt = initial.filter((d) => d.uuid === pvid);
    initial = initial.filter((d) => d.uuid !== pvid);
    const info = first.get(pvid)!;
    let dev1 = info;
    const summary = facts.summary(pvid);
    for (const dev2 of alt) {
      const size = summary?.size ?? 0;
      const sameSize1 = dev1.size === size;
      const sameSize2 = dev2.size === size;
      if (summary?.hint) {
        sameName1 = dev1.name === summary.hint;
        sameName2 = dev2.name === summary.hint;
      }
      const lv1 = facts.usedByLv(dev1);
      const lv2 = facts.usedByLv(dev2);
      let change = false;
      let reason: string;
      if (lv1 !== lv2) {
        change = lv2;
        reason = 'device is used by LV';
      } else if (sameSize1 !== sameSize2) {
        change = sameSize2;
        reason = 'device size is correct';
      } else if (sameName1 !== sameName2) {
        change = sameName2;
        reason = 'device name matches previous';
      } else {
        reason = 'device was seen first';
      }
      if (change) dev1 = dev2;
      reasons.set(dev1, reason);
    }
    chosen.set(pvid, dev1);
    if (dev1 !== info) dropped.push(info);
    newUnused.push(...alt.filter((d) => d !== dev1));
  }
  const unused = [...newUnused, ...dropped];
  const warnings = unused.map((d) => `WARNING: Not using device ${d.name} for PV ${d.uuid}.`);
  for (const d of unused) {
    const use = chosen.get(d.uuid)!;
    warnings.push(`WARNING: PV ${d.uuid} prefers device ${use.name} because ${reasons.get(use) ?? 'device was seen first'}.`);
  }
  return { chosen, unused, warnings };
}
