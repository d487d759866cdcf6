// device-mapper's suspend with lockfs, for the one change where it matters to the data: LVM2
// suspends an LV (freezing a filesystem mounted on it, so its dirty data reaches the device) before
// --splitmirrors takes an image away, so the split copy holds a consistent filesystem. tsvm does
// the same to the LV's kernel block device: fsfreeze -f on its mount point around the change.
import { spawnSync } from 'node:child_process';
import { devNumbers, mountPointsOf } from './device-use.js';
import { liveDaemonState } from './in-use.js';

export function withFilesystemFrozen<T>(systemDir: string, lvUuid: string, warn: (line: string) => void, fn: () => T): T {
  const dev = liveDaemonState(systemDir)?.exports[lvUuid]?.device;
  const nums = dev ? devNumbers(dev) : null;
  const mount = nums ? mountPointsOf(nums.major, nums.minor)[0] : undefined;
  if (!mount) return fn();
  const frozen = spawnSync('fsfreeze', ['-f', mount], { encoding: 'utf8' });
  if (frozen.status !== 0) {
    // Not every filesystem can be frozen: its data written so far is at least flushed.
    warn(`WARNING: Cannot freeze the filesystem on ${mount}: ${(frozen.stderr || frozen.error?.message || '').trim()}`);
    spawnSync('sync', ['-f', mount]);
    return fn();
  }
  try {
    return fn();
  } finally {
    spawnSync('fsfreeze', ['-u', mount]);
  }
}
