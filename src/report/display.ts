// pvdisplay / vgdisplay / lvdisplay / pvscan layouts (LVM2 lib/display/display.c, tools/pvscan.c,
// segment display of lib/striped and lib/mirror). Lines are returned without the log prefix.
import type { LogicalVolume, LvSegment, PhysicalVolume, VolumeGroup } from '../model/types.js';
import { displaySize } from '../model/units.js';
import { shownLvUuid } from '../model/lv-id.js';
import { vgMdaCount } from '../format-text/mda-copies.js';
import { convertLv, isActive, isMirrored, isPartial, pvRuns, type VgInfo } from './vg-info.js';

const ALLOCATABLE_PV = 8;
const devSectors = (pv: PhysicalVolume) => Math.floor(pv.devSize / 512);

export function pvdisplayFull(pv: PhysicalVolume, vg: VgInfo | null, maps: boolean): string[] {
  const out: string[] = [];
  const peSize = vg ? vg.vg.extentSize : 0;
  if (!vg) out.push(`"${pv.name}" is a new physical volume of "${displaySize(devSectors(pv))}"`);
  out.push(`--- ${peSize ? '' : 'NEW '}Physical volume ---`);
  out.push(`PV Name               ${(pv.absent ?? pv.missing) ? '[unknown]' : pv.name}`);
  out.push(`VG Name               ${vg ? vg.vg.name : ''}${vg?.vg.exported ? ' (exported)' : ''}`);
  const data = pv.peCount * peSize;
  const size = devSectors(pv);
  let pvsize: number;
  let unusable: number;
  if (size > data + pv.peStart) {
    pvsize = size;
    unusable = size - data;
  } else {
    pvsize = data + pv.peStart;
    unusable = pvsize - size;
  }
  out.push(data ? `PV Size               ${displaySize(pvsize)} / not usable ${displaySize(unusable)}` : `PV Size               ${displaySize(pvsize)}`);
  const alloc = vg?.pvAlloc.get(pv.uuid) ?? 0;
  const free = pv.peCount - alloc;
  out.push(pv.peCount && vg && pv.allocatable ? `Allocatable           yes ${free ? '' : '(but full)'}` : 'Allocatable           NO');
  out.push(`PE Size               ${displaySize(peSize)}`);
  out.push(`Total PE              ${pv.peCount}`, `Free PE               ${free}`, `Allocated PE          ${alloc}`);
  out.push(`PV UUID               ${pv.uuid}`, ' ');
  if (maps) {
    if (vg && peSize) {
      out.push('--- Physical Segments ---');
      for (const run of pvRuns(vg, pv)) {
        out.push(`Physical extent ${run.start} to ${run.start + run.len - 1}:`);
        const lv = run.lvName ? vg.lvByName.get(run.lvName) : undefined;
        const seg = lv?.segments.find((s) => s.startLe === run.le);
        if (lv && seg) {
          out.push(`  Logical volume\t/dev/${vg.vg.name}/${lv.name}`);
          out.push(`  Logical extents\t${seg.startLe} to ${seg.startLe + seg.extentCount - 1}`);
        } else out.push('  FREE');
      }
    }
    out.push(' ');
  }
  return out;
}

export function pvdisplayColons(pv: PhysicalVolume, vg: VgInfo | null): string {
  const status = vg && pv.allocatable ? ALLOCATABLE_PV : 0;
  const alloc = vg?.pvAlloc.get(pv.uuid) ?? 0;
  const peSize = vg ? vg.vg.extentSize : 0;
  return [pv.name, vg?.vg.name ?? '', devSectors(pv), -1, status, status & ALLOCATABLE_PV, -1, peSize / 2, pv.peCount,
    pv.peCount - alloc, alloc, pv.uuid].join(':');
}

/**
 * pvdisplay of a duplicate device LVM2 does not use: _process_duplicate_pvs shows a dummy PV of
 * one-sector extents, no size and a zero UUID, whose VG name is a null pointer ("(null)").
 */
export function pvdisplayDuplicate(pv: PhysicalVolume, form: 'full' | 'colon' | 'short'): string[] {
  if (form === 'short') return [`Device "${pv.name}" has a capacity of ${displaySize(0)}`];
  if (form === 'colon') return [[pv.name, '(null)', 0, -1, 0, 0, -1, 0, 0, 0, 0, 'none'].join(':')];
  return ['--- Physical volume ---', `PV Name               ${pv.name}`, 'VG Name               (null)', `PV Size               ${displaySize(0)}`,
    'Allocatable           NO', `PE Size               ${displaySize(1)}`, 'Total PE              0', 'Free PE               0',
    'Allocated PE          0', 'PV UUID               none', ' '];
}

/** pvdisplay -s: the free capacity of a PV in a VG, the whole device for an orphan. */
export function pvdisplayShort(pv: PhysicalVolume, vg: VgInfo | null): string {
  const size = vg ? (pv.peCount - (vg.pvAlloc.get(pv.uuid) ?? 0)) * vg.vg.extentSize : devSectors(pv);
  return `Device "${pv.name}" has a capacity of ${displaySize(size)}`;
}

function pvShortBlock(pv: PhysicalVolume, info: VgInfo): string[] {
  const alloc = info.pvAlloc.get(pv.uuid) ?? 0;
  return [
    `PV Name               ${(pv.absent ?? pv.missing) ? '[unknown]' : pv.name}     `,
    `PV UUID               ${pv.uuid}`,
    `PV Status             ${pv.allocatable ? '' : 'NOT '}allocatable`,
    `Total PE / Free PE    ${pv.peCount} / ${pv.peCount - alloc}`,
    ' ',
  ];
}

function openLvs(info: VgInfo): number {
  return info.vg.lvs.filter((lv) => lv.visible && isActive(info, lv) && info.devices.openCount(lv) > 0).length;
}

/**
 * vgdisplay's block; with `verbose`, each LV's lvdisplay block and the PVs after it, handed to
 * `emit` one block at a time (at 10,000 LVs the whole would be megabytes of lines).
 */
export function vgdisplayFull(info: VgInfo, verbose: boolean, emit: (lines: string[]) => void): void {
  const vg = info.vg;
  const used = info.extentCount - info.freeExtents;
  const out = [
    '--- Volume group ---',
    `VG Name               ${vg.name}`,
    `System ID             ${vg.systemId}`,
    'Format                lvm2',
    `Metadata Areas        ${vgMdaCount(vg)}`,
    `Metadata Sequence No  ${vg.seqno}`,
    'VG Access             read/write',
    `VG Status             ${vg.exported ? 'exported/' : ''}${vg.resizeable ? '' : 'NOT '}resizable`,
    `MAX LV                ${vg.maxLv}`,
    `Cur LV                ${vg.lvs.filter((l) => l.visible).length}`,
    `Open LV               ${openLvs(info)}`,
    `Max PV                ${vg.maxPv}`,
    `Cur PV                ${vg.pvs.length}`,
    `Act PV                ${vg.pvs.length - info.missingPvs}`,
    `VG Size               ${displaySize(info.extentCount * vg.extentSize)}`,
    `PE Size               ${displaySize(vg.extentSize)}`,
    `Total PE              ${info.extentCount}`,
    `Alloc PE / Size       ${used} / ${displaySize(used * vg.extentSize)}`,
    `Free  PE / Size       ${info.freeExtents} / ${displaySize(info.freeExtents * vg.extentSize)}`,
    `VG UUID               ${vg.uuid}`,
    ' ',
  ];
  emit(out);
  if (!verbose) return;
  for (const lv of vg.lvs) if (lv.visible) emit(lvdisplayFull(info, lv, false));
  emit(['--- Physical volumes ---']);
  for (const pv of vg.pvs) emit(pvShortBlock(pv, info));
}

export function vgdisplayColons(info: VgInfo): string {
  const vg = info.vg;
  const status = 0x100 | 0x200 | (vg.resizeable ? 0x4 : 0) | (vg.exported ? 0x2 : 0);
  return [vg.name, 'r/w', status, -1, vg.maxLv, vg.lvs.filter((l) => l.visible).length, openLvs(info), -1, vg.maxPv,
    vg.pvs.length, vg.pvs.length - info.missingPvs, info.extentCount * (vg.extentSize / 2), vg.extentSize / 2,
    info.extentCount, info.extentCount - info.freeExtents, info.freeExtents, vg.uuid].join(':');
}

export function vgdisplayShort(info: VgInfo): string {
  const vg = info.vg;
  const used = (info.extentCount - info.freeExtents) * vg.extentSize;
  return `"${vg.name}" ${displaySize(info.extentCount * vg.extentSize).padEnd(9)} [${displaySize(used).padEnd(9)} used / ${displaySize(info.freeExtents * vg.extentSize)} free]`;
}

function lvTimeString(t: number): string {
  const d = new Date(t * 1000);
  const p = (n: number) => String(n).padStart(2, '0');
  const off = -d.getTimezoneOffset();
  const z = `${off >= 0 ? '+' : '-'}${p(Math.floor(Math.abs(off) / 60))}${p(Math.abs(off) % 60)}`;
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())} ${z}`;
}

function lvExtents(lv: LogicalVolume): number {
  return lv.segments.reduce((n, s) => n + s.extentCount, 0);
}

function minorOf(info: VgInfo, lv: LogicalVolume): number {
  return info.lvIndex.get(lv) ?? -1;
}

/** lvseg_monitor_dup(): '' unless the mirror is active, else whether it is monitored. */
export type MonitorState = (lv: LogicalVolume) => boolean | undefined;

export function lvdisplayFull(info: VgInfo, lv: LogicalVolume, maps: boolean, monitored: MonitorState = () => undefined): string[] {
  const vg = info.vg;
  const active = isActive(info, lv);
  const out = ['--- Logical volume ---'];
  if (lv.visible) out.push(`LV Path                /dev/${vg.name}/${lv.name}`, `LV Name                ${lv.name}`);
  else out.push(`Internal LV Name       ${lv.name}`);
  out.push(`VG Name                ${vg.name}`, `LV UUID                ${shownLvUuid(lv)}`);
  out.push(`LV Write Access        ${lv.writable ? 'read/write' : 'read only'}`);
  out.push(`LV Creation host, time ${lv.creationHost}, ${lvTimeString(lv.creationTime)}`);
  out.push(`LV Status              ${active ? '' : 'NOT '}available${isPartial(info, lv) ? ' (partial)' : ''}`);
  if (active) out.push(`# open                 ${info.devices.openCount(lv)}`);
  out.push(`LV Size                ${displaySize(lvExtents(lv) * vg.extentSize)}`);
  out.push(`Current LE             ${lvExtents(lv)}`);
  if (isMirrored(lv)) {
    out.push(`Mirrored volumes       ${lv.segments[0]!.areas.length}`);
    if (convertLv(info, lv)) out.push('LV type        Mirror undergoing conversion');
  }
  out.push(`Segments               ${lv.segments.length}`, `Allocation             ${lv.alloc}`);
  out.push(`Read ahead sectors     ${lv.readAhead === 'auto' ? 'auto' : lv.readAhead}`);
  const kdev = info.devices.kernelDevice(lv);
  if (active) out.push(`Block device           ${kdev ? `${kdev.major}:${kdev.minor}` : `253:${minorOf(info, lv)}`}`);
  out.push(' ');
  if (maps) {
    out.push('--- Segments ---');
    for (const seg of lv.segments) out.push(...segmentLines(info, lv, seg, monitored));
    out.push(' ');
  }
  return out;
}

function stripeLines(info: VgInfo, seg: LvSegment, s: number, pre: string): string[] {
  const a = seg.areas[s]!;
  const len = seg.type === 'striped' ? seg.extentCount / seg.areas.length : seg.extentCount;
  if (a.kind === 'pv') {
    const pv = info.pvByUuid.get(a.pvUuid);
    if (!pv) return [`${pre}Physical volume\tMissing`];
    return [`${pre}Physical volume\t${(pv.absent ?? pv.missing) ? '[unknown]' : pv.name}`, `${pre}Physical extents\t${a.pe} to ${a.pe + len - 1}`];
  }
  return [`${pre}Logical volume\t${a.lvName}`, `${pre}Logical extents\t${a.le} to ${a.le + len - 1}`];
}

function segmentLines(info: VgInfo, lv: LogicalVolume, seg: LvSegment, monitored: MonitorState): string[] {
  const out = [`Logical extents ${seg.startLe} to ${seg.startLe + seg.extentCount - 1}:`];
  if (seg.type === 'mirror') {
    // lvseg_monitor_dup(): pvmove's segments are never monitored.
    const m = lv.flags.includes('PVMOVE') ? false : monitored(lv);
    out.push('  Type\t\tmirror', `  Monitoring\t\t${m === undefined ? '' : m ? 'monitored' : 'not monitored'}`);
    out.push(`  Mirrors\t\t${seg.areas.length}`, `  Mirror size\t\t${seg.extentCount}`);
    if (seg.mirrorLog) out.push(`  Mirror log volume\t${seg.mirrorLog}`);
    if (seg.regionSize) out.push(`  Mirror region size\t${displaySize(seg.regionSize)}`);
    out.push('  Mirror original:', ...stripeLines(info, seg, 0, '    '), '  Mirror destinations:');
    for (let s = 1; s < seg.areas.length; s++) out.push(...stripeLines(info, seg, s, '    '));
    out.push(' ');
    return out;
  }
  if (seg.areas.length === 1) {
    out.push('  Type\t\tlinear', ...stripeLines(info, seg, 0, '  '));
  } else {
    out.push('  Type\t\tstriped', `  Stripes\t\t${seg.areas.length}`, `  Stripe size\t\t${displaySize(seg.stripeSize)}`);
    for (let s = 0; s < seg.areas.length; s++) out.push(`  Stripe ${s}:`, ...stripeLines(info, seg, s, '    '));
  }
  out.push(' ');
  return out;
}

export function lvdisplayColons(info: VgInfo, lv: LogicalVolume): string {
  const vg = info.vg;
  const active = isActive(info, lv);
  return [`/dev/${vg.name}/${lv.name}`, vg.name, lv.writable ? 3 : 1, active ? 1 : 0, -1, 0, lvExtents(lv) * vg.extentSize,
    lvExtents(lv), -1, lv.alloc === 'contiguous' ? 2 : 0, lv.readAhead === 'auto' ? -1 : lv.readAhead,
    active ? 253 : -1, active ? minorOf(info, lv) : -1].join(':');
}

export interface PvscanEntry {
  pv: PhysicalVolume;
  info: VgInfo | null;
}

/** pvscan's listing and its Total line. */
export function pvscanLines(entries: PvscanEntry[], all: PvscanEntry[], short: boolean): string[] {
  const out: string[] = [];
  const pvLen = Math.max(0, ...all.map((e) => e.pv.name.length)) + 2;
  const vgLen = Math.max('#orphans_lvm2'.length, ...all.map((e) => e.info?.vg.name.length ?? 0)) + 2;
  let total = 0;
  let fresh = 0;
  let freshSize = 0;
  for (const { pv, info } of entries) {
    if (!info) {
      fresh++;
      freshSize += devSectors(pv);
      total += devSectors(pv);
      if (short) out.push(pv.name);
      else out.push(`PV ${pv.name.padEnd(pvLen)}    ${' '.padEnd(vgLen)} lvm2 [${displaySize(devSectors(pv))}]`);
      continue;
    }
    const vg = info.vg;
    const size = pv.peCount * vg.extentSize;
    const free = (pv.peCount - (info.pvAlloc.get(pv.uuid) ?? 0)) * vg.extentSize;
    total += size;
    if (short) out.push(pv.name);
    else if (vg.exported) out.push(`PV ${pv.name.padEnd(pvLen)}  is in exported VG ${vg.name} [${displaySize(size)} / ${displaySize(free)} free]`);
    else out.push(`PV ${pv.name.padEnd(pvLen)} VG ${vg.name.padEnd(vgLen)} lvm2 [${displaySize(size)} / ${displaySize(free)} free]`);
  }
  if (!entries.length) out.push('No matching physical volumes found');
  else {
    out.push(`Total: ${entries.length} [${displaySize(total)}] / in use: ${entries.length - fresh} [${displaySize(total - freshSize)}] / in no VG: ${fresh} [${displaySize(freshSize)}]`);
  }
  return out;
}
