// pvresize: follow an image that grew or shrank (tools/pvresize.c, lib/metadata/pv_manip.c
// pv_resize_single). Extents past the new end must be free.
import type { CommandSpec } from '../src/cli/command-spec.js';
import { CommandFailed, ECMD_FAILED, InvalidCommandLine } from '../src/cli/errors.js';
import { noMatchingSyntaxLines } from '../src/cli/help.js';
import { deviceExists, deviceSize, pvOnDevice } from '../src/cli/pv-tools.js';
import { commitVg, readPvVgForUpdate, takeGlobalLock } from '../src/cli/toollib.js';
import { displaySize } from '../src/model/units.js';
import { pvUsedRuns } from '../src/model/pv-map.js';
import { FileDevice } from '../src/device/file-device.js';
import { writePvLabel } from '../src/device/pv-label.js';
import { pvDataBytes, pvMdas, pvResized } from '../src/format-text/pv-layout.js';
import { initMdas } from '../src/device/pv-label.js';

/** pv_min_size(): 2 MiB. */
const PV_MIN_SIZE = 2 * 1024 * 1024;

export const spec: CommandSpec = {
  name: 'pvresize',
  summary: 'Resize physical volume(s)',
  usage: ['pvresize PV ...'],
  options: ['setphysicalvolumesize', 'reportformat'],
  run(ctx, args) {
    if (!args.positionals.length) {
      ctx.out.print('pvresize PV ...');
      ctx.out.raw('\n');
      throw new InvalidCommandLine(...noMatchingSyntaxLines('pvresize'), 'Correct command syntax is:');
    }
    takeGlobalLock(ctx);
    let done = 0;
    let notDone = 0;
    let rc = 0;
    const set = args.size('setphysicalvolumesize');
    for (const arg of args.positionals) {
      const dev = ctx.device(arg);
      try {
        if (!deviceExists(dev)) throw new CommandFailed(`Cannot use ${dev.name}: device not found`);
        const found = pvOnDevice(ctx, dev);
        if (!found) throw new CommandFailed(`Failed to find physical volume "${dev.name}".`);
        const real = deviceSize(dev);
        let size = real;
        if (set) {
          size = set.sectors * 512;
          if (size < real && !args.has('yes')) {
            const q = `${dev.name}: Requested size ${displaySize(set.sectors)} is less than real size ${displaySize(real / 512)}. Proceed?  [y/n]: `;
            if (!ctx.yesNo(q)) {
              notDone++;
              throw new CommandFailed(`Physical Volume ${dev.name} not resized.`);
            }
          }
          if (size !== real) ctx.out.warn(`WARNING: ${dev.name}: Pretending size is ${set.sectors} not ${real / 512} sectors.`);
        }
        // _pv_resize: the PV's own limits first
        const refuse = (line: string) => {
          notDone++;
          return new CommandFailed(line);
        };
        if (size < PV_MIN_SIZE) throw refuse(`Size must exceed minimum of ${PV_MIN_SIZE / 512} sectors on PV ${dev.name}.`);
        if (size < found.peStart * 512) throw refuse(`Size must exceed physical extent start of ${found.peStart} sectors on PV ${dev.name}.`);
        if (found.vgName) {
          const loaded = readPvVgForUpdate(ctx, found.vgName, dev.name);
          const vg = loaded.vg;
          const pv = vg.pvs.find((p) => p.uuid === found.uuid)!;
          const resized = pvResized(pv, size);
          const newCount = Math.floor(pvDataBytes({ ...pv, ...resized }) / (vg.extentSize * 512));
          if (!newCount) throw refuse(`Size must leave space for at least one physical extent of ${vg.extentSize} sectors on PV ${dev.name}.`);
          const lastUsed = pvUsedRuns(vg, pv).reduce((m, r) => Math.max(m, r.start + r.len), 0);
          if (newCount < lastUsed) {
            notDone++;
            throw new CommandFailed(`${dev.name}: cannot resize to ${newCount} extents as later ones are allocated.`);
          }
          Object.assign(pv, resized);
          pv.peCount = newCount;
          try {
            commitVg(ctx, loaded, `pvresize ${dev.name}`);
          } catch (e) {
            if (!(e instanceof CommandFailed)) throw e;
            notDone++;
            throw new CommandFailed(...e.lines, `Failed to store physical volume "${dev.name}" in volume group "${vg.name}"`);
          }
        } else {
          ctx.store.putOrphanPv({ ...found, ...pvResized(found, size) });
        }
        const d = new FileDevice(dev.path);
        try {
          const before = pvMdas(found);
          const after = pvMdas({ ...found, ...pvResized(found, size) });
          writePvLabel(d, { uuid: found.uuid, devSize: size }, found.peStart * 512, !!found.vgName, after);
          // an orphan's moved area starts empty (the commit wrote a VG member's)
          if (!found.vgName) initMdas(d, after.filter((a, i) => a.offset !== before[i]!.offset));
        } finally {
          d.close();
        }
        ctx.out.print(`Physical volume "${dev.name}" changed`);
        done++;
      } catch (e) {
        if (!(e instanceof CommandFailed)) throw e;
        for (const l of e.lines) ctx.out.error(l);
        rc = ECMD_FAILED;
      }
    }
    ctx.out.print(`${done} physical volume(s) resized or updated / ${notDone} physical volume(s) not resized`);
    return rc;
  },
};
