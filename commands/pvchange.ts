// pvchange: PV attributes (tools/pvchange.c): allocatability, tags, a new UUID.
import type { CommandSpec } from '../src/cli/command-spec.js';
import { CommandFailed, ECMD_FAILED, InvalidCommandLine } from '../src/cli/errors.js';
import { noMatchingSyntaxLines } from '../src/cli/help.js';
import { deviceExists, pvOnDevice } from '../src/cli/pv-tools.js';
import { commitVg, readPvVgForUpdate, takeGlobalLock } from '../src/cli/toollib.js';
import type { PhysicalVolume } from '../src/model/types.js';

export const spec: CommandSpec = {
  name: 'pvchange',
  summary: 'Change attributes of physical volume(s)',
  usage: ['pvchange -a|--all', 'pvchange PV|Select ...'],
  options: ['all', 'allocatable', 'addtag', 'deltag', 'autobackup', 'force', 'select', 'reportformat', 'ignoreskippedcluster'],
  run(ctx, args) {
    const changes = ['allocatable', 'addtag', 'deltag'].filter((o) => args.has(o));
    if (!changes.length || (!args.positionals.length && !args.has('all'))) {
      throw new InvalidCommandLine(...noMatchingSyntaxLines('pvchange'));
    }
    takeGlobalLock(ctx);
    let changed = 0;
    let notChanged = 0;
    let rc = 0;
    const targets: Array<{ name: string; pv: PhysicalVolume | null; err?: string }> = [];
    if (args.has('all')) {
      for (const pv of ctx.store.allPvs()) targets.push({ name: pv.name, pv });
    } else {
      for (const arg of args.positionals) {
        const dev = ctx.device(arg);
        if (!deviceExists(dev)) targets.push({ name: dev.name, pv: null, err: `Cannot use ${dev.name}: device not found` });
        else {
          const pv = pvOnDevice(ctx, dev);
          targets.push(pv ? { name: dev.name, pv } : { name: dev.name, pv: null, err: `Failed to find physical volume "${dev.name}".` });
        }
      }
    }
    const notChangedMsgs: string[] = [];
    for (const t of targets) {
      if (!t.pv) {
        ctx.out.error(t.err!);
        rc = ECMD_FAILED;
        continue;
      }
      const alloc = args.str('allocatable');
      if (!t.pv.vgName) {
        if (alloc !== undefined) {
          notChangedMsgs.push(`Allocatability not supported by orphan lvm2 format PV ${t.name}`, `Physical volume ${t.name} not changed`);
          notChanged++;
          rc = ECMD_FAILED;
          continue;
        }
      }
      if (!t.pv.vgName) continue;
      let loaded;
      try {
        loaded = readPvVgForUpdate(ctx, t.pv.vgName, t.name);
      } catch (e) {
        if (!(e instanceof CommandFailed)) throw e;
        for (const l of e.lines) ctx.out.error(l);
        rc = ECMD_FAILED;
        continue;
      }
      const pv = loaded.vg.pvs.find((p) => p.uuid === t.pv!.uuid)!;
      if (alloc !== undefined) {
        const want = alloc === 'y';
        if (pv.allocatable === want) {
          ctx.out.error(`Physical volume "${t.name}" is already ${want ? 'allocatable' : 'unallocatable'}.`);
          ctx.out.print(`Physical volume ${t.name} not changed`);
          notChanged++;
          continue;
        }
        pv.allocatable = want;
      }
      for (const tag of args.all('addtag')) if (!pv.tags.includes(tag)) pv.tags.push(tag);
      for (const tag of args.all('deltag')) pv.tags = pv.tags.filter((x) => x !== tag);
      commitVg(ctx, loaded, `pvchange ${t.name}`);
      ctx.out.print(`Physical volume "${t.name}" changed`);
      changed++;
    }
    const s = (n: number) => (n === 1 ? 'physical volume' : 'physical volumes');
    ctx.out.print(`${changed} ${s(changed)} changed / ${notChanged} ${s(notChanged)} not changed`);
    for (const m of notChangedMsgs) ctx.out.error(m);
    return rc;
  },
};
