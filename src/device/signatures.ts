// Foreign signatures pvcreate refuses to overwrite without consent (LVM2 uses libblkid through
// lib/device/dev-type.c wipe_known_signatures): filesystems, swap, partition tables.
import type { BlockDevice } from './block-device.js';

export interface Signature {
  type: string;
  offset: number;
  /** Bytes to clear when wiping it. */
  length: number;
}

export function findSignatures(dev: BlockDevice): Signature[] {
  const head = Buffer.alloc(69632);
  dev.readAt(head, 0);
  const found: Signature[] = [];
  if (head.readUInt16LE(1080) === 0xef53) {
    const incompat = head.readUInt32LE(1024 + 0x60);
    const compat = head.readUInt32LE(1024 + 0x5c);
    const type = incompat & 0x40 ? 'ext4' : compat & 0x4 ? 'ext3' : 'ext2';
    found.push({ type, offset: 1080, length: 2 });
  }
  if (head.toString('latin1', 0, 4) === 'XFSB') found.push({ type: 'xfs', offset: 0, length: 4 });
  if (head.toString('latin1', 65600, 65608) === '_BHRfS_M') found.push({ type: 'btrfs', offset: 65600, length: 8 });
  const swap = head.toString('latin1', 4086, 4096);
  if (swap === 'SWAPSPACE2' || swap === 'SWAP-SPACE') found.push({ type: 'swap', offset: 4086, length: 10 });
  if (head.toString('latin1', 512, 520) === 'EFI PART') found.push({ type: 'gpt', offset: 512, length: 8 });
  else if (head.readUInt16LE(510) === 0xaa55 && hasPartitions(head)) found.push({ type: 'dos', offset: 510, length: 2 });
  return found;
}

function hasPartitions(head: Buffer): boolean {
  for (let i = 0; i < 4; i++) if (head[446 + i * 16 + 4] !== 0) return true;
  return false;
}

export function wipeSignature(dev: BlockDevice, sig: Signature): void {
  dev.writeAt(Buffer.alloc(sig.length), sig.offset);
  dev.flush();
}
