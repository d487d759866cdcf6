// On-image format of tsvm's per-block checksum table (issue 11: checksums that pick the right copy),
// kept in the checksum area of every raid1 rmeta sub-LV (after the write-intent bitmap) or in the
// free space of a mirror's disk log. LVM2 has no such table (its nearest is dm-integrity under
// `--raidintegrity`). Pure: no I/O. Layout, from the start of the area:
//   [0, 4 KiB)   header: le32 magic "CkSm", le32 version (1 or 2: which block hash the entries are,
//                block-hash.ts; new tables are made at 2, a table keeps its own), le32 flags (bit 0
//                enabled), le32 block shift, le32 region size (sectors), le64 nr_regions, le32 record bytes, the owner
//                LV's uuid (64 bytes at 64), le32 CRC-32 of bytes [0, 4092) at 4092.
//   [4 KiB, ...) one record per region, packed: le32 CRC-32 of the entries, then one le32 block
//                checksum per block of the region (block-hash.ts, the header's version; 0 = none recorded, a block whose
//                checksum is 0 is stored as 1).
// The header and records carry zlib's CRC-32 (small, rarely written); data blocks the faster
// block hash (block-hash.ts), since every read checks every block.
import { crc32 } from 'node:zlib';
import { hashBlock, hashBlocks, type HashVersion } from './block-hash.js';

export const CSUM_MAGIC = 0x6d536b43; // "CkSm"
/** The version new tables are made at (version 1 tables are still read and kept as they are). */
export const CSUM_VERSION: HashVersion = 2;
export const CSUM_HEADER_BYTES = 4096;
export const FLAG_ENABLED = 1;
/** The smallest block (4 KiB, the page size dm-integrity and btrfs checksum by). */
export const MIN_BLOCK_SHIFT = 12;

export interface CsumHeader {
  /** Which block hash the entries are (block-hash.ts). */
  version: HashVersion;
  enabled: boolean;
  blockShift: number;
  /** Region size in sectors (the write-intent bitmap's). */
  regionSize: number;
  nrRegions: number;
  owner: string;
}

export interface CsumGeometry {
  blockBytes: number;
  regionBytes: number;
  blocksPerRegion: number;
  recordBytes: number;
}

export function geometry(h: Pick<CsumHeader, 'blockShift' | 'regionSize'>): CsumGeometry {
  const blockBytes = 2 ** h.blockShift;
  const regionBytes = h.regionSize * 512;
  const blocksPerRegion = Math.ceil(regionBytes / blockBytes);
  return { blockBytes, regionBytes, blocksPerRegion, recordBytes: 4 + 4 * blocksPerRegion };
}

/** Bytes the table takes in its area. */
export function tableBytes(h: Pick<CsumHeader, 'blockShift' | 'regionSize' | 'nrRegions'>): number {
  return CSUM_HEADER_BYTES + h.nrRegions * geometry(h).recordBytes;
}

/**
 * The smallest block (4 KiB doubling, at most one per region) whose table fits `areaBytes`, or
 * null when even one CRC per region does not fit.
 */
export function chooseBlockShift(regionSize: number, nrRegions: number, areaBytes: number): number | null {
  const regionBytes = regionSize * 512;
  for (let shift = MIN_BLOCK_SHIFT; ; shift++) {
    if (tableBytes({ blockShift: shift, regionSize, nrRegions }) <= areaBytes) return shift;
    if (2 ** shift >= regionBytes) return null;
  }
}

export function encodeHeader(h: CsumHeader): Buffer {
  const b = Buffer.alloc(CSUM_HEADER_BYTES);
  b.writeUInt32LE(CSUM_MAGIC, 0);
  b.writeUInt32LE(h.version, 4);
  b.writeUInt32LE(h.enabled ? FLAG_ENABLED : 0, 8);
  b.writeUInt32LE(h.blockShift, 12);
  b.writeUInt32LE(h.regionSize, 16);
  b.writeBigUInt64LE(BigInt(h.nrRegions), 20);
  b.writeUInt32LE(geometry(h).recordBytes, 28);
  b.write(h.owner.slice(0, 64), 64, 'latin1');
  b.writeUInt32LE(crc32(b.subarray(0, CSUM_HEADER_BYTES - 4)), CSUM_HEADER_BYTES - 4);
  return b;
}

export function decodeHeader(b: Uint8Array): CsumHeader | null {
  const buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  if (buf.length < CSUM_HEADER_BYTES || buf.readUInt32LE(0) !== CSUM_MAGIC) return null;
  const version = buf.readUInt32LE(4);
  if (version !== 1 && version !== 2) return null;
  if (crc32(buf.subarray(0, CSUM_HEADER_BYTES - 4)) !== buf.readUInt32LE(CSUM_HEADER_BYTES - 4)) return null;
  const nr = buf.readBigUInt64LE(20);
  if (nr > BigInt(Number.MAX_SAFE_INTEGER)) return null;
  const end = buf.indexOf(0, 64);
  const h: CsumHeader = {
    version,
    enabled: (buf.readUInt32LE(8) & FLAG_ENABLED) !== 0,
    blockShift: buf.readUInt32LE(12),
    regionSize: buf.readUInt32LE(16),
    nrRegions: Number(nr),
    owner: buf.toString('latin1', 64, end < 0 || end > 128 ? 128 : end),
  };
  if (h.blockShift < MIN_BLOCK_SHIFT || h.blockShift > 40 || !h.regionSize || geometry(h).recordBytes !== buf.readUInt32LE(28)) return null;
  return h;
}

/** Byte offset of region r's record inside the area. */
export function recordOffset(g: CsumGeometry, r: number): number {
  return CSUM_HEADER_BYTES + r * g.recordBytes;
}

/** The checksum stored for a block's bytes in a table of `version` (0 is kept for "none recorded"). */
export function blockSum(data: Uint8Array, version: HashVersion): number {
  return hashBlock(data, version) || 1;
}

let scratch = new Uint32Array(256);

/**
 * The checksums of the blocks of `data` (blocks of `blockBytes` from its start; the last may be
 * shorter), as blockSum gives them, in one pass. The array is reused by the next call.
 */
export function blockSums(data: Uint8Array, blockBytes: number, version: HashVersion): Uint32Array {
  const n = Math.ceil(data.length / blockBytes);
  if (scratch.length < n) scratch = new Uint32Array(n);
  const out = scratch.subarray(0, n);
  hashBlocks(data, blockBytes, out, version);
  // (indexOf is native: a loop over every entry cost ~4 ms per GiB read)
  for (let i = out.indexOf(0); i >= 0; i = out.indexOf(0, i + 1)) out[i] = 1;
  return out;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** A record as read: its entries, or null when its own CRC fails (torn or rotted). All zeros: a fresh record. */
export function decodeRecord(raw: Uint8Array, blocksPerRegion: number): Uint32Array | null {
  const buf = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  const entries = new Uint32Array(blocksPerRegion);
  if (LITTLE_ENDIAN) Buffer.from(entries.buffer).set(buf.subarray(4, 4 + 4 * blocksPerRegion));
  else for (let i = 0; i < blocksPerRegion; i++) entries[i] = buf.readUInt32LE(4 + 4 * i);
  const stored = buf.readUInt32LE(0);
  if (stored === 0 && entries.every((e) => e === 0)) return entries;
  return crc32(buf.subarray(4, 4 + 4 * blocksPerRegion)) === stored ? entries : null;
}

/** A record's bytes, written into `into` (at its start) when given: le32 CRC, then the entries. */
export function encodeRecord(entries: Uint32Array, into?: Buffer): Buffer {
  const b = into ?? Buffer.alloc(4 + 4 * entries.length);
  // (the entries' own bytes on a little-endian machine: a writeUInt32LE call per entry cost ~10 ms per GiB written)
  if (LITTLE_ENDIAN) b.set(new Uint8Array(entries.buffer, entries.byteOffset, entries.byteLength), 4);
  else for (let i = 0; i < entries.length; i++) b.writeUInt32LE(entries[i]!, 4 + 4 * i);
  b.writeUInt32LE(crc32(b.subarray(4, 4 + 4 * entries.length)), 0);
  return b;
}
