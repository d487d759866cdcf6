// The PV label written into the first MiB of an image (LVM2 lib/label/label.c, format_text/
// text_label.c, layout.h): label_header at sector 1, pv_header with data and metadata area lists,
// and empty mda headers for pvcreate. The metadata text in those areas is src/format-text's; the
// label ties an image to its PV UUID, which is how a replaced or re-initialised image is noticed
// as a missing PV.
import { crc32 } from 'node:zlib';
import type { BlockDevice } from './block-device.js';

const LABEL_ID = 'LABELONE';
const LABEL_TYPE = 'LVM2 001';
const FMTT_MAGIC = ' LVM2 x[5A%r0N*>';
const INITIAL_CRC = 0xf597a6cf;
export const MDA_START = 4096;

/** lib/misc/crc.c: CRC-32 (reflected 0xEDB88320) with initial value 0xF597A6CF and no final XOR. */
export function lvmCrc(buf: Uint8Array): number {
  return (crc32(buf, (INITIAL_CRC ^ 0xffffffff) >>> 0) ^ 0xffffffff) >>> 0;
}

export interface PvLabel {
  /** UUID with dashes, as reported. */
  uuid: string;
  devSize: number;
}

/** A disk_locn of the pv_header: a data or metadata area (offset and size in bytes; size 0 = to the end). */
export interface DiskLocn {
  offset: number;
  size: number;
}

/** Everything the pv_header says (lib/format_text/layout.h struct pv_header and its extension). */
export interface PvHeader extends PvLabel {
  dataAreas: DiskLocn[];
  mdas: DiskLocn[];
  extVersion: number;
  /** PV_EXT_USED (1) while the PV belongs to a VG. */
  extFlags: number;
  /** Sector (0-3) the label was found in. */
  sector: number;
}

export const PV_EXT_USED = 1;

function undash(uuid: string): string {
  return uuid.replace(/-/g, '');
}

function dash(raw: string): string {
  const g = [6, 4, 4, 4, 4, 4, 6];
  let p = 0;
  return g.map((n) => raw.slice(p, (p += n))).join('-');
}

/** The metadata areas pvcreate makes by default: one from 4 KiB to pe_start. */
export function defaultMdas(peStartBytes: number): DiskLocn[] {
  return [{ offset: MDA_START, size: peStartBytes - MDA_START }];
}

/**
 * Write the label and pv_header in sector 1 (pvcreate, and whenever the header changes: the
 * "used" flag, the device size). The metadata areas themselves are left as they are.
 */
export function writePvLabel(dev: BlockDevice, label: PvLabel, peStartBytes: number, inVg: boolean,
  mdas: DiskLocn[] = defaultMdas(peStartBytes)): void {
  const sector = Buffer.alloc(512);
  sector.write(LABEL_ID, 0, 'latin1');
  sector.writeBigUInt64LE(1n, 8);
  sector.writeUInt32LE(32, 20);
  sector.write(LABEL_TYPE, 24, 'latin1');
  let o = 32;
  sector.write(undash(label.uuid), o, 'latin1');
  o += 32;
  sector.writeBigUInt64LE(BigInt(label.devSize), o);
  o += 8;
  // data areas: one from pe_start to the end, then the terminator
  sector.writeBigUInt64LE(BigInt(peStartBytes), o);
  o += 16 + 16;
  // metadata areas, then the terminator
  for (const m of mdas) {
    sector.writeBigUInt64LE(BigInt(m.offset), o);
    sector.writeBigUInt64LE(BigInt(m.size), o + 8);
    o += 16;
  }
  o += 16;
  // pv_header_extension: version 2, flags (PV_EXT_USED while in a VG), empty bootloader list
  sector.writeUInt32LE(2, o);
  sector.writeUInt32LE(inVg ? PV_EXT_USED : 0, o + 4);
  sector.writeUInt32LE(lvmCrc(sector.subarray(20)), 16);
  dev.writeAt(Buffer.alloc(512), 0);
  dev.writeAt(sector, 512);
  dev.flush();
}

/** Read the label from sectors 0-3 (LABEL_SCAN_SECTORS); null when there is none or its CRC is bad. */
export function readPvLabel(dev: BlockDevice): PvHeader | null {
  const buf = Buffer.alloc(2048);
  dev.readAt(buf, 0);
  return parsePvHeader(buf);
}

/** The label and pv_header in the first 2 KiB of a device (label_read, _text_read). */
export function parsePvHeader(buf: Buffer): PvHeader | null {
  for (let s = 0; s < 4; s++) {
    const sec = buf.subarray(s * 512, s * 512 + 512);
    if (sec.toString('latin1', 0, 8) !== LABEL_ID) continue;
    if (sec.readUInt32LE(16) !== lvmCrc(sec.subarray(20))) continue;
    let o = sec.readUInt32LE(20);
    if (o < 32 || o > 400) continue;
    const raw = sec.toString('latin1', o, o + 32);
    const devSize = Number(sec.readBigUInt64LE(o + 32));
    o += 40;
    const list = (): DiskLocn[] => {
      const out: DiskLocn[] = [];
      while (o + 16 <= 512) {
        const offset = Number(sec.readBigUInt64LE(o));
        const size = Number(sec.readBigUInt64LE(o + 8));
        o += 16;
        if (!offset) break;
        out.push({ offset, size });
      }
      return out;
    };
    const dataAreas = list();
    const mdas = list();
    const extVersion = o + 8 <= 512 ? sec.readUInt32LE(o) : 0;
    const extFlags = extVersion ? sec.readUInt32LE(o + 4) : 0;
    return { uuid: dash(raw), devSize, dataAreas, mdas, extVersion, extFlags, sector: s };
  }
  return null;
}

/** The PV's label and header, when the device carries this PV's label. */
export function readPvHeaderOf(dev: BlockDevice, uuid: string): PvHeader | null {
  const buf = Buffer.alloc(2048);
  dev.readAt(buf, 0);
  const h = parsePvHeader(buf);
  return h && h.uuid === uuid ? h : null;
}

/** An mda header with no metadata in it (pvcreate; a PV leaving its VG). */
export function emptyMdaHeader(start: number, size: number): Buffer {
  const mda = Buffer.alloc(512);
  mda.write(FMTT_MAGIC, 4, 'latin1');
  mda.writeUInt32LE(1, 20);
  mda.writeBigUInt64LE(BigInt(start), 24);
  mda.writeBigUInt64LE(BigInt(size), 32);
  mda.writeUInt32LE(lvmCrc(mda.subarray(4)), 0);
  return mda;
}

/** Write empty metadata area headers (pvcreate's initialisation of its areas). */
export function initMdas(dev: BlockDevice, mdas: DiskLocn[]): void {
  for (const m of mdas) dev.writeAt(emptyMdaHeader(m.offset, m.size), m.offset);
  dev.flush();
}

/** Destroy the label (pvremove). */
export function wipePvLabel(dev: BlockDevice): void {
  dev.writeAt(Buffer.alloc(2048), 0);
  dev.writeAt(Buffer.alloc(512), MDA_START);
  dev.flush();
}
