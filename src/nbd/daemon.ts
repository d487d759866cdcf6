// tsvm's serving daemon, one per system dir: what device-mapper's tables are to LVM2 (and dmeventd
// to its mirrors). Activation commands start it on demand and tell it to rescan (control.ts); it
// serves every active LV over NBD on a unix socket per VG under run/nbd (mode 0600), on TCP only
// where asked (`tsvm nbd listen ADDR`), makes the kernel block devices where the machine allows
// (kernel-device.ts), publishes exports, open counts and devices in state.json for the reports,
// and exits when nothing is active or its system dir is gone.
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { DevicePool } from '../device/device-pool.js';
import { systemConfig } from '../model/system-config.js';
import { openDb, type Db } from '../store/db.js';
import { replicationRole, type ReplicationRole } from '../lv-io/replica-hook.js';
import { linkPid } from '../store/pid-file.js';
import { LvCatalog, type ViewOptions } from './lv-catalog.js';
import { LvExport } from './lv-export.js';
import { attach, detach, kernelDeviceSupport, makeLinks, type KernelDevice } from './kernel-device.js';
import { runPaths, vgSocketPath, type DaemonState, type ExportState } from './run-dir.js';
import { ServerConnection } from './server-connection.js';

export interface ControlRequest {
  op: 'rescan' | 'status' | 'listen' | 'unlisten' | 'stop';
  address?: string;
  readOnly?: boolean;
}

interface Listener {
  server: Server;
  /** How connections through it are counted and limited. */
  kernel: boolean;
  readOnly: boolean;
  view: ViewOptions;
}

export class NbdDaemon {
  private readonly paths;
  private readonly db: Db;
  private readonly catalog: LvCatalog;
  private readonly vgListeners = new Map<string, Listener>();
  private readonly tcpListeners = new Map<string, Listener>();
  private kernelListener: Listener | null = null;
  private readonly conns = new Set<ServerConnection>();
  /** The replication role of each connection's LV when it connected (not kernel attachments). */
  private readonly connRoles = new Map<ServerConnection, { lvUuid: string; role: ReplicationRole | null }>();
  private readonly kernelDevs = new Map<string, KernelDevice>();
  private readonly kernelErrors = new Map<string, string>();
  /** Kernel devices the current rescan could not make: VG/LV -> why. */
  private newErrors: Record<string, string> = {};
  private queue: Promise<unknown> = Promise.resolve();
  private control: Server | null = null;
  private stopping = false;

  constructor(private readonly systemDir: string, private readonly devRoot: string) {
    this.paths = runPaths(systemDir);
    this.db = openDb(systemDir);
    this.catalog = new LvCatalog({ devices: new DevicePool(systemDir), systemDir }, this.db);
  }

  /** Become the daemon of this system dir; false when another one already is. */
  async start(): Promise<boolean> {
    mkdirSync(this.paths.dir, { recursive: true, mode: 0o700 });
    if (!linkPid(this.paths.pid)) return false;
    rmSync(this.paths.control, { force: true });
    this.control = await listenUnix(this.paths.control, (s) => this.controlConnection(s));
    this.kernelListener = { server: await listenUnix(this.paths.kernel, (s) => this.accept(s, this.kernelListener!)), kernel: true, readOnly: false, view: {} };
    for (const a of this.savedListeners()) await this.listenTcp(a.address, a.readOnly).catch(() => undefined);
    const watchdog = setInterval(() => {
      if (!existsSync(join(this.systemDir, 'tsvm.db')) || !existsSync(this.paths.pid)) void this.stop();
    }, 1000);
    watchdog.unref();
    for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(sig, () => void this.stop());
    await this.serialized(() => this.rescan());
    return true;
  }

  private serialized<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.queue.then(fn, fn);
    this.queue = p.catch(() => undefined);
    return p;
  }

  /** Serve what is active now: sockets per VG, kernel devices, connections of gone LVs dropped. */
  private async rescan(): Promise<void> {
    this.catalog.rescan();
    const entries = this.catalog.entries;
    const vgs = new Set([...entries.values()].map((e) => e.vgName));
    for (const vg of vgs) {
      if (!this.vgListeners.has(vg)) {
        const l: Listener = { server: null as unknown as Server, kernel: false, readOnly: false, view: { vgName: vg } };
        l.server = await listenUnix(vgSocketPath(this.systemDir, vg), (s) => this.accept(s, l));
        this.vgListeners.set(vg, l);
      }
    }
    for (const [vg, l] of this.vgListeners) {
      if (vgs.has(vg)) continue;
      l.server.close();
      rmSync(vgSocketPath(this.systemDir, vg), { force: true });
      this.vgListeners.delete(vg);
    }
    for (const c of this.conns) {
      const uuid = (c.export as LvExport | null)?.lvUuid;
      if (uuid && !entries.has(uuid)) c.close(true);
    }
    // Failover (tsvm replica promote): the clients of a replica made writable are cut off, the old
    // source's shipper first of all, as DRBD drops its peer; reconnecting, they read the new role.
    for (const [c, r] of this.connRoles) {
      if (r.role !== 'promoted' && replicationRole(this.systemDir, r.lvUuid) === 'promoted') c.close(true);
    }
    await this.syncKernelDevices();
    this.publish();
    // Nothing active: go, unless a request queued meanwhile activates something (after this reply).
    if (!entries.size) setTimeout(() => void this.serialized(async () => {
      if (!this.catalog.entries.size) await this.stop();
    }), 50);
  }

  private kernelWay(): 'nbd' | 'fuse' | null {
    const conf = systemConfig(this.systemDir);
    if (!conf.bool('activation/nbd_kernel_device', true) || process.env.TSVM_NO_KERNEL_DEVICES) return null;
    const s = kernelDeviceSupport();
    return 'way' in s ? s.way : null;
  }

  private async syncKernelDevices(): Promise<void> {
    const entries = this.catalog.entries;
    for (const [uuid, k] of this.kernelDevs) {
      if (entries.has(uuid)) continue;
      this.kernelDevs.delete(uuid);
      await detach(k, this.paths.fuse, uuid);
    }
    const way = this.kernelWay();
    for (const e of entries.values()) {
      let k = this.kernelDevs.get(e.lvUuid);
      if (!k && way && !this.kernelErrors.has(e.lvUuid)) {
        try {
          k = await attach(way, this.paths.kernel, this.paths.fuse, e.lvUuid, `${e.vgName}/${e.lvName}`);
          this.kernelDevs.set(e.lvUuid, k);
        } catch (err) {
          this.kernelErrors.set(e.lvUuid, (err as Error).message);
          this.newErrors[`${e.vgName}/${e.lvName}`] = (err as Error).message;
        }
      }
      if (k) makeLinks(k, this.devRoot, e.vgName, e.lvName);
    }
  }

  private accept(sock: Socket, l: Listener): void {
    if (this.stopping) return void sock.destroy();
    let counted: string | null = null;
    const conn = new ServerConnection(sock, this.catalog.view(l.view), {
      readOnly: l.readOnly,
      onOpen: (c, exp) => {
        if (l.kernel || !(exp instanceof LvExport)) return;
        counted = exp.lvUuid;
        this.connRoles.set(c, { lvUuid: counted, role: replicationRole(this.systemDir, counted) });
        this.countOpen(counted, 1);
      },
      onClose: (c) => {
        this.conns.delete(c);
        this.connRoles.delete(c);
        if (counted) this.countOpen(counted, -1);
        counted = null;
      },
    });
    this.conns.add(conn);
  }

  private countOpen(lvUuid: string, delta: number): void {
    this.catalog.countOpen(lvUuid, delta);
    this.publish();
  }

  /** state.json: what `lvs`, lvdisplay, lsblk and the in-use checks read. */
  private publish(): void {
    if (this.stopping) return;
    const exports: Record<string, ExportState> = {};
    for (const e of this.catalog.entries.values()) {
      const k = this.kernelDevs.get(e.lvUuid);
      exports[e.lvUuid] = {
        name: `${e.vgName}/${e.lvName}`, vgName: e.vgName, lvName: e.lvName, readOnly: e.readOnly,
        open: this.catalog.opens.get(e.lvUuid) ?? 0, ...(k ? { device: k.device, fuseFile: k.fuseFile } : {}),
      };
    }
    const state: DaemonState = {
      pid: process.pid, exports, devRoot: this.devRoot,
      listen: [...this.tcpListeners.entries()].map(([a, l]) => (l.readOnly ? `${a} ro` : a)),
    };
    const tmp = `${this.paths.state}.${process.pid}`;
    writeFileSync(tmp, JSON.stringify(state));
    renameSync(tmp, this.paths.state);
  }

  // ---- TCP listeners (only where asked) ----

  private savedListeners(): Array<{ address: string; readOnly: boolean }> {
    try {
      return JSON.parse(readFileSync(join(this.paths.dir, 'listen.json'), 'utf8'));
    } catch {
      return [];
    }
  }

  private saveListeners(): void {
    const list = [...this.tcpListeners.entries()].map(([address, l]) => ({ address, readOnly: l.readOnly }));
    writeFileSync(join(this.paths.dir, 'listen.json'), JSON.stringify(list));
  }

  private async listenTcp(address: string, readOnly: boolean): Promise<void> {
    const m = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(address);
    if (!m) throw new Error(`Invalid listen address ${address} (HOST:PORT).`);
    if (this.tcpListeners.has(address)) return;
    const host = m[1]!.replace(/^\[|\]$/g, '');
    const l: Listener = { server: createServer((s) => this.accept(s, l)), kernel: false, readOnly, view: {} };
    await new Promise<void>((resolve, reject) => {
      l.server.once('error', reject);
      l.server.listen(Number(m[2]), host, () => resolve());
    });
    this.tcpListeners.set(address, l);
  }

  // ---- control socket ----

  private controlConnection(sock: Socket): void {
    let buf = '';
    sock.setEncoding('utf8');
    sock.on('error', () => undefined);
    sock.on('data', (d: string) => {
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      let req: ControlRequest;
      try {
        req = JSON.parse(line) as ControlRequest;
      } catch {
        return void sock.end(JSON.stringify({ ok: false, error: 'bad request' }) + '\n');
      }
      void this.serialized(() => this.handle(req)).then(
        (r) => sock.end(JSON.stringify({ ok: true, ...r }) + '\n'),
        (e: Error) => sock.end(JSON.stringify({ ok: false, error: e.message }) + '\n'),
      );
    });
  }

  private async handle(req: ControlRequest): Promise<Record<string, unknown>> {
    switch (req.op) {
      case 'rescan': {
        // Kernel devices that could not be made are tried again at each change.
        this.kernelErrors.clear();
        this.newErrors = {};
        await this.rescan();
        return { errors: this.newErrors };
      }
      case 'status':
        return {};
      case 'listen':
        await this.listenTcp(req.address ?? '', !!req.readOnly);
        this.saveListeners();
        this.publish();
        return {};
      case 'unlisten': {
        const l = this.tcpListeners.get(req.address ?? '');
        if (!l) throw new Error(`Not listening on ${req.address}.`);
        l.server.close();
        this.tcpListeners.delete(req.address!);
        this.saveListeners();
        this.publish();
        return {};
      }
      case 'stop':
        setImmediate(() => void this.stop());
        return {};
      default:
        throw new Error(`unknown request ${String((req as { op: unknown }).op)}`);
    }
  }

  /** Drop every connection and kernel device, remove the run files, exit. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    for (const c of this.conns) c.close(true);
    for (const [uuid, k] of this.kernelDevs) await detach(k, this.paths.fuse, uuid).catch(() => undefined);
    this.kernelDevs.clear();
    for (const l of [...this.vgListeners.values(), ...this.tcpListeners.values()]) l.server.close();
    for (const vg of this.vgListeners.keys()) rmSync(vgSocketPath(this.systemDir, vg), { force: true });
    this.kernelListener?.server.close();
    this.control?.close();
    for (const f of [this.paths.control, this.paths.kernel, this.paths.state]) rmSync(f, { force: true });
    rmSync(this.paths.pid, { force: true });
    process.exit(0);
  }
}

/** A unix socket server at `path`, mode 0600 (a stale socket file is replaced). */
async function listenUnix(path: string, onConn: (s: Socket) => void): Promise<Server> {
  rmSync(path, { force: true });
  const server = createServer(onConn);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => resolve());
  });
  chmodSync(path, 0o600);
  return server;
}
