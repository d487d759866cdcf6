// The size of a PV's device: an image file's length, or for a block device what the kernel
// reports in /sys/dev/block/MAJ:MIN/size (512-byte sectors), as LVM2's dev_get_size() asks the
// kernel (BLKGETSIZE64); stat() says 0 for a block device.
import { fstatSync, readFileSync, statSync, type BigIntStats } from 'node:fs';

/** glibc's gnu_dev_major/gnu_dev_minor on a stat's rdev. */
function majorMinor(rdev: bigint): [bigint, bigint] {
  const major = ((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn);
  const minor = (rdev & 0xffn) | ((rdev >> 12n) & ~0xffn);
  return [major, minor];
}

function sizeOf(st: BigIntStats): number {
  if (!st.isBlockDevice()) return Number(st.size);
  const [major, minor] = majorMinor(st.rdev);
  const sectors = readFileSync(`/sys/dev/block/${major}:${minor}/size`, 'utf8').trim();
  return Number(sectors) * 512;
}

/** Bytes of the device or image file at `path`. */
export function pathSize(path: string): number {
  return sizeOf(statSync(path, { bigint: true }));
}

/** Bytes of an open device or image file. */
export function fdSize(fd: number): number {
  return sizeOf(fstatSync(fd, { bigint: true }));
}
