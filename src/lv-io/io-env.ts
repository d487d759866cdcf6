// What LV I/O needs from its caller: the device pool (one open image per PV, fault injection) and
// the system directory (where a later per-LV I/O lock will live). Errors raised by LV I/O itself.
import type { DevicePool } from '../device/device-pool.js';

export interface IoEnv {
  devices: DevicePool;
  systemDir: string;
}

/**
 * An LV-level refusal, with the errno a block device would give: ENXIO (LV not active), EROFS
 * (LV read-only, opened for writing), ENOSPC (write past the end), EINVAL (read past the end),
 * ENOTSUP (a segment type nothing can do I/O on).
 */
export class LvIoError extends Error {
  constructor(readonly code: 'ENXIO' | 'EROFS' | 'ENOSPC' | 'EINVAL' | 'ENOTSUP', message: string) {
    super(message);
  }
}
