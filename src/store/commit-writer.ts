// The hook through which every VG commit also reaches the PVs' metadata areas (LVM2's vg_write and
// vg_commit to each mda). The store stays below the devices: the writer (src/format-text/on-disk.ts)
// is installed by the command context, and every MetadataStore of the process uses it.
import type { LogicalVolume, PhysicalVolume, VolumeGroup } from '../model/types.js';

export interface VgCommitWriter {
  /**
   * Called inside the commit's transaction once vg.seqno is the new one: makes the text, records
   * its size in the VG (mdaTextSize), and throws (undoing the commit) when it cannot be written.
   * Returns what to run once the transaction has committed: the writes to the PVs. `unchanged`:
   * LVs known to be as they were in the version read (their text may be reused), each at the place
   * it had in its list or, after LVs removed before it, that place less theirs; `readCount`: how
   * many LVs that version had; `removed`: the LVs it had that the VG no longer has, when removing
   * them is all that changed the list's order (one run of LVs, nothing put in their place).
   */
  prepare(vg: VolumeGroup, released: PhysicalVolume[], unchanged?: ReadonlySet<LogicalVolume>, readCount?: number,
    removed?: readonly LogicalVolume[]): () => void;
  /** After a VG was removed: its PVs' areas are emptied and their labels say "not in a VG". */
  removed(vg: VolumeGroup): void;
}

let writer: VgCommitWriter | null = null;

export function setVgCommitWriter(w: VgCommitWriter | null): void {
  writer = w;
}

export function vgCommitWriter(): VgCommitWriter | null {
  return writer;
}
