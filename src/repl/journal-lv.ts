// The hidden GROUP_rjournal LV of a replication group (LVM2's hidden sub-LVs: _mlog, _rmeta): sized
// in whole extents and checked to hold one write, allocated and committed in a VG, or taken away
// again when what follows its commit fails. Used by `replica create` and `replica promote`.
import type { Context } from '../cli/context.js';
import { CommandFailed } from '../cli/errors.js';
import { commitVg, readVgForUpdate } from '../cli/toollib.js';
import { allocate, AllocError, checkVgFree } from '../alloc/index.js';
import type { LogicalVolume, VolumeGroup } from '../model/types.js';
import { SECTOR } from '../model/types.js';
import { findLv } from '../model/vg-query.js';
import { displaySize } from '../model/units.js';
import { newUuid } from '../model/uuid.js';
import { mergeSegments, segmentsFromRuns } from '../lv/segments.js';
import { MAX_RECORD_DATA, capacityOf, recordSpan } from './journal-format.js';

/** Smallest journal: room for two of the largest records. */
export const MIN_JOURNAL_CAPACITY = 2 * recordSpan(MAX_RECORD_DATA);

/** Extents (and bytes) of a journal of `sectors` in `vg`; refused when too small or the VG lacks room. */
export function journalSize(vg: VolumeGroup, name: string, sectors: number): { extents: number; bytes: number } {
  if (findLv(vg, name)) throw new CommandFailed(`Logical Volume "${name}" already exists in volume group "${vg.name}"`);
  const extents = Math.max(1, Math.ceil(sectors / vg.extentSize));
  const bytes = extents * vg.extentSize * SECTOR;
  if (capacityOf(bytes) < MIN_JOURNAL_CAPACITY) {
    throw new CommandFailed(`Journal size ${displaySize(extents * vg.extentSize)} is too small for one write of ${displaySize(MAX_RECORD_DATA / SECTOR)}.`,
      `A replication journal needs at least ${displaySize(Math.ceil((MIN_JOURNAL_CAPACITY + 32768) / SECTOR))}.`);
  }
  const freeErr = checkVgFree(vg, extents);
  if (freeErr) throw new CommandFailed(...freeErr);
  return { extents, bytes };
}

/** Allocate and commit the hidden journal LV `name` of `extents` in VG `vgName`. */
export function addJournalLv(ctx: Context, vgName: string, name: string, extents: number, what: string): { vg: VolumeGroup; lv: LogicalVolume } {
  const loaded = readVgForUpdate(ctx, vgName);
  let runs;
  try {
    runs = allocate({ vg: loaded.vg, policy: 'inherit', areaCount: 1, extents, logCount: 0, logLen: 0, lvName: name });
  } catch (e) {
    if (e instanceof AllocError) throw new CommandFailed(...e.lines);
    throw e;
  }
  const lv: LogicalVolume = {
    uuid: newUuid(), name, visible: false, writable: true, alloc: 'inherit', active: true,
    creationTime: ctx.now(), creationHost: ctx.host, tags: [], readAhead: 'auto', flags: [],
    segments: mergeSegments(segmentsFromRuns(runs.areas, 0, 0)),
  };
  loaded.vg.lvs.push(lv);
  commitVg(ctx, loaded, what);
  return { vg: loaded.vg, lv };
}

/** Take a journal LV away again (what followed its commit failed). */
export function dropJournalLv(ctx: Context, vgName: string, lvUuid: string, what: string): void {
  const again = readVgForUpdate(ctx, vgName);
  again.vg.lvs = again.vg.lvs.filter((l) => l.uuid !== lvUuid);
  commitVg(ctx, again, what);
}
