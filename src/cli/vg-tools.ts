// Steps shared by vgcreate and vgextend (tools/toollib.c pvcreate_each_device, lib/metadata/
// metadata.c vg_extend_each_pv): check each device, initialise the ones that are not PVs yet,
// and size them in extents of the VG.
import type { Context } from './context.js';
import { CommandFailed } from './errors.js';
import { deviceExists, deviceSize, hasDuplicates, pvOnDevice, vgMetadataMissing } from './pv-tools.js';
import { FileDevice } from '../device/file-device.js';
import { initMdas, writePvLabel } from '../device/pv-label.js';
import { pvDataBytes, pvLayout } from '../format-text/pv-layout.js';
import { initWrittenMap } from '../device/written-map.js';
import type { PhysicalVolume, VolumeGroup } from '../model/types.js';
import { newUuid } from '../model/uuid.js';

/**
 * Resolve device arguments to PVs that can join `vgName`: orphan PVs, or plain devices that get
 * a PV label first (LVM2 prints "Physical volume ... successfully created." for those).
 * Fails with LVM2's lines for devices that are missing or already in a VG. Nothing is written
 * until every device has been checked.
 */
export function pvsForVg(ctx: Context, args: string[]): PhysicalVolume[] {
  const out: PhysicalVolume[] = [];
  const fresh: PhysicalVolume[] = [];
  for (const arg of args) {
    const dev = ctx.device(arg);
    if (!deviceExists(dev)) throw new CommandFailed(`No device found for ${dev.name}.`);
    if (hasDuplicates(ctx, dev)) throw new CommandFailed(`Cannot use device ${dev.name} with duplicates.`);
    const pv = pvOnDevice(ctx, dev);
    if (pv?.vgName && vgMetadataMissing(ctx, pv.vgName)) {
      throw new CommandFailed(`PV ${dev.name} is used by a VG but its metadata is missing.`, `Can't initialize PV '${dev.name}' without -ff.`,
        `${dev.name}: physical volume not initialized.`);
    }
    if (pv?.vgName) {
      throw new CommandFailed(
        `Physical volume '${dev.name}' is already in volume group '${pv.vgName}'`,
        `Unable to add physical volume '${dev.name}' to volume group '${pv.vgName}'`,
        `${dev.name}: physical volume not initialized.`,
      );
    }
    if (out.some((p) => p.path === dev.path)) continue;
    if (pv) {
      out.push(pv);
      continue;
    }
    const devSize = deviceSize(dev);
    const created: PhysicalVolume = {
      uuid: newUuid(), name: dev.name, path: dev.path, devSize, peStart: pvLayout(devSize).peStart, peCount: 0,
      allocatable: true, missing: false, tags: [], vgName: null,
    };
    fresh.push(created);
    out.push(created);
  }
  for (const pv of fresh) {
    const d = new FileDevice(pv.path);
    try {
      const { mdas } = pvLayout(pv.devSize);
      writePvLabel(d, { uuid: pv.uuid, devSize: pv.devSize }, pv.peStart * 512, false, mdas);
      initMdas(d, mdas);
    } finally {
      d.close();
    }
    ctx.store.putOrphanPv(pv);
    initWrittenMap(ctx.systemDir, pv.uuid, pv.path, pv.devSize);
    ctx.out.print(`Physical volume "${pv.name}" successfully created.`);
  }
  return out;
}

/** Give a PV its place in a VG: extents counted from pe_start (pv_setup / pe_count). */
export function joinVg(vg: VolumeGroup, pv: PhysicalVolume): void {
  const usable = pvDataBytes(pv);
  pv.peCount = Math.max(0, Math.floor(usable / (vg.extentSize * 512)));
  pv.allocatable = true;
  pv.vgName = vg.name;
  vg.pvs.push(pv);
}
