// On-disk format of the mirror region log, in the spirit of the kernel's dm-log "disk" log
// (drivers/md/dm-log.c) that LVM2's _mlog LV holds: a header at sector 0 {le32 magic "MiRr",
// le32 version, le64 nr_regions} and the region bitmap from sector 2, one bit per region, 1 = in
// sync (set_bit_le order). tsvm adds, in the same header sector, its own fields (region size, the
// owning log LV's uuid, where a second "written" bitmap starts) so that a stale log left on reused
// extents is never mistaken for this mirror's. Pure: no I/O.

export const LOG_MAGIC = 0x4d695272; // "MiRr"
export const LOG_VERSION = 2;
const TSVM_MAGIC = 0x4d565354; // "TSVM"
export const SECTOR_BYTES = 512;
/** MIRROR_LOG_OFFSET: the bitmap starts at sector 2. */
export const LOG_OFFSET_SECTORS = 2;

export interface LogHeader {
  nrRegions: number;
  /** Region size in sectors. */
  regionSize: number;
  /** Sector where the "written" bitmap starts; 0 when the log has no room for it. */
  writtenSector: number;
  /** Identity of the log (the log LV's uuid, or the mirror's uuid for a core log). */
  owner: string;
}

/** Bytes of one bitmap: the kernel rounds the bitset up to 32-bit words. */
export function bitmapBytes(nrRegions: number): number {
  return Math.ceil(nrRegions / 32) * 4;
}

export function bitmapSectors(nrRegions: number): number {
  return Math.max(1, Math.ceil(bitmapBytes(nrRegions) / SECTOR_BYTES));
}

/** Where the written bitmap goes if the log (of `logBytes`) can hold it, else 0. */
export function writtenSectorFor(nrRegions: number, logBytes: number): number {
  const at = LOG_OFFSET_SECTORS + bitmapSectors(nrRegions);
  return (at + bitmapSectors(nrRegions)) * SECTOR_BYTES <= logBytes ? at : 0;
}

export function encodeHeader(h: LogHeader): Buffer {
  const b = Buffer.alloc(SECTOR_BYTES);
  b.writeUInt32LE(LOG_MAGIC, 0);
  b.writeUInt32LE(LOG_VERSION, 4);
  b.writeBigUInt64LE(BigInt(h.nrRegions), 8);
  b.writeUInt32LE(TSVM_MAGIC, 16);
  b.writeUInt32LE(h.regionSize, 20);
  b.writeUInt32LE(h.writtenSector, 24);
  b.write(h.owner.slice(0, 64), 32, 'latin1');
  return b;
}

export function decodeHeader(b: Uint8Array): LogHeader | null {
  const buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  if (buf.length < SECTOR_BYTES || buf.readUInt32LE(0) !== LOG_MAGIC || buf.readUInt32LE(16) !== TSVM_MAGIC) return null;
  const nr = buf.readBigUInt64LE(8);
  if (nr > BigInt(Number.MAX_SAFE_INTEGER)) return null;
  const end = buf.indexOf(0, 32);
  return {
    nrRegions: Number(nr),
    regionSize: buf.readUInt32LE(20),
    writtenSector: buf.readUInt32LE(24),
    owner: buf.toString('latin1', 32, end < 0 || end > 96 ? 96 : end),
  };
}

export function getBit(bits: Uint8Array, i: number): boolean {
  return ((bits[i >> 3]! >> (i & 7)) & 1) === 1;
}

export function setBit(bits: Uint8Array, i: number, v: boolean): void {
  if (v) bits[i >> 3] = bits[i >> 3]! | (1 << (i & 7));
  else bits[i >> 3] = bits[i >> 3]! & ~(1 << (i & 7));
}

const POP = new Uint8Array(256).map((_, i) => {
  let n = 0;
  for (let v = i; v; v >>= 1) n += v & 1;
  return n;
});

/** Set bits among the first n. */
export function countBits(bits: Uint8Array, n: number): number {
  let c = 0;
  const full = n >> 3;
  for (let i = 0; i < full; i++) c += POP[bits[i]!]!;
  for (let i = full * 8; i < n; i++) if (getBit(bits, i)) c++;
  return c;
}

/** Regions of `regionBytes` covering `lvBytes` (the last one may be short). */
export function regionCount(lvBytes: number, regionBytes: number): number {
  return Math.ceil(lvBytes / regionBytes);
}

/** LVM2 _mirror_log_extents(): header (2 sectors) + bitset rounded to 32-bit words, in extents. */
export function mirrorLogExtents(regionSize: number, extentSize: number, lvExtents: number): number {
  const regions = Math.ceil((lvExtents * extentSize) / regionSize);
  const bitset = Math.ceil(regions / 32) * 4;
  const sectors = Math.ceil((LOG_OFFSET_SECTORS * SECTOR_BYTES + bitset) / SECTOR_BYTES);
  return Math.max(1, Math.ceil(sectors / extentSize));
}
