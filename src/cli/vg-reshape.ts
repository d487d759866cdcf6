// Reading and writing the two VGs of vgsplit and vgmerge (tools/vgsplit.c, tools/vgmerge.c): both
// VG locks (in name order, after the global lock), LVM2's messages when one cannot be read, and one
// transaction that writes the source (or drops it once it has no PV left) and then the target, as
// LVM2 writes the target last.
import type { Context } from './context.js';
import { CommandFailed } from './errors.js';
import { readVgForUpdate } from './toollib.js';
import { vgLockName } from '../store/locks.js';
import type { LoadedVg } from '../store/metadata-store.js';
import type { VolumeGroup } from '../model/types.js';

/** Read a VG for update; a failure's lines without process_each's "Cannot process" line, plus `more`. */
export function readVgOrFail(ctx: Context, name: string, ...more: string[]): LoadedVg {
  try {
    return readVgForUpdate(ctx, name);
  } catch (e) {
    if (!(e instanceof CommandFailed)) throw e;
    throw new CommandFailed(...e.lines.filter((l) => !l.startsWith('Cannot process volume group')), ...more);
  }
}

/** Lock both names; the target VG if it exists (`checkNew` runs when it does not), then the source. */
export function readVgsForReshape(ctx: Context, fromName: string, toName: string, checkNew: () => void):
  { from: LoadedVg; to: LoadedVg | null; existing: boolean } {
  for (const n of [fromName, toName].sort()) ctx.locks.lock(vgLockName(n));
  const existing = ctx.store.vgNames().includes(toName);
  if (!existing) checkNew();
  const to = existing ? readVgOrFail(ctx, toName, `Failed to read VG ${toName}.`) : null;
  // (LVM2 names the target VG here too)
  const from = readVgOrFail(ctx, fromName, `Failed to read VG ${toName}.`);
  return { from, to, existing };
}

/**
 * Commit a reshape: the source VG as it is left (removed if it has no PV left, its PVs now in
 * the target), then the target, which vgsplit writes twice, first as exported (`exportedFirst`).
 */
export function writeReshaped(ctx: Context, from: LoadedVg, to: LoadedVg | null, vgTo: VolumeGroup, description: string,
  exportedFirst = true): void {
  ctx.store.transaction(() => {
    if (from.vg.pvs.length) ctx.store.commitVg(from, from.vg, description);
    else ctx.store.removeVg(from, description);
    if (!exportedFirst) {
      ctx.store.commitVg(to, vgTo, description);
      return;
    }
    const exported = vgTo.exported;
    vgTo.exported = true;
    ctx.store.commitVg(to, vgTo, description);
    const again = ctx.store.loadVg(vgTo.name)!;
    again.vg.exported = exported;
    ctx.store.commitVg(again, again.vg, description);
  });
}
