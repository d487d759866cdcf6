// Builders for allocator tests: VolumeGroup objects written down from oracle transcripts, and a
// formatter that prints an allocation the way `lvs --segments -o seg_pe_ranges` does.
import type { LogicalVolume, LvSegment, PhysicalVolume, VolumeGroup } from '../src/model/types.js';
import type { AllocatedRun, AllocResult } from '../src/alloc/index.js';

/** [pvName, firstPe, length]. */
export type Run = [string, number, number];

export function uuidOf(name: string): string {
  return `uuid-${name.replace('/dev/', '')}`;
}

function makePv(name: string, peCount: number): PhysicalVolume {
  return {
    uuid: uuidOf(name), name, path: `/tmp/${name}`, devSize: (peCount + 1) * 4 * 1024 * 1024, peStart: 2048,
    peCount, allocatable: true, missing: false, tags: [], vgName: 'vg',
  };
}

/** A VG whose PVs are, in metadata order, `names`, each with `peCount` extents (24 = 100 MiB disk). */
export function makeVg(names: string[], peCount = 24, name = 'vg'): VolumeGroup {
  return {
    uuid: `uuid-${name}`, name, extentSize: 8192, seqno: 1, alloc: 'normal', maxLv: 0, maxPv: 0,
    resizeable: true, exported: false, tags: [], systemId: '', creationTime: 0, creationHost: 'test',
    pvs: names.map((n) => makePv(n, peCount)), lvs: [],
  };
}

function makeLv(name: string, segments: LvSegment[], visible = true): LogicalVolume {
  return {
    uuid: `uuid-lv-${name}`, name, visible, writable: true, alloc: 'inherit', active: false, creationTime: 0,
    creationHost: 'test', tags: [], readAhead: 'auto', flags: [], segments,
  };
}

function linearSegs(runs: Run[]): LvSegment[] {
  let le = 0;
  return runs.map(([pv, pe, len]) => {
    const seg: LvSegment = {
      startLe: le, extentCount: len, type: 'striped', stripeSize: 0, regionSize: 0, mirrorLog: null,
      areas: [{ kind: 'pv', pvUuid: uuidOf(pv), pe }],
    };
    le += len;
    return seg;
  });
}

/** A linear LV: one segment per run, in LE order. */
export function addLinear(vg: VolumeGroup, name: string, runs: Run[], visible = true): LogicalVolume {
  const lv = makeLv(name, linearSegs(runs), visible);
  vg.lvs.push(lv);
  return lv;
}

/** A striped LV of one segment: one [pv, pe] per stripe, each `areaLen` long. */
export function addStriped(vg: VolumeGroup, name: string, stripes: Array<[string, number]>, areaLen: number): LogicalVolume {
  const lv = makeLv(name, [{
    startLe: 0, extentCount: areaLen * stripes.length, type: 'striped', stripeSize: 128, regionSize: 0,
    mirrorLog: null, areas: stripes.map(([pv, pe]) => ({ kind: 'pv' as const, pvUuid: uuidOf(pv), pe })),
  }]);
  vg.lvs.push(lv);
  return lv;
}

/** A mirror LV over NAME_mimage_N images (each a list of runs) with an optional disk log. */
export function addMirror(vg: VolumeGroup, name: string, images: Run[][], log?: Run): LogicalVolume {
  const extents = images[0]!.reduce((n, r) => n + r[2], 0);
  const logName = log ? `${name}_mlog` : null;
  const lv = makeLv(name, [{
    startLe: 0, extentCount: extents, type: 'mirror', stripeSize: 0, regionSize: 4096, mirrorLog: logName,
    areas: images.map((_, i) => ({ kind: 'lv' as const, lvName: `${name}_mimage_${i}`, le: 0 })),
  }]);
  vg.lvs.push(lv);
  images.forEach((runs, i) => addLinear(vg, `${name}_mimage_${i}`, runs, false));
  if (log) addLinear(vg, logName!, [log], false);
  return lv;
}

export function lv(vg: VolumeGroup, name: string): LogicalVolume {
  const found = vg.lvs.find((l) => l.name === name);
  if (!found) throw new Error(`no LV ${name}`);
  return found;
}

export function pvUuids(...names: string[]): string[] {
  return names.map(uuidOf);
}

/** "/dev/loop1:0-9 /dev/loop2:3-6" for one area, as seg_pe_ranges prints consecutive segments. */
export function ranges(runs: AllocatedRun[]): string {
  return runs.map((r) => `/dev/${r.pvUuid.replace('uuid-', '')}:${r.pe}-${r.pe + r.len - 1}`).join(' ');
}

/** { areas: [...], logs: [...] } as range strings. */
export function placed(res: AllocResult): { areas: string[]; logs: string[] } {
  return { areas: res.areas.map(ranges), logs: res.logs.map(ranges) };
}

/** The AllocError lines thrown by fn (or fails). */
export function errorLines(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    if (e && typeof e === 'object' && 'lines' in e) return (e as { lines: string[] }).lines;
    throw e;
  }
  throw new Error('expected an AllocError');
}
