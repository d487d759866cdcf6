// The binary structures of LVM2's text format on a PV (lib/format_text/layout.h, format-text.c):
// the metadata area header (checksum, magic, version, start, size, raw locations) and where the
// next copy of the metadata text goes in the circular buffer that follows it.
import { lvmCrc } from '../device/pv-label.js';

export const FMTT_MAGIC = ' LVM2 x[5A%r0N*>';
export const FMTT_VERSION = 1;
/** The mda header occupies the first sector of a metadata area; the text buffer follows it. */
export const MDA_HEADER_SIZE = 512;
/** New copies start on a sector boundary (MDA_ORIGINAL_ALIGNMENT). */
const ALIGN = 512;
/** raw_locn.flags: RAW_LOCN_IGNORED (pvchange --metadataignore). */
export const RAW_LOCN_IGNORED = 1;

/** One raw_locn: where a copy of the metadata text is, relative to the start of the area. */
export interface RawLocn {
  offset: number;
  /** Bytes, including the trailing NUL. */
  size: number;
  checksum: number;
  flags: number;
}

export interface MdaHeader {
  /** Absolute byte offset of the area (and of this header) on the device. */
  start: number;
  /** Bytes in the whole area, header included. */
  size: number;
  /** Slot 0: the committed metadata; slot 1 (optional): the precommitted one. */
  rlocns: RawLocn[];
}

export type MdaHeaderError = 'checksum' | 'magic' | 'version' | 'start';

export function encodeMdaHeader(h: MdaHeader): Buffer {
  const b = Buffer.alloc(MDA_HEADER_SIZE);
  b.write(FMTT_MAGIC, 4, 'latin1');
  b.writeUInt32LE(FMTT_VERSION, 20);
  b.writeBigUInt64LE(BigInt(h.start), 24);
  b.writeBigUInt64LE(BigInt(h.size), 32);
  let o = 40;
  for (const r of h.rlocns) {
    b.writeBigUInt64LE(BigInt(r.offset), o);
    b.writeBigUInt64LE(BigInt(r.size), o + 8);
    b.writeUInt32LE(r.checksum >>> 0, o + 16);
    b.writeUInt32LE(r.flags, o + 20);
    o += 24;
  }
  b.writeUInt32LE(lvmCrc(b.subarray(4)), 0);
  return b;
}

/** Decode an mda header read at `start`; an error names what LVM2's _raw_read_mda_header rejects. */
export function decodeMdaHeader(b: Uint8Array, start: number): MdaHeader | MdaHeaderError {
  const buf = Buffer.from(b.buffer, b.byteOffset, MDA_HEADER_SIZE);
  if (buf.readUInt32LE(0) !== lvmCrc(buf.subarray(4))) return 'checksum';
  if (buf.toString('latin1', 4, 20) !== FMTT_MAGIC) return 'magic';
  if (buf.readUInt32LE(20) !== FMTT_VERSION) return 'version';
  if (Number(buf.readBigUInt64LE(24)) !== start) return 'start';
  const size = Number(buf.readBigUInt64LE(32));
  const rlocns: RawLocn[] = [];
  for (let o = 40; o + 24 <= MDA_HEADER_SIZE; o += 24) {
    const r = {
      offset: Number(buf.readBigUInt64LE(o)), size: Number(buf.readBigUInt64LE(o + 8)),
      checksum: buf.readUInt32LE(o + 16), flags: buf.readUInt32LE(o + 20),
    };
    if (!r.offset && !r.size && !r.checksum && !r.flags) break;
    rlocns.push(r);
  }
  return { start, size, rlocns };
}

/** bad_fields bits (lib/metadata/metadata.h BAD_MDA_*): what vgck --updatemetadata may repair. */
export const BAD_MDA_HEADER = 0x4;
export const BAD_MDA_TEXT = 0x8;
const BAD_MDA_CHECKSUM = 0x10;
export const BAD_MDA_MAGIC = 0x20;
const BAD_MDA_VERSION = 0x40;
export const BAD_MDA_START = 0x80;

/**
 * _raw_read_mda_header's warnings, one per field that fails its check (none for a sound header).
 * The checksum is printed as read (hex), the others as they are.
 */
export function mdaHeaderWarnings(b: Uint8Array, start: number, dev: string): { lines: string[]; badFields: number } {
  const buf = Buffer.from(b.buffer, b.byteOffset, MDA_HEADER_SIZE);
  const at = `on ${dev} at ${start}`;
  const lines: string[] = [];
  let badFields = BAD_MDA_HEADER;
  const sum = buf.readUInt32LE(0);
  if (sum !== lvmCrc(buf.subarray(4))) {
    lines.push(`WARNING: wrong checksum ${sum.toString(16)} in mda header ${at}`);
    badFields |= BAD_MDA_CHECKSUM;
  }
  if (buf.toString('latin1', 4, 20) !== FMTT_MAGIC) {
    lines.push(`WARNING: wrong magic number in mda header ${at}`);
    badFields |= BAD_MDA_MAGIC;
  }
  const version = buf.readUInt32LE(20);
  if (version !== FMTT_VERSION) {
    lines.push(`WARNING: wrong version ${version} in mda header ${at}`);
    badFields |= BAD_MDA_VERSION;
  }
  const where = buf.readBigUInt64LE(24);
  if (where !== BigInt(start)) {
    lines.push(`WARNING: wrong start sector ${where} in mda header ${at}`);
    badFields |= BAD_MDA_START;
  }
  return { lines, badFields };
}

/** The largest text one copy may have: two copies must fit, each rounded to a sector. */
export function maxTextSize(mdaSize: number): number {
  return Math.floor((mdaSize - MDA_HEADER_SIZE) / 2) - 512;
}

/** pv_mda_free in sectors: what maxTextSize leaves after the committed text (format-text.c). */
export function mdaFreeSectors(mdaSize: number, textSize: number): number {
  const max = maxTextSize(mdaSize);
  return textSize >= max ? 0 : Math.floor((max - textSize) / 512);
}

/** The committed copy of slot 0, or null when the area holds none (or it is ignored). */
export function committedLocn(h: MdaHeader): RawLocn | null {
  const r = h.rlocns[0];
  if (!r || (!r.offset && !r.size) || r.flags & RAW_LOCN_IGNORED) return null;
  return r;
}

/** Last byte (relative to the area) that the copy `r` occupies, after its wrap if it has one. */
function lastByte(h: MdaHeader, r: RawLocn): number {
  const end = r.offset + r.size;
  return end > h.size ? end - h.size + MDA_HEADER_SIZE - 1 : end - 1;
}

/** _next_rlocn_offset: where a new copy goes, after the old one, on a sector boundary, else at the start. */
export function nextRlocnOffset(h: MdaHeader): number {
  const old = committedLocn(h);
  if (!old) return MDA_HEADER_SIZE;
  const last = lastByte(h, old);
  if (h.size - last < ALIGN) return MDA_HEADER_SIZE;
  const next = last + 1;
  const start = next % ALIGN ? next + ALIGN - (next % ALIGN) : next;
  return start > h.size - ALIGN ? MDA_HEADER_SIZE : start;
}

/**
 * The byte ranges (absolute on the device) that hold `size` bytes of text at `offset` of the area:
 * one, or two when the copy wraps to just after the header.
 */
export function textRanges(h: MdaHeader, offset: number, size: number): { at: number; from: number; len: number }[] {
  const first = Math.min(size, h.size - offset);
  const out = [{ at: h.start + offset, from: 0, len: first }];
  if (first < size) out.push({ at: h.start + MDA_HEADER_SIZE, from: first, len: size - first });
  return out;
}
