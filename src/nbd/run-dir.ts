// Where the serving daemon lives in $TSVM_SYSTEM_DIR/run/nbd (LVM2 keeps dmeventd's and lvmpolld's
// pid files and sockets under /run/lvm): its pid file, control socket, one NBD socket per VG (mode
// 0600), the private socket the kernel attachments connect to, and state.json, the daemon's
// published view (exports, open counts, kernel devices) that reports read without asking it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export function nbdRunDir(systemDir: string): string {
  return join(systemDir, 'run', 'nbd');
}

export const runPaths = (systemDir: string) => {
  const dir = nbdRunDir(systemDir);
  return {
    dir,
    pid: join(dir, 'daemon.pid'),
    control: join(dir, 'control.sock'),
    kernel: join(dir, 'kernel.sock'),
    state: join(dir, 'state.json'),
    log: join(dir, 'daemon.log'),
    fuse: join(dir, 'fuse'),
  };
};

/** The NBD socket of a VG's exports. */
export function vgSocketPath(systemDir: string, vgName: string): string {
  return join(nbdRunDir(systemDir), `${vgName}.sock`);
}

/** One served LV, as state.json has it. */
export interface ExportState {
  /** VG/LV: the export name. */
  name: string;
  vgName: string;
  lvName: string;
  readOnly: boolean;
  /** Client connections in transmission (the kernel attachment's own not counted). */
  open: number;
  /** The kernel block device (/dev/loopN, /dev/nbdN) when attached. */
  device?: string;
  /** The file nbdfuse serves the export as (under run/nbd/fuse). */
  fuseFile?: string;
}

export interface DaemonState {
  pid: number;
  /** LV uuid -> its export. */
  exports: Record<string, ExportState>;
  /** TCP listeners, as "host:port" (with " ro" for read-only ones). */
  listen: string[];
  /** The folder the /dev/VG/LV links are made in (TSVM_DEV_DIR or /dev). */
  devRoot: string;
}

/** What the daemon last published; null when no daemon has published anything. */
export function readDaemonState(systemDir: string): DaemonState | null {
  try {
    return JSON.parse(readFileSync(runPaths(systemDir).state, 'utf8')) as DaemonState;
  } catch {
    return null;
  }
}
