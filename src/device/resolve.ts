// Device arguments to image files (DESIGN: TSVM_DEV_DIR). With TSVM_DEV_DIR, "/dev/NAME" and
// "NAME" mean $TSVM_DEV_DIR/NAME and are shown as "/dev/NAME", so lab scripts written for real
// disks run unchanged; without it a device argument is a path, shown absolute.
import { resolve } from 'node:path';

export interface DeviceName {
  /** As LVM2 would print it. */
  name: string;
  /** The file to open. */
  path: string;
}

export function resolveDevice(arg: string, devDir: string | undefined, cwd = process.cwd()): DeviceName {
  if (devDir) {
    const rel = arg.startsWith('/dev/') ? arg.slice(5) : arg.startsWith('/') ? null : arg;
    if (rel !== null) return { name: `/dev/${rel}`, path: resolve(devDir, rel) };
    return { name: arg, path: arg };
  }
  const abs = resolve(cwd, arg);
  return { name: abs, path: abs };
}
