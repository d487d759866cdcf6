// How writers and commands find the shipper (shipper.ts): one per system dir, like the NBD daemon,
// with its pid file and published state under $TSVM_SYSTEM_DIR/run/repl. Started on demand by a
// writer of a replicated LV or by `tsvm replica`; it stops itself when no group has a replica.
import type { spawn as Spawn } from 'node:child_process';
import { mkdirSync, openSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pidAlive } from '../store/pid-file.js';
import { sleepMs } from '../device/sleep.js';

export function shipperPaths(systemDir: string) {
  const dir = join(systemDir, 'run', 'repl');
  return { dir, pid: join(dir, 'shipper.pid'), state: join(dir, 'state.json'), log: join(dir, 'shipper.log') };
}

export function shipperPid(systemDir: string): number | null {
  try {
    const pid = Number(readFileSync(shipperPaths(systemDir).pid, 'utf8'));
    return pid && pidAlive(pid) ? pid : null;
  } catch {
    return null;
  }
}

let checked = 0;

/** Start the shipper unless one runs (checked at most every 500 ms per process). */
export function ensureShipper(systemDir: string, env: NodeJS.ProcessEnv = process.env): void {
  const now = Date.now();
  if (now - checked < 500) return;
  checked = now;
  if (shipperPid(systemDir)) return;
  const paths = shipperPaths(systemDir);
  mkdirSync(paths.dir, { recursive: true, mode: 0o700 });
  const log = openSync(paths.log, 'a', 0o600);
  const script = fileURLToPath(new URL('./shipper-main.js', import.meta.url));
  const childEnv: NodeJS.ProcessEnv = { ...env, TSVM_SYSTEM_DIR: systemDir };
  // Loaded here, not at the top: node:child_process (with net and dgram) took ~6 ms of every command
  // that imports this module (`replica resume`, a writer's open, `lvs -o repl_*`), and only a command
  // that starts the shipper needs it.
  const spawn = (createRequire(import.meta.url)('node:child_process') as { spawn: typeof Spawn }).spawn;
  const child = spawn(process.execPath, [script], { detached: true, stdio: ['ignore', log, log], env: childEnv });
  child.unref();
}

/** Stop the shipper (SIGTERM, then SIGKILL after 5 s); false when none runs. */
export function stopShipper(systemDir: string): boolean {
  const pid = shipperPid(systemDir);
  if (!pid) return false;
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 500 && pidAlive(pid); i++) sleepMs(10);
  if (pidAlive(pid)) process.kill(pid, 'SIGKILL');
  return true;
}

/** What the shipper last published about one replica. */
export interface LinkState {
  connected: boolean;
  error?: string;
  /** Regions copied / to copy in the current resync. */
  resyncDone?: number;
  resyncTotal?: number;
  /** Bytes per second shipped over the last second. */
  rate?: number;
  updated: number;
}

export type ShipperState = Record<string, LinkState>;

export const linkKey = (groupUuid: string, slot: number) => `${groupUuid}/${slot}`;

export function readShipperState(systemDir: string): ShipperState {
  if (!shipperPid(systemDir)) return {};
  try {
    return JSON.parse(readFileSync(shipperPaths(systemDir).state, 'utf8')) as ShipperState;
  } catch {
    return {};
  }
}
