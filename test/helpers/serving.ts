// Tests start tsvm's serving daemon whenever they activate an LV: every lab stops it when it is
// done, failed or not (CliLab.cleanup, the golden replay), so that no daemon, loop device or FUSE
// mount outlives its test. SIGTERM lets the daemon detach its kernel devices first.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

function pidOf(systemDir: string): number | null {
  try {
    const pid = Number(readFileSync(join(systemDir, 'run', 'nbd', 'daemon.pid'), 'utf8'));
    return pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Stop the lab's daemon and wait (synchronously, up to 15 s) until it is gone. */
export function stopServing(systemDir: string): void {
  const pid = pidOf(systemDir);
  if (!pid || !alive(pid)) return;
  process.kill(pid, 'SIGTERM');
  const nap = new Int32Array(new SharedArrayBuffer(4));
  for (let i = 0; i < 300 && alive(pid); i++) Atomics.wait(nap, 0, 0, 50);
  if (alive(pid)) process.kill(pid, 'SIGKILL');
}

/** Stop the lab's replication shipper (src/repl), if one runs, and wait until it is gone. */
export function stopShipping(systemDir: string): void {
  let pid = 0;
  try {
    pid = Number(readFileSync(join(systemDir, 'run', 'repl', 'shipper.pid'), 'utf8'));
  } catch {
    return;
  }
  if (!pid || !alive(pid)) return;
  process.kill(pid, 'SIGTERM');
  const nap = new Int32Array(new SharedArrayBuffer(4));
  for (let i = 0; i < 100 && alive(pid); i++) Atomics.wait(nap, 0, 0, 50);
  if (alive(pid)) process.kill(pid, 'SIGKILL');
}

/** Environment for labs that do not test kernel devices: the daemon serves the unix sockets only. */
export const NO_KERNEL_DEVICES = { TSVM_NO_KERNEL_DEVICES: '1' };

/** Mount points under `dir` (deepest first), from /proc/self/mountinfo. */
export function mountsUnder(dir: string): string[] {
  let text = '';
  try {
    text = readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return [];
  }
  return text.split('\n').map((l) => l.split(' ')[4] ?? '').filter((m) => m === dir || m.startsWith(dir + '/')).sort().reverse();
}

/** Poll `cond` every 5 ms until it holds; throws after `ms`. */
export async function until(cond: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}
