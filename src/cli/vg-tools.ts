// Steps shared by vgcreate and vgextend (tools/toollib.c pvcreate_each_device, lib/metadata/
// metadata.c vg_extend_each_pv): check each device, initialise the ones that are not PVs yet,
// and size them in extents of the VG.
import type { Context } from './context.js';
import { CommandFailed } from './errors.js';
import { deviceExists, deviceSize, hasDuplicates, pvOnDevice, vgMetadataMissing, warnOrphansMarkedUsed } from './pv-tools.js';
import { FileDevice } from '../device/file-device.js';
import { initMdas, writePvLabel } from '../device/pv-label.js';
import { mdaFields, pvDataBytes, pvLayout, pvMdas } from '../format-text/pv-layout.js';
import { clearMda } from '../format-text/mda-io.js';
import type { Args } from './args.js';
import { initWrittenMap } from '../device/written-map.js';
import type { PhysicalVolume, VolumeGroup } from '../model/types.js';
import { newUuid } from '../model/uuid.js';

/** --dataalignment in bytes (pvcreate_params: pe_start is rounded up to it), undefined without it. */
export function alignmentArg(args: Args): number | undefined {
  const a = args.size('dataalignment')?.sectors;
  return a ? a * 512 : undefined;
}

/** What vgcreate and vgextend pass to the pvcreate of a device that is not a PV yet (pvcreate_params). */
export interface PvCreateParams {
  /** --metadatasize in sectors. */
  mdaSize?: number;
  /** --pvmetadatacopies (--metadatacopies) 0-2. */
  mdaCopies?: number;
  /** --metadataignore y. */
  ignore?: boolean;
  /** --dataalignment in bytes. */
  alignment?: number;
}

export function pvCreateParams(args: Args): PvCreateParams {
  return { mdaSize: args.size('metadatasize')?.sectors, mdaCopies: args.int('pvmetadatacopies'), ignore: args.str('metadataignore') === 'y',
    alignment: alignmentArg(args) };
}

/**
 * Resolve device arguments to PVs that can join `vgName`: orphan PVs, or plain devices that get
 * a PV label first, made with `params` (LVM2 prints "Physical volume ... successfully created."
 * for those). Fails with LVM2's lines for devices that are missing or already in a VG. Nothing is
 * written until every device has been checked.
 */
export function pvsForVg(ctx: Context, args: string[], params: PvCreateParams = {}): PhysicalVolume[] {
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
    const layout = pvLayout(devSize, params.mdaSize, params.mdaCopies, params.alignment);
    const created: PhysicalVolume = {
      uuid: newUuid(), name: dev.name, path: dev.path, devSize, peStart: layout.peStart, peCount: 0,
      allocatable: true, missing: false, tags: [], vgName: null, ...mdaFields(layout),
      ...(params.ignore && layout.mdas.length ? { mdaIgnored: (1 << layout.mdas.length) - 1 } : {}),
    };
    fresh.push(created);
    out.push(created);
  }
  // (pvcreate_each_device reads the orphans when it uses an existing orphan PV)
  if (out.some((p) => !fresh.includes(p))) warnOrphansMarkedUsed(ctx);
  for (const pv of fresh) {
    const d = new FileDevice(pv.path);
    try {
      const mdas = pvMdas(pv);
      writePvLabel(d, { uuid: pv.uuid, devSize: pv.devSize }, pv.peStart * 512, false, mdas);
      initMdas(d, mdas);
      if (params.ignore) for (const m of mdas) clearMda(d, m, true);
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
