// Steps shared by vgcreate and vgextend (tools/toollib.c pvcreate_each_device, lib/metadata/
// metadata.c vg_extend_each_pv): check each device, initialise the ones that are not PVs yet,
// and size them in extents of the VG.
import type { Context } from './context.js';
import { CommandFailed, InvalidCommandLine } from './errors.js';
import { deviceExists, deviceSize, hasDuplicates, pvOnDevice, vgMetadataMissing, warnOrphansMarkedUsed } from './pv-tools.js';
import { FileDevice } from '../device/file-device.js';
import { initMdas, writePvLabel } from '../device/pv-label.js';
import { mdaFields, pvDataBytes, pvLayout, pvMdas, type PvLayout } from '../format-text/pv-layout.js';
import { clearMda } from '../format-text/mda-io.js';
import type { Args } from './args.js';
import { initWrittenMap } from '../device/written-map.js';
import type { PhysicalVolume, VolumeGroup } from '../model/types.js';
import { newUuid } from '../model/uuid.js';

/** The options of the pvcreate that pvcreate, vgcreate and vgextend run (pvcreate_params). */
export interface PvCreateParams {
  /** --metadatasize in sectors. */
  mdaSize?: number;
  /** --pvmetadatacopies (--metadatacopies) 0-2. */
  mdaCopies?: number;
  /** --metadataignore y. */
  ignore?: boolean;
  /** --dataalignment in bytes: mda0's end, pe_start, is rounded up to it. */
  alignment?: number;
  /** --dataalignmentoffset in bytes: pe_start moves on by it past the alignment. */
  alignmentOffset?: number;
}

/**
 * pvcreate_params_from_args: the options, with its checks of the alignment (exit 3); lvm.conf's
 * metadata/pvmetadatasize, pvmetadatacopies, pvmetadataignore and devices/data_alignment (KiB),
 * default_data_alignment (MiB) where an option is not given.
 */
export function pvCreateParams(ctx: Context, args: Args): PvCreateParams {
  const sectors = (name: string, what: string): number | undefined => {
    const v = args.size(name)?.sectors;
    if (v !== undefined && v > 0xffffffff) {
      throw new InvalidCommandLine(`Physical volume ${what} is too big.`, `Run \`${args.cmd} --help' for more information.`);
    }
    return v ? v * 512 : undefined;
  };
  const conf = ctx.config;
  const alignment = sectors('dataalignment', 'data alignment') || conf.num('devices/data_alignment', 0) * 1024
    || (conf.num('devices/default_data_alignment', 1) || 1) * 1024 * 1024;
  const alignmentOffset = sectors('dataalignmentoffset', 'data alignment offset');
  return {
    mdaSize: args.size('metadatasize')?.sectors || conf.num('metadata/pvmetadatasize', 0) || undefined,
    mdaCopies: args.int('pvmetadatacopies') ?? conf.num('metadata/pvmetadatacopies', 1),
    ignore: args.has('metadataignore') ? args.str('metadataignore') === 'y' : conf.bool('metadata/pvmetadataignore', false),
    alignment, alignmentOffset,
  };
}

/** The layout of a new PV on `dev`, or CommandFailed with LVM2's lines (pv_create failed). */
export function newPvLayout(dev: string, devSize: number, params: PvCreateParams): PvLayout {
  const layout = pvLayout(dev, devSize, { metadataSize: params.mdaSize, copies: params.mdaCopies, alignment: params.alignment,
    alignmentOffset: params.alignmentOffset });
  if ('errors' in layout) throw new CommandFailed(...layout.errors, `Failed to setup physical volume "${dev}".`);
  return layout;
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
    const created: PhysicalVolume = {
      uuid: newUuid(), name: dev.name, path: dev.path, devSize: deviceSize(dev), peStart: 0, peCount: 0,
      allocatable: true, missing: false, tags: [], vgName: null,
    };
    fresh.push(created);
    out.push(created);
  }
  // (pvcreate_each_device reads the orphans when it uses an existing orphan PV)
  if (out.some((p) => !fresh.includes(p))) warnOrphansMarkedUsed(ctx);
  // then makes the new PVs, stopping at the first that fails (must_use_all)
  for (const pv of fresh) {
    const layout = newPvLayout(pv.name, pv.devSize, params);
    Object.assign(pv, { peStart: layout.peStart, ...mdaFields(layout) },
      params.ignore && layout.mdas.length ? { mdaIgnored: (1 << layout.mdas.length) - 1 } : {});
  }
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
