// Temporary PV images and hand-built VGs for LV I/O, dd and fault tests (aux prepare_pvs /
// prepare_vg in spirit), independent of the allocator and the lvcreate command.
import { mkdirSync, mkdtempSync, openSync, closeSync, readSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { LogicalVolume, LvSegment, PhysicalVolume, SegmentArea, VolumeGroup } from '../src/model/types.js';

export const MiB = 1024 * 1024;

export interface Lab {
  dir: string;
  systemDir: string;
  devDir: string;
  cleanup(): void;
}

export function makeLab(): Lab {
  const dir = mkdtempSync(join(tmpdir(), 'tsvm-lvio-'));
  const systemDir = join(dir, 'sys');
  const devDir = join(dir, 'dev');
  mkdirSync(systemDir, { recursive: true });
  mkdirSync(devDir, { recursive: true });
  return { dir, systemDir, devDir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A sparse PV image of `sizeMiB` in the lab's dev dir, named /dev/NAME. */
export function makePv(lab: Lab, name: string, sizeMiB: number, peCount: number): PhysicalVolume {
  const path = join(lab.devDir, name);
  writeFileSync(path, '');
  truncateSync(path, sizeMiB * MiB);
  return {
    uuid: `uuid-${name}`, name: `/dev/${name}`, path, devSize: sizeMiB * MiB, peStart: 2048, peCount, allocatable: true,
    missing: false, tags: [], vgName: null,
  };
}

export function seg(startLe: number, extentCount: number, areas: SegmentArea[], stripeSize = 0): LvSegment {
  return { startLe, extentCount, type: 'striped', stripeSize, regionSize: 0, mirrorLog: null, areas };
}

export function pvArea(pv: PhysicalVolume, pe: number): SegmentArea {
  return { kind: 'pv', pvUuid: pv.uuid, pe };
}

export function makeLv(name: string, segments: LvSegment[], extra: Partial<LogicalVolume> = {}): LogicalVolume {
  return {
    uuid: `uuid-lv-${name}`, name, visible: true, writable: true, alloc: 'inherit', active: true, creationTime: 0,
    creationHost: 'host', tags: [], readAhead: 'auto', flags: [], segments, ...extra,
  };
}

/** A VG with `extentSize` in sectors (2048 = 1 MiB keeps images small). */
export function makeVg(name: string, extentSize: number, pvs: PhysicalVolume[], lvs: LogicalVolume[]): VolumeGroup {
  for (const p of pvs) p.vgName = name;
  return {
    uuid: `uuid-vg-${name}`, name, extentSize, seqno: 1, alloc: 'normal', maxLv: 0, maxPv: 0, resizeable: true,
    exported: false, tags: [], systemId: '', creationTime: 0, creationHost: 'host', pvs, lvs,
  };
}

export function random(n: number): Uint8Array {
  return new Uint8Array(randomBytes(n));
}

/** Read `length` bytes of an image file at `offset`, straight from the file. */
export function readImage(path: string, offset: number, length: number): Uint8Array {
  const fd = openSync(path, 'r');
  try {
    const buf = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const n = readSync(fd, buf, done, length - done, offset + done);
      if (n === 0) break;
      done += n;
    }
    return buf;
  } finally {
    closeSync(fd);
  }
}
