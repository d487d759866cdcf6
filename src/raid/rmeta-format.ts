// On-image format of a raid1 metadata sub-LV (LV_rmeta_N), modelled on dm-raid's (drivers/md/dm-raid.c
// struct dm_raid_superblock, then md's write-intent bitmap). Pure: no I/O. Byte offsets in the rmeta:
//   [0, 4 KiB)      this image's superblock: le32 magic "DmRd", le32 version, le32 num_devices,
//                   le32 array_position, le64 events, le64 failed_devices (bit k = image k failed),
//                   le32 level (1), le32 region size (sectors), le64 nr_regions, le32 flags
//                   (bit 0 writemostly), the raid LV's uuid (64 bytes, NUL padded) at 64.
//   [4 KiB, 1 MiB)  the write-intent bitmap: the mirror engine's region log (src/mirror/log-format.ts,
//                   "MiRr" header, sync bitmap where 0 = dirty / to resync, "written" bitmap), the
//                   same bytes on every rmeta, so that any surviving image knows what to resync.
//   [1 MiB, end)    reserved for per-block checksums (issue 11 part 3; nothing here writes it).
import { SECTOR } from '../model/types.js';

export const RAID_SB_MAGIC = 0x64526d44; // "DmRd" on disk (dm-raid DM_RAID_MAGIC, le32)
export const RAID_SB_VERSION = 1;
export const RMETA_SB_BYTES = 4096;
/** Where the write-intent bitmap (region log) starts inside an rmeta. */
export const RMETA_LOG_OFFSET = 4096;
/** Where the checksum area starts (the log ends there or at the end of a smaller rmeta). */
export const RMETA_CSUM_OFFSET = 1024 * 1024;

export const SB_FLAG_WRITEMOSTLY = 1;

export interface RaidSuperblock {
  numDevices: number;
  arrayPosition: number;
  events: number;
  /** Bit k set: image k was failed when this superblock was written. */
  failedDevices: number;
  regionSize: number;
  nrRegions: number;
  flags: number;
  /** The raid1 LV's uuid: a superblock of another LV (stale extents) is not this array's. */
  owner: string;
}

export function encodeSuperblock(sb: RaidSuperblock): Buffer {
  const b = Buffer.alloc(RMETA_SB_BYTES);
  b.writeUInt32LE(RAID_SB_MAGIC, 0);
  b.writeUInt32LE(RAID_SB_VERSION, 4);
  b.writeUInt32LE(sb.numDevices, 8);
  b.writeUInt32LE(sb.arrayPosition, 12);
  b.writeBigUInt64LE(BigInt(sb.events), 16);
  b.writeBigUInt64LE(BigInt(sb.failedDevices), 24);
  b.writeUInt32LE(1, 32);
  b.writeUInt32LE(sb.regionSize, 36);
  b.writeBigUInt64LE(BigInt(sb.nrRegions), 40);
  b.writeUInt32LE(sb.flags, 48);
  b.write(sb.owner.slice(0, 64), 64, 'latin1');
  return b;
}

export function decodeSuperblock(b: Uint8Array): RaidSuperblock | null {
  const buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  if (buf.length < 128 || buf.readUInt32LE(0) !== RAID_SB_MAGIC || buf.readUInt32LE(32) !== 1) return null;
  const end = buf.indexOf(0, 64);
  return {
    numDevices: buf.readUInt32LE(8),
    arrayPosition: buf.readUInt32LE(12),
    events: Number(buf.readBigUInt64LE(16)),
    failedDevices: Number(buf.readBigUInt64LE(24)),
    regionSize: buf.readUInt32LE(36),
    nrRegions: Number(buf.readBigUInt64LE(40)),
    flags: buf.readUInt32LE(48),
    owner: buf.toString('latin1', 64, end < 0 || end > 128 ? 128 : end),
  };
}

/** Bytes of the region-log window inside an rmeta of `rmetaBytes`. */
export function rmetaLogBytes(rmetaBytes: number): number {
  return Math.min(RMETA_CSUM_OFFSET, rmetaBytes) - RMETA_LOG_OFFSET;
}

/** LVM2 _raid_rmeta_extents(): raid and bitmap superblocks plus one bit per region, in extents. */
export function rmetaExtents(rimageExtents: number, regionSize: number, extentSize: number): number {
  const regions = Math.floor((rimageExtents * extentSize) / regionSize);
  const bytes = 2 * 4096 + Math.ceil(regions / 8);
  return Math.ceil(Math.ceil(bytes / SECTOR) / extentSize);
}

/**
 * Extents of each rmeta allocated for `count` new images of an existing raid1 LV (raid_manip.c
 * _alloc_image_components, for lvconvert -m +N and --repair): LVM2 asks the allocator for raid0_meta
 * areas of `imageExtents * count` extents, so the rmeta is sized for that many (one image: as at
 * lvcreate). It can be larger than the LV's old rmetas, which lvextend never grows.
 */
export function addedRmetaExtents(imageExtents: number, count: number, regionSize: number, extentSize: number): number {
  return rmetaExtents(imageExtents * count, regionSize, extentSize);
}
