// How commands talk to the serving daemon (daemon.ts), as LVM2's tools talk to device-mapper after
// a metadata change: after activation changes, rescan (starting the daemon when something is active
// and none runs, waiting until it serves); stop; status. One JSON line each way on
// run/nbd/control.sock.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync } from 'node:fs';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { pidAlive } from '../store/pid-file.js';
import type { ControlRequest } from './daemon.js';
import { readDaemonState, runPaths } from './run-dir.js';

export interface ControlReply {
  ok: boolean;
  error?: string;
  errors?: Record<string, string>;
}

/** One request; null when no daemon answers. */
export function askDaemon(systemDir: string, req: ControlRequest, timeoutMs = 120_000): Promise<ControlReply | null> {
  const path = runPaths(systemDir).control;
  if (!existsSync(path)) return Promise.resolve(null);
  return new Promise((resolve) => {
    const s = connect(path);
    let buf = '';
    const timer = setTimeout(() => {
      s.destroy();
      resolve(null);
    }, timeoutMs);
    s.setEncoding('utf8');
    s.on('connect', () => s.write(JSON.stringify(req) + '\n'));
    s.on('data', (d: string) => (buf += d));
    s.on('error', () => undefined);
    s.on('close', () => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(buf) as ControlReply);
      } catch {
        resolve(null);
      }
    });
  });
}

function spawnDaemon(systemDir: string, env: NodeJS.ProcessEnv): void {
  const paths = runPaths(systemDir);
  mkdirSync(paths.dir, { recursive: true, mode: 0o700 });
  const log = openSync(paths.log, 'a', 0o600);
  const script = fileURLToPath(new URL('./daemon-main.js', import.meta.url));
  const childEnv: NodeJS.ProcessEnv = { ...env, TSVM_SYSTEM_DIR: systemDir };
  delete childEnv.NODE_EXTRA_CA_CERTS;
  const child = spawn(process.execPath, [script], { detached: true, stdio: ['ignore', log, log], env: childEnv });
  child.unref();
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Activation changed: have the daemon serve what is active now. Starts it when needed (anything
 * active) and waits for its answer, so that the exports and devices exist when the command ends.
 */
export async function activationChanged(systemDir: string, env: NodeJS.ProcessEnv, anythingActive: boolean): Promise<ControlReply | null> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const r = await askDaemon(systemDir, { op: 'rescan' });
    if (r) return r;
    if (!anythingActive) return null;
    spawnDaemon(systemDir, env);
    // The daemon serves everything active once it answers (its first rescan comes before that).
    for (let i = 0; i < 250 && !(await askDaemon(systemDir, { op: 'status' }, 1000)); i++) await sleep(20);
  }
  return askDaemon(systemDir, { op: 'rescan' });
}

export async function stopDaemon(systemDir: string): Promise<boolean> {
  const state = readDaemonState(systemDir);
  const r = await askDaemon(systemDir, { op: 'stop' });
  if (!r) return false;
  for (let i = 0; i < 250 && state && pidAlive(state.pid); i++) await sleep(20);
  return true;
}
