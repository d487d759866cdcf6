// The PV label written into the first MiB of an image (LVM2 lib/label/label.c, format_text/
// text_label.c, layout.h): label_header at sector 1, pv_header with data and metadata area lists,
// and an empty mda_header at 4 KiB, so the image is recognisably a PV (to tsvm and to LVM2's own
// scanners). tsvm keeps the VG metadata itself in SQLite; the label ties an image to its PV UUID,
// which is how a replaced or re-initialised image is noticed as a missing PV.
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

function undash(uuid: string): string {
  return uuid.replace(/-/g, '');
}

function dash(raw: string): string {
  const g = [6, 4, 4, 4, 4, 4, 6];
  let p = 0;
  return g.map((n) => raw.slice(p, (p += n))).join('-');
}

/** Write label, pv_header and an empty metadata area header (pvcreate). */
export function writePvLabel(dev: BlockDevice, label: PvLabel, peStartBytes: number, inVg: boolean): void {
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
  // metadata areas: one at 4 KiB up to pe_start, then the terminator
  sector.writeBigUInt64LE(BigInt(MDA_START), o);
  sector.writeBigUInt64LE(BigInt(peStartBytes - MDA_START), o + 8);
  o += 16 + 16;
  // pv_header_extension: version 2, flags (PV_EXT_USED while in a VG), empty bootloader list
  sector.writeUInt32LE(2, o);
  sector.writeUInt32LE(inVg ? 1 : 0, o + 4);
  sector.writeUInt32LE(lvmCrc(sector.subarray(20)), 16);

  const mda = Buffer.alloc(512);
  mda.write(FMTT_MAGIC, 4, 'latin1');
  mda.writeUInt32LE(1, 20);
  mda.writeBigUInt64LE(BigInt(MDA_START), 24);
  mda.writeBigUInt64LE(BigInt(peStartBytes - MDA_START), 32);
  mda.writeUInt32LE(lvmCrc(mda.subarray(4)), 0);

  dev.writeAt(Buffer.alloc(512), 0);
  dev.writeAt(sector, 512);
  dev.writeAt(mda, MDA_START);
  dev.flush();
}

/** Read the label from sectors 0-3 (LABEL_SCAN_SECTORS); null when there is none or its CRC is bad. */
export function readPvLabel(dev: BlockDevice): PvLabel | null {
  const buf = Buffer.alloc(2048);
  dev.readAt(buf, 0);
  for (let s = 0; s < 4; s++) {
    const sec = buf.subarray(s * 512, s * 512 + 512);
    if (sec.toString('latin1', 0, 8) !== LABEL_ID) continue;
    if (sec.readUInt32LE(16) !== lvmCrc(sec.subarray(20))) continue;
    const off = sec.readUInt32LE(20);
    const raw = sec.toString('latin1', off, off + 32);
    return { uuid: dash(raw), devSize: Number(sec.readBigUInt64LE(off + 32)) };
  }
  return null;
}

/** Destroy the label (pvremove). */
export function wipePvLabel(dev: BlockDevice): void {
  dev.writeAt(Buffer.alloc(2048), 0);
  dev.writeAt(Buffer.alloc(512), MDA_START);
  dev.flush();
}
