// vgimportclone's work (tools/vgimportclone.c): the VG as the named devices' metadata areas have
// it, checked to be whole and made of exactly those devices, given a new name, a new VG UUID and
// new PV UUIDs (written into the devices' labels), its LVs keeping theirs, then committed as a VG of its own. When the
// devices are the ones the database already has for that VG (not copies), that VG is replaced.
import type { Context } from '../cli/context.js';
import { CommandFailed } from '../cli/errors.js';
import { deviceExists } from '../cli/pv-tools.js';
import { takeGlobalLock } from '../cli/toollib.js';
import { FileDevice } from '../device/file-device.js';
import { writePvLabel } from '../device/pv-label.js';
import type { VolumeGroup } from '../model/types.js';
import { newUuid } from '../model/uuid.js';
import { vgLockName } from '../store/locks.js';
import { importVgText } from './import.js';
import { scanDevice, type ScannedPv } from './scan.js';
import { layoutOf } from './vg-scan.js';

export function importClone(ctx: Context, args: string[], baseName: string | undefined, importVg: boolean): void {
  takeGlobalLock(ctx);
  const devs: ScannedPv[] = [];
  for (const a of args) {
    const dev = ctx.device(a);
    if (!deviceExists(dev)) throw new CommandFailed(`Failed to find device ${dev.name}.`);
    const s = scanDevice(dev.name, dev.path);
    if (!s) throw new CommandFailed(`Failed to find PVID for device ${dev.name}.`);
    if (!devs.some((d) => d.path === s.path)) devs.push(s);
  }
  const copies = devs.flatMap((d) => d.mdas.filter((m) => typeof m.text === 'string' && m.vgUuid));
  const vgUuids = new Set(copies.map((m) => m.vgUuid));
  if (vgUuids.size > 1) throw new CommandFailed('Devices must be from the same VG.');
  if (!copies.length) throw new CommandFailed('No VG found on devices.');
  const newest = copies.reduce((a, b) => ((b.seqno ?? 0) > (a.seqno ?? 0) ? b : a));
  const byUuid = new Map(devs.map((d) => [d.header.uuid, d]));
  const vg = importVgText(newest.text as string, (uuid) => byUuid.get(uuid) ?? null).vg;
  const oldName = vg.name;
  const missing = vg.pvs.filter((pv) => !byUuid.has(pv.uuid));
  if (missing.length) {
    throw new CommandFailed(
      ...missing.flatMap((pv) => [`WARNING: Couldn't find device with uuid ${pv.uuid}.`,
        `WARNING: VG ${oldName} is missing PV ${pv.uuid} (last written to ${pv.name}).`]),
      `Cannot change VG ${oldName} while PVs are missing.`, 'See vgreduce --removemissing and vgextend --restoremissing.',
      `Failed to read VG ${oldName} from devices being imported.`,
    );
  }
  const failed = (...lines: string[]) => new CommandFailed(...lines, 'Failed to update VG on devices being imported.');
  if (vg.exported && !importVg) throw failed(`VG ${oldName} is exported, use the --import option.`);
  const extra = devs.find((d) => !vg.pvs.some((pv) => pv.uuid === d.header.uuid));
  if (extra) throw failed(`Device ${extra.name} was not found in VG ${oldName}.`, 'The devices to import must match the devices in the VG.');
  const name = newVgName(ctx, baseName, oldName);
  ctx.locks.lock(vgLockName(name));
  ctx.locks.lock(vgLockName(oldName));
  // the devices the database has for that very VG: the original is renamed, not copied
  const known = ctx.store.loadVgForUpdate(oldName);
  const original = known && known.vg.uuid === vg.uuid
    && known.vg.pvs.every((pv) => devs.some((d) => d.path === pv.path && d.header.uuid === pv.uuid)) ? known : null;
  // LVM2 keeps each LV's own id (the LV part of its lvid): a VG renamed keeps its LVs' keys, an
  // LV of a copy beside its original shows the original's UUID under a key of its own
  ctx.store.keyImportedLvs(vg, original?.vg.uuid ?? null);
  if (original) ctx.store.removeVg(original, `vgimportclone ${oldName}`);
  for (const pv of vg.pvs) Object.assign(pv, layoutOf(byUuid.get(pv.uuid)!));
  giveNewIds(vg, name, importVg, byUuid);
  ctx.store.transaction(() => {
    for (const old of original?.vg.pvs ?? []) ctx.store.deletePv(old.uuid);
    // vg_write: the next seqno of the metadata read
    ctx.store.commitVg(null, vg, `vgimportclone ${oldName} ${name}`, [], vg.seqno + 1);
  });
  ctx.store.recordLvKeys(vg);
}

/** -n NAME, or the old name with a number: the first of NAME, NAME1, NAME2 ... (OLD1, OLD2 ...) no VG has. */
function newVgName(ctx: Context, base: string | undefined, old: string): string {
  const taken = new Set(ctx.store.vgNames());
  let n = base === undefined ? 1 : 0;
  const root = base ?? old;
  const at = (i: number) => (i ? `${root}${i}` : root);
  while (taken.has(at(n))) n++;
  return at(n);
}

/** New VG and PV UUIDs (the PVs' labels rewritten with theirs), the new name, imported if asked. */
function giveNewIds(vg: VolumeGroup, name: string, importVg: boolean, scanned: Map<string, ScannedPv>): void {
  vg.uuid = newUuid();
  vg.name = name;
  vg.systemId = '';
  if (importVg) vg.exported = false;
  let lvs = JSON.stringify(vg.lvs);
  for (const pv of vg.pvs) {
    const { mdas } = scanned.get(pv.uuid)!.header;
    const old = pv.uuid;
    pv.uuid = newUuid();
    // the LVs' segments name their PVs by UUID
    lvs = lvs.replaceAll(`"${old}"`, `"${pv.uuid}"`);
    pv.vgName = name;
    const dev = new FileDevice(pv.path);
    try {
      writePvLabel(dev, { uuid: pv.uuid, devSize: pv.devSize }, pv.peStart * 512, true, mdas);
    } finally {
      dev.close();
    }
  }
  vg.lvs = JSON.parse(lvs) as VolumeGroup['lvs'];
}
