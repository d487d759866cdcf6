// pvcreate: initialise image files as PVs (tools/pvcreate.c, lib/metadata/pv_manip.c).
import type { CommandSpec } from '../src/cli/command-spec.js';
import { CommandFailed, InvalidCommandLine, ECMD_FAILED } from '../src/cli/errors.js';
import { noMatchingSyntaxLines } from '../src/cli/help.js';
import { deviceExists, deviceSize, hasDuplicates, pvOnDevice, vgMetadataMissing } from '../src/cli/pv-tools.js';
import { takeGlobalLock } from '../src/cli/toollib.js';
import { FileDevice } from '../src/device/file-device.js';
import { initMdas, writePvLabel } from '../src/device/pv-label.js';
import { mdaFields } from '../src/format-text/pv-layout.js';
import { newPvLayout, pvCreateParams } from '../src/cli/vg-tools.js';
import { clearMda } from '../src/format-text/mda-io.js';
import { findSignatures, wipeSignature } from '../src/device/signatures.js';
import { initWrittenMap } from '../src/device/written-map.js';
import { newUuid } from '../src/model/uuid.js';

export const spec: CommandSpec = {
  name: 'pvcreate',
  summary: 'Initialize physical volume(s) for use by LVM',
  usage: ['pvcreate PV ...'],
  options: ['force', 'metadatatype', 'uuid', 'zero', 'dataalignment', 'dataalignmentoffset', 'setphysicalvolumesize', 'pvmetadatacopies', 'metadatasize', 'metadataignore', 'norestorefile', 'reportformat'],
  run(ctx, args) {
    if (!args.positionals.length) {
      ctx.out.print('pvcreate PV ...');
      ctx.out.raw('\n');
      throw new InvalidCommandLine(...noMatchingSyntaxLines('pvcreate'), 'Correct command syntax is:');
    }
    // _pvcreate_restore_params_from_args (tsvm takes no --restorefile: a given UUID needs --norestorefile)
    const givenUuid = args.str('uuid');
    if (givenUuid !== undefined) {
      if (!args.has('norestorefile') && ctx.config.bool('devices/require_restorefile_with_uuid', true)) {
        throw new InvalidCommandLine('--restorefile is required with --uuid', "Run `pvcreate --help' for more information.");
      }
      if (args.positionals.length !== 1) {
        throw new InvalidCommandLine('Can only set uuid on one volume at once', "Run `pvcreate --help' for more information.");
      }
    }
    const params = pvCreateParams(ctx, args);
    const ignore = !!params.ignore;
    takeGlobalLock(ctx);
    let rc = 0;
    const force = args.count('force');
    const setSize = args.size('setphysicalvolumesize');
    for (const arg of args.positionals) {
      const dev = ctx.device(arg);
      try {
        if (!deviceExists(dev)) throw new CommandFailed(`No device found for ${dev.name}.`);
        if (hasDuplicates(ctx, dev)) throw new CommandFailed(`Cannot use device ${dev.name} with duplicates.`);
        const existing = pvOnDevice(ctx, dev);
        const unknownVg = !!existing?.vgName && vgMetadataMissing(ctx, existing.vgName);
        if (unknownVg && force < 2) {
          throw new CommandFailed(`PV ${dev.name} is used by a VG but its metadata is missing.`, `Can't initialize PV '${dev.name}' without -ff.`,
            `${dev.name}: physical volume not initialized.`);
        }
        if (existing?.vgName && force < 2) {
          throw new CommandFailed(
            `Can't initialize physical volume "${dev.name}" of volume group "${existing.vgName}" without -ff`,
            `${dev.name}: physical volume not initialized.`,
          );
        }
        if (existing?.vgName && !args.has('yes')) {
          if (!ctx.yesNo(`Really INITIALIZE physical volume "${dev.name}" of volume group "${unknownVg ? '<unknown>' : existing.vgName}" [y/n]? `)) {
            throw new CommandFailed(`${dev.name}: physical volume not initialized.`);
          }
        }
        const realSize = deviceSize(dev);
        const devSize = setSize ? setSize.sectors * 512 : realSize;
        const image = new FileDevice(dev.path);
        try {
          if (!existing) {
            for (const sig of findSignatures(image)) {
              const q = `WARNING: ${sig.type} signature detected on ${dev.name} at offset ${sig.offset}. Wipe it? [y/n]: `;
              if (args.has('yes') || ctx.yesNo(q)) {
                wipeSignature(image, sig);
                ctx.out.print(`Wiping ${sig.type} signature on ${dev.name}.`);
              } else {
                throw new CommandFailed(`Aborted wiping of ${sig.type}.`, '1 existing signature left on the device.',
                  `Aborting pvcreate on ${dev.name}.`);
              }
            }
          }
          if (devSize < 2 * 1024 * 1024) {
            throw new CommandFailed(`Cannot use ${dev.name}: device is too small (pv_min_size is 2.00 MiB).`);
          }
          const uuid = givenUuid !== undefined && /^[A-Za-z0-9!#]{6}(-[A-Za-z0-9!#]{4}){5}-[A-Za-z0-9!#]{6}$/.test(givenUuid) ? givenUuid : newUuid();
          const layout = newPvLayout(dev.name, devSize, params);
          ctx.store.transaction(() => {
            // A re-initialised orphan loses its old identity; a VG member (-ff) stays in its VG as missing.
            if (existing && !existing.vgName) ctx.store.deletePv(existing.uuid);
            ctx.store.putOrphanPv({
              uuid, name: dev.name, path: dev.path, devSize, peStart: layout.peStart, peCount: 0,
              allocatable: false, missing: false, tags: [], vgName: null, ...mdaFields(layout),
              ...(ignore && layout.mdas.length ? { mdaIgnored: (1 << layout.mdas.length) - 1 } : {}),
            });
            writePvLabel(image, { uuid, devSize }, layout.peStart * 512, false, layout.mdas);
            initMdas(image, layout.mdas);
            if (ignore) for (const m of layout.mdas) clearMda(image, m, true);
          });
          initWrittenMap(ctx.systemDir, uuid, dev.path, devSize);
        } finally {
          image.close();
        }
        ctx.out.print(`Physical volume "${dev.name}" successfully created.`);
      } catch (e) {
        if (!(e instanceof CommandFailed)) throw e;
        for (const l of e.lines) ctx.out.error(l);
        rc = ECMD_FAILED;
      }
    }
    return rc;
  },
};
