// The trailing PV arguments of lvcreate/lvextend/lvresize: "/dev/x", "/dev/x:0-9", "/dev/x:5",
// "/dev/x:3+2", "@tag" (LVM2 lib/metadata/pv_list.c create_pv_list, _parse_pes). Pure apart from
// resolving device names through the context.
import type { Context } from '../cli/context.js';
import { CommandFailed } from '../cli/errors.js';
import type { PvRangeLimit } from '../alloc/index.js';
import type { PhysicalVolume, VolumeGroup } from '../model/types.js';
import { pvAllocatedExtents, pvFreeRuns } from '../model/pv-map.js';

export interface PvList {
  /** For the allocator: one entry per PV, ranges inclusive (undefined = whole PV). */
  limits: PvRangeLimit[];
  pvs: PhysicalVolume[];
}

/** Parse ":a-b:c:d+n" (the part after the PV name) into inclusive ranges. */
export function parsePes(spec: string, size: number): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  let c = spec;
  const error = (): never => {
    throw new CommandFailed(`Physical extent parsing error at ${c}.`);
  };
  while (c.length) {
    if (c[0] !== ':') error();
    c = c.slice(1);
    if (c === '' || c[0] === ':') error();
    let start = 0;
    let end = size - 1;
    let m = /^[0-9]+/.exec(c);
    if (m) {
      start = Number(m[0]);
      c = c.slice(m[0].length);
      if (c === '' || c[0] === ':') end = start;
    }
    if (c[0] === '-') {
      c = c.slice(1);
      m = /^[0-9]+/.exec(c);
      if (m) {
        end = Number(m[0]);
        c = c.slice(m[0].length);
      }
    } else if (c[0] === '+') {
      c = c.slice(1);
      m = /^[0-9]+/.exec(c);
      if (m) {
        const len = Number(m[0]);
        end = start + (len ? len - 1 : 0);
        c = c.slice(m[0].length);
      }
    }
    if (c.length && c[0] !== ':') error();
    if (start > end || end > size - 1) {
      throw new CommandFailed(`PE range error: start extent ${start} to end extent ${end}.`);
    }
    ranges.push([start, end]);
  }
  return ranges;
}

/** find_pv_in_vg(): a PV of the VG named by a device argument. */
export function findPvArg(ctx: Context, vg: VolumeGroup, arg: string): PhysicalVolume | undefined {
  const dev = ctx.device(arg);
  return vg.pvs.find((pv) => pv.name === dev.name || pv.path === dev.path);
}

/**
 * create_pv_list(vg, args, allocatable_only=1): PVs that cannot take new extents are skipped
 * with LVM2's warnings; an empty result is an error.
 */
export function createPvList(ctx: Context, vg: VolumeGroup, args: string[]): PvList {
  const entries: Array<{ pv: PhysicalVolume; ranges: Array<[number, number]> | undefined }> = [];
  const add = (pv: PhysicalVolume, colon: string | undefined) => {
    if (!pv.allocatable) {
      ctx.out.warn(`WARNING: Physical volume ${pv.name} not allocatable.`);
      return;
    }
    if (pv.missing) {
      ctx.out.warn(`WARNING: Physical volume ${pv.name} is missing.`);
      return;
    }
    if (pvAllocatedExtents(vg, pv) >= pv.peCount) {
      ctx.out.warn(`WARNING: No free extents on physical volume "${pv.name}".`);
      return;
    }
    let e = entries.find((x) => x.pv.uuid === pv.uuid);
    if (!e) entries.push((e = { pv, ranges: [] }));
    const ranges = colon === undefined ? [[0, pv.peCount - 1] as [number, number]] : parsePes(colon, pv.peCount);
    e.ranges!.push(...ranges);
  };
  for (const arg of args) {
    if (arg.startsWith('@')) {
      const tag = arg.slice(1);
      for (const pv of vg.pvs) if (pv.tags.includes(tag)) add(pv, undefined);
      continue;
    }
    const colonAt = arg.indexOf(':');
    const name = colonAt >= 0 ? arg.slice(0, colonAt) : arg;
    const pv = findPvArg(ctx, vg, name);
    if (!pv) throw new CommandFailed(`Physical Volume "${name}" not found in Volume Group "${vg.name}".`);
    add(pv, colonAt >= 0 ? arg.slice(colonAt) : undefined);
  }
  if (!entries.length) throw new CommandFailed('No specified PVs have space available.');
  return {
    pvs: entries.map((e) => e.pv),
    limits: entries.map((e) => {
      const whole = e.ranges!.some(([s, end]) => s === 0 && end === e.pv.peCount - 1);
      return whole ? { pvUuid: e.pv.uuid } : { pvUuid: e.pv.uuid, ranges: e.ranges };
    }),
  };
}

/** pv_list_extents_free(): free extents inside the listed PVs' ranges. */
export function pvListFreeExtents(vg: VolumeGroup, list: PvList): number {
  let n = 0;
  list.limits.forEach((lim, i) => {
    const pv = list.pvs[i]!;
    for (const run of pvFreeRuns(vg, pv)) {
      if (!lim.ranges) {
        n += run.len;
        continue;
      }
      // count each free PE once even if ranges overlap
      for (let pe = run.start; pe < run.start + run.len; pe++) {
        if (lim.ranges.some(([s, e]) => pe >= s && pe <= e)) n++;
      }
    }
  });
  return n;
}
