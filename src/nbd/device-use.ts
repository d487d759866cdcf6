// Whether a kernel block device is in use, as LVM2 asks device-mapper (lib/activate/activate.c
// lv_check_not_in_use: a mounted filesystem, else the open count): a filesystem is mounted on it
// (/proc/self/mountinfo names its major:minor), or someone holds it open exclusively (an O_EXCL
// open fails with EBUSY, as it does for a mounted device).
import { closeSync, constants, openSync, readFileSync, statSync } from 'node:fs';

export type DeviceUse = 'mounted' | 'open' | null;

/** major:minor of a block device node, or null when it is not one. */
export function devNumbers(path: string): { major: number; minor: number } | null {
  try {
    const st = statSync(path);
    if (!st.isBlockDevice()) return null;
    return { major: Math.floor(st.rdev / 256) & 0xfff, minor: (st.rdev & 0xff) | ((st.rdev >> 12) & 0xfff00) };
  } catch {
    return null;
  }
}

/** The mount points of the filesystems mounted from major:minor. */
export function mountPointsOf(major: number, minor: number): string[] {
  let text: string;
  try {
    text = readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(' ');
    if (f[2] === `${major}:${minor}` && f[4]) out.push(f[4].replace(/\\(\d{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8))));
  }
  return out;
}

export function deviceUse(path: string): DeviceUse {
  const nums = devNumbers(path);
  if (!nums) return null;
  if (mountPointsOf(nums.major, nums.minor).length) return 'mounted';
  try {
    closeSync(openSync(path, constants.O_RDONLY | constants.O_EXCL));
    return null;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EBUSY' ? 'open' : null;
  }
}
