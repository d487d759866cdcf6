// vgcfgrestore's work (lib/format_text/archiver.c backup_restore_from_file, tools/vgcfgrestore.c):
// read a VG from a backup or archive file (tsvm's or LVM2's), find each of its PVs on a device by
// UUID, refuse when one is missing, and commit it as the VG's next version (which the store's
// commit writer puts on every PV's metadata area).
import { existsSync, readFileSync } from 'node:fs';
import type { Context } from '../cli/context.js';
import { CommandFailed } from '../cli/errors.js';
import type { VolumeGroup } from '../model/types.js';
import { ConfigParseError } from './config-text.js';
import { importVgText, MetadataImportError } from './import.js';
import { scanDevice, type ScannedPv } from './scan.js';
import { devicesToScan, layoutOf } from './vg-scan.js';

function readFailed(file: string, vgName: string, why: string[]): CommandFailed {
  return new CommandFailed(...why, 'WARNING: couldn\'t read volume group metadata from file.', `Failed to read VG ${vgName} from ${file}`,
    'Restore failed.');
}

/** The VG of the file, its PVs located on the devices that carry their labels now. */
export function readRestoreFile(ctx: Context, file: string, vgName: string): VolumeGroup {
  if (!existsSync(file)) throw readFailed(file, vgName, [`${file}: stat failed: No such file or directory`]);
  const where = new Map<string, { name: string; path: string; devSize: number; scanned: ScannedPv }>();
  for (const d of devicesToScan(ctx, [])) {
    const s = scanDevice(d.name, d.path);
    if (s && !where.has(s.header.uuid)) where.set(s.header.uuid, { name: d.name, path: d.path, devSize: s.header.devSize, scanned: s });
  }
  let vg: VolumeGroup;
  try {
    vg = importVgText(readFileSync(file, 'utf8'), (uuid) => where.get(uuid) ?? null).vg;
  } catch (e) {
    if (!(e instanceof MetadataImportError || e instanceof ConfigParseError)) throw e;
    throw readFailed(file, vgName, [e.message]);
  }
  if (vg.name !== vgName) throw new CommandFailed(`'${file}' does not contain volume group '${vgName}'.`, 'Restore failed.');
  const missing = vg.pvs.filter((pv) => pv.absent);
  if (missing.length) {
    for (const pv of missing) ctx.out.warn(`WARNING: Couldn't find device with uuid ${pv.uuid}.`);
    throw new CommandFailed(`Cannot restore Volume Group ${vg.name} with ${missing.length} PVs marked as missing.`, 'Restore failed.');
  }
  for (const pv of vg.pvs) {
    const dev = where.get(pv.uuid)!;
    // the metadata areas stay where the PV's label has them
    Object.assign(pv, layoutOf(dev.scanned, pv.peStart));
    const end = pv.peStart * 512 + pv.peCount * vg.extentSize * 512;
    if (end > dev.devSize) {
      throw new CommandFailed(`Physical volume ${dev.name} is too small for the ${pv.peCount} extents of the file (${end} > ${dev.devSize} bytes).`,
        'Restore failed.');
    }
  }
  return vg;
}
