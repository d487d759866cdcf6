// Helpers of the replication tests: helper processes (the link proxy, nbdkit) that a test starts
// and stops by pid even when it fails, and the JSON status of a lab's replicas.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { CliLab } from './aux.js';
import { until } from './serving.js';

export const HELPERS = resolve(__dirname);

export class Procs {
  private readonly all = new Set<ChildProcess>();

  /** Start a process; resolves once it printed its first line on stdout (or `ready` says so). */
  start(cmd: string, args: string[], ready?: () => Promise<boolean>): Promise<ChildProcess> {
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.all.add(p);
    p.on('exit', () => this.all.delete(p));
    p.stderr!.resume();
    return new Promise((ok, fail) => {
      p.on('error', fail);
      p.on('exit', (code) => fail(new Error(`${cmd} exited (${code}) before it was ready`)));
      if (ready) {
        const poll = async () => ((await ready().catch(() => false)) ? ok(p) : setTimeout(() => void poll(), 50));
        void poll();
      } else {
        p.stdout!.once('data', () => ok(p));
      }
      p.stdout!.resume();
    });
  }

  /** The link proxy (repl-proxy.mjs): LISTEN socket to TARGET socket, each chunk held DELAY ms. */
  proxy(listen: string, target: string, delayMs = 0): Promise<ChildProcess> {
    return this.start(process.execPath, [resolve(HELPERS, 'repl-proxy.mjs'), listen, target, String(delayMs)]);
  }

  /** A long link (repl-proxy.mjs latency): every chunk, either way, arrives DELAY ms after it was sent. */
  latencyProxy(listen: string, target: string, delayMs: number): Promise<ChildProcess> {
    return this.start(process.execPath, [resolve(HELPERS, 'repl-proxy.mjs'), listen, target, String(delayMs), '-', 'latency']);
  }

  /** A narrow link (repl-proxy.mjs rate): the bytes towards the target cross at `bytesPerSecond`, in order. */
  rateProxy(listen: string, target: string, bytesPerSecond: number): Promise<ChildProcess> {
    return this.start(process.execPath, [resolve(HELPERS, 'repl-proxy.mjs'), listen, target, String(bytesPerSecond), '-', 'rate']);
  }

  /** Kill (SIGKILL, by pid) every process still running. */
  stopAll(): void {
    for (const p of this.all) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    this.all.clear();
  }
}

export type ReplRow = Record<string, string>;

/** `tsvm replica status --reportformat json` rows. */
export async function replStatus(lab: CliLab): Promise<ReplRow[]> {
  return JSON.parse((await lab.ok('replica', 'status', '--reportformat', 'json')).stdout).report[0].replica as ReplRow[];
}

/** Rows of `lvs -o FIELDS` as objects (JSON report). */
export async function lvsJson(lab: CliLab, lv: string, fields: string): Promise<ReplRow> {
  const out = await lab.ok('lvs', '--reportformat', 'json', '--units', 'b', '--nosuffix', '-o', fields, lv);
  return JSON.parse(out.stdout).report[0].lv[0] as ReplRow;
}

/** Wait until every replica of the lab's groups is replicating with no lag. */
export async function caughtUp(lab: CliLab, ms = 120_000): Promise<void> {
  await until(async () => (await replStatus(lab)).every((s) => s.repl_state === 'replicating' && s.repl_lag_writes === '0'), ms);
}

/** nbdkit is installed (the tests that use it as a far side skip without it). */
export function hasNbdkit(): boolean {
  try {
    execFileSync('nbdkit', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** One site of a replication test: a lab (added to `labs`, cleaned up by the test) with vg/data, 8 MiB on one 64 MiB PV. */
export async function replicaSite(labs: CliLab[], prefix: string, vg: string): Promise<CliLab> {
  const lab = new CliLab(prefix);
  labs.push(lab);
  lab.prepareDevs(1, 64);
  await lab.ok('vgcreate', vg, '/dev/loop0');
  await lab.ok('lvcreate', '-L', '8M', '-n', 'data', vg);
  return lab;
}
