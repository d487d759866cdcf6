// Reading and writing the metadata text of one metadata area (format-text.c _vg_write_raw,
// _vg_commit_raw, _vg_read_raw_area): the next copy goes after the committed one in the circular
// buffer, zero-padded to a sector, then the header's slot 0 is pointed at it. The old copy stays
// intact until the header is rewritten, so a crash leaves one complete copy.
import type { BlockDevice } from '../device/block-device.js';
import { lvmCrc, type DiskLocn } from '../device/pv-label.js';
import {
  committedLocn, decodeMdaHeader, encodeMdaHeader, MDA_HEADER_SIZE, maxTextSize, nextRlocnOffset, RAW_LOCN_IGNORED, textRanges,
  type MdaHeader, type MdaHeaderError, type RawLocn,
} from './layout.js';

export function readMdaHeader(dev: BlockDevice, area: DiskLocn): MdaHeader | MdaHeaderError {
  return decodeMdaHeader(readMdaHeaderSector(dev, area), area.offset);
}

/** The header's sector as it is on the device (for LVM2's warnings about a damaged one). */
export function readMdaHeaderSector(dev: BlockDevice, area: DiskLocn): Buffer {
  const b = Buffer.alloc(MDA_HEADER_SIZE);
  dev.readAt(b, area.offset);
  return b;
}

/**
 * The text LVM2 writes: the export, its NUL, zeros to the next sector. `room(bytes)`: a buffer of
 * at least that many bytes to print it into (text-reuse.ts), rather than a new one.
 */
export function encodeText(text: string | Buffer[], room?: (bytes: number) => Buffer): { buf: Buffer; size: number; checksum: number } {
  const size = (typeof text === 'string' ? Buffer.byteLength(text, 'utf8') : text.reduce((n, b) => n + b.length, 0)) + 1;
  const padded = Math.ceil(size / 512) * 512;
  const buf = room ? room(padded).subarray(0, padded) : Buffer.alloc(padded);
  let at = 0;
  if (typeof text === 'string') at = buf.write(text, 0, 'utf8');
  else for (const b of text) at += b.copy(buf, at);
  // (a room holds what was printed in it before)
  if (room) buf.fill(0, at);
  return { buf, size, checksum: lvmCrc(buf.subarray(0, size)) };
}

export class MetadataTooLarge extends Error {
  constructor(readonly size: number, readonly max: number) {
    super(`metadata (${size} bytes) exceeds maximum metadata size (${max} bytes)`);
  }
}

/**
 * Write a new copy into the area and commit it (slot 0). `header` is what the area holds now
 * (null when its header is unreadable: it is then started afresh). An area being marked ignored
 * gets the copy too, its slot 0 flagged RAW_LOCN_IGNORED (as _vg_commit_raw_rlocn leaves it).
 * Returns the new header.
 *
 * Syncs (LVM2 writes with O_DIRECT and waits for each write, text before header): the text is
 * made durable before the header that points at it is written, so a crash never leaves a header
 * pointing at text that is not there. The header itself is not synced: a crash may lose it, and
 * the area then still holds the previous copy intact (an old seqno, found and updated by the next
 * command). Its durability is needed only before a later copy may overwrite that previous copy:
 * the next write syncs first when its copy may reach it (a big text, or the buffer wrapping).
 */
export function writeMdaText(dev: BlockDevice, area: DiskLocn, header: MdaHeader | null,
  text: { buf: Buffer; size: number; checksum: number }, ignored = false): MdaHeader {
  const h: MdaHeader = header ?? { start: area.offset, size: area.size, rlocns: [] };
  const max = maxTextSize(h.size);
  if (text.size > max) throw new MetadataTooLarge(text.size, max);
  const offset = nextRlocnOffset(h);
  if (mayReachPreviousCopy(h, offset, text.buf.length)) dev.flush();
  for (const r of textRanges(h, offset, text.buf.length)) dev.writeAt(text.buf.subarray(r.from, r.from + r.len), r.at);
  dev.flush();
  const next: MdaHeader = { ...h, rlocns: [{ offset, size: text.size, checksum: text.checksum, flags: ignored ? RAW_LOCN_IGNORED : 0 }] };
  dev.writeAt(encodeMdaHeader(next), area.offset);
  return next;
}

/**
 * Whether a new copy at `offset` (`len` bytes) may overwrite the copy before the committed one,
 * which a header not yet synced may still point at on the disk: that copy lies in the stretch of
 * the circular buffer just before the committed one, at most a maximum text (plus its alignment)
 * long. With no committed copy (a new or re-used area) nothing is known: sync.
 */
function mayReachPreviousCopy(h: MdaHeader, offset: number, len: number): boolean {
  const cur = committedLocn(h);
  if (!cur) return true;
  const ring = h.size - MDA_HEADER_SIZE;
  const window = maxTextSize(h.size) + 512;
  const from = (cur.offset - MDA_HEADER_SIZE - window + 2 * ring) % ring;
  const at = offset - MDA_HEADER_SIZE;
  const mod = (x: number) => ((x % ring) + ring) % ring;
  return mod(from - at) < len || mod(at - from) < window;
}

/**
 * An area with no metadata (vgremove, vgreduce: the PV becomes an orphan; pvchange
 * --metadataignore of an orphan): only its ignored flag is kept (_write_single_mda).
 */
export function clearMda(dev: BlockDevice, area: DiskLocn, ignored = false): void {
  const rlocns = ignored ? [{ offset: 0, size: 0, checksum: 0, flags: RAW_LOCN_IGNORED }] : [];
  dev.writeAt(encodeMdaHeader({ start: area.offset, size: area.size, rlocns }), area.offset);
  dev.flush();
}

export type TextError = 'checksum' | 'size';

/** The bytes of the copy `r` (wrapped or not), without the NUL; an error when its CRC does not match. */
export function readMdaText(dev: BlockDevice, h: MdaHeader, r: RawLocn = committedLocn(h)!): Buffer | TextError {
  const buf = readMdaTextBytes(dev, h, r);
  if (!buf) return 'size';
  if (lvmCrc(buf) !== r.checksum) return 'checksum';
  const nul = buf.indexOf(0);
  return buf.subarray(0, nul < 0 ? buf.length : nul);
}

/**
 * The bytes the copy `r` covers (its NUL included), unchecked; null when it lies outside the area.
 * `into`: read into the start of this buffer when it is large enough, rather than a new one.
 */
export function readMdaTextBytes(dev: BlockDevice, h: MdaHeader, r: RawLocn, into?: Buffer): Buffer | null {
  if (r.size < 1 || r.size > h.size - MDA_HEADER_SIZE || r.offset < MDA_HEADER_SIZE || r.offset >= h.size) return null;
  const buf = into && into.length >= r.size ? into.subarray(0, r.size) : Buffer.alloc(r.size);
  for (const x of textRanges(h, r.offset, r.size)) dev.readAt(buf.subarray(x.from, x.from + x.len), x.at);
  return buf;
}
