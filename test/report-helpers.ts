// In-memory VGs and an in-process runner for the report commands, so report tests need neither
// the allocator nor the other commands. fixtureVgs() rebuilds the layout of fixtures/golden/06-reports.
import { NO_SCAN } from '../src/format-text/label-scan.js';
import { readFileSync } from 'node:fs';
import { Args } from '../src/cli/args.js';
import { getopt } from '../src/cli/getopt.js';
import { commandOptions } from '../src/cli/options.js';
import { refuseUnsupported } from '../src/cli/unsupported.js';
import { Config } from '../src/model/config.js';
import type { LogicalVolume, LvSegment, PhysicalVolume, VolumeGroup } from '../src/model/types.js';
import { resolveDevice } from '../src/device/resolve.js';

const GiB = 1024 ** 3;

export function pv(name: string, peCount: number, devSize = 20 * GiB, vgName: string | null = null): PhysicalVolume {
  return {
    uuid: `uuid-${name}`, name, path: `/img${name}`, devSize, peStart: 2048, peCount, allocatable: !!vgName,
    missing: false, tags: [], vgName,
  };
}

export function linear(startLe: number, extents: number, pvUuid: string, pe: number): LvSegment {
  return { startLe, extentCount: extents, type: 'striped', stripeSize: 0, regionSize: 0, mirrorLog: null, areas: [{ kind: 'pv', pvUuid, pe }] };
}

export function lv(name: string, segments: LvSegment[], extra: Partial<LogicalVolume> = {}): LogicalVolume {
  return {
    uuid: `uuid-${name}`, name, visible: true, writable: true, alloc: 'inherit', active: false, creationTime: 0,
    creationHost: 'host', tags: [], readAhead: 'auto', flags: [], segments, ...extra,
  };
}

export function vg(name: string, extentSize: number, pvs: PhysicalVolume[], lvs: LogicalVolume[], seqno = 1): VolumeGroup {
  for (const p of pvs) {
    p.vgName = name;
    p.allocatable = true;
  }
  return {
    uuid: `uuid-${name}`, name, extentSize, seqno, alloc: 'normal', maxLv: 0, maxPv: 0, resizeable: true, exported: false,
    tags: [], systemId: '', creationTime: 0, creationHost: 'host', pvs, lvs,
  };
}

/** The VGs of fixtures/golden/06-reports (loop0..2 of 20 GiB; vg with 4 MiB extents, small with 1 MiB). */
export function fixtureVgs(): VolumeGroup[] {
  const l0 = pv('/dev/loop0', 5119);
  const l1 = pv('/dev/loop1', 5119);
  const l2 = pv('/dev/loop2', 20479);
  const striped: LvSegment = {
    startLe: 0, extentCount: 16, type: 'striped', stripeSize: 128, regionSize: 0, mirrorLog: null,
    areas: [{ kind: 'pv', pvUuid: l0.uuid, pe: 3841 }, { kind: 'pv', pvUuid: l1.uuid, pe: 0 }],
  };
  const main = vg('vg', 8192, [l0, l1], [
    lv('alpha', [linear(0, 256, l0.uuid, 0)]),
    lv('beta', [linear(0, 25, l0.uuid, 256)]),
    lv('gamma', [linear(0, 1000, l0.uuid, 281)]),
    lv('delta', [linear(0, 2560, l0.uuid, 1281)]),
    lv('striped', [striped]),
  ], 6);
  const small = vg('small', 2048, [l2], [lv('tiny', [linear(0, 3, l2.uuid, 0)]), lv('odd', [linear(0, 1537, l2.uuid, 3)])], 3);
  return [main, small];
}

export interface RunResult {
  out: string[];
  err: string[];
  code: number;
}

/** Run lvs/pvs/vgs in-process over the given VGs and orphans. */
export async function runReportCmd(argv: string[], vgs: VolumeGroup[], orphans: PhysicalVolume[] = [], conf = ''): Promise<RunResult> {
  const [cmd, ...rest] = argv as [string, ...string[]];
  const mod = (await import(`../commands/${cmd}.ts`)) as typeof import('../commands/lvs.js');
  const spec = mod.spec;
  const out: string[] = [];
  const err: string[] = [];
  const config = new Config();
  if (conf) config.merge(conf);
  const sorted = [...vgs].sort((a, b) => (a.name < b.name ? -1 : 1));
  const store = {
    loadAllVgs: () => sorted,
    loadVg: (n: string) => {
      const v = sorted.find((x) => x.name === n);
      return v ? { vg: v, readSeqno: v.seqno, snapshot: '' } : null;
    },
    orphanPvs: () => orphans,
    allPvs: () => [...sorted.flatMap((v) => v.pvs), ...orphans],
  };
  const ctx = {
    cmd,
    env: {},
    config,
    out: {
      print: (l: string) => out.push('  ' + l), error: (l: string) => err.push('  ' + l), warn: (l: string) => err.push('  ' + l),
      raw: (t: string) => out.push(t),
    },
    store,
    reader: store,
    device: (a: string) => resolveDevice(a, '/devdir'),
    // in-memory VGs have no images: no devices to scan for duplicates, and a PV is present unless the test says it is missing
    labelScan: NO_SCAN,
    pvImagePresent: (pv: PhysicalVolume) => !pv.missing,
  };
  try {
    const args = new Args(cmd, getopt(cmd, rest, commandOptions(cmd)));
    refuseUnsupported(spec, args);
    const code = await spec.run(ctx as never, args);
    return { out, err, code };
  } catch (e) {
    const le = e as { lines?: string[]; exitCode?: number };
    if (!le.lines) throw e;
    return { out, err: [...err, ...le.lines.map((l) => '  ' + l)], code: le.exitCode! };
  }
}

export interface GoldenStep {
  cmd: string;
  out: string[];
  err: string[];
  code: number;
}

/** Steps of a recorded transcript: "$ cmd", "1| out", "2| err", "[exit N]". */
export function goldenSteps(file: string): GoldenStep[] {
  const steps: GoldenStep[] = [];
  let cur: GoldenStep | null = null;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.startsWith('$ ')) steps.push((cur = { cmd: line.slice(2), out: [], err: [], code: 0 }));
    else if (cur && line.startsWith('1| ')) cur.out.push(line.slice(3));
    else if (cur && line.startsWith('2| ')) cur.err.push(line.slice(3));
    else if (cur && line.startsWith('[exit ')) cur.code = Number(line.slice(6, -1));
  }
  return steps;
}

/** Shell-like split of a recorded command line (quotes only). */
export function splitArgs(cmd: string): string[] {
  const out: string[] = [];
  const re = /'([^']*)'|"([^"]*)"|(\S+)/g;
  for (const m of cmd.matchAll(re)) out.push(m[1] ?? m[2] ?? m[3]!);
  return out;
}
