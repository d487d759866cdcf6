// What a handler gets: output, environment, lazily opened metadata store, locks and config.
// Only src/main.ts touches `process`; handlers stay testable and reusable by a server later.
import { hostname, homedir } from 'node:os';
import { join } from 'node:path';
import { Output } from './output.js';
import { Config } from '../model/config.js';
import { loadSystemConfig } from '../model/system-config.js';
import { resolveDevice, type DeviceName } from '../device/resolve.js';
import { openDb, settleWal } from '../store/db.js';
import { MetadataStore } from '../store/metadata-store.js';
import { ReadCache } from '../store/read-cache.js';
import { CachedReader, type MetadataReader } from '../store/metadata-reader.js';
import { GLOBAL_LOCK, LockManager } from '../store/locks.js';
import { InvalidCommandLine } from './errors.js';
import { pvImagePresent } from './pv-tools.js';
import { setVgCommitWriter } from '../store/commit-writer.js';
import { OnDiskWriter } from '../format-text/on-disk.js';
import type { PhysicalVolume } from '../model/types.js';
import type { Db } from '../store/db.js';
import { readLineSync } from './line-input.js';
import { folderDevices, NO_SCAN, scanLabels, vgHasDuplicatePvs, type LabelScan } from '../format-text/label-scan.js';
import type { ChoiceFacts } from '../format-text/duplicate-choice.js';
import { lvPvs } from '../model/vg-query.js';

/**
 * Commands that do not start with LVM2's label scan of every device (pvck and vgimportclone read
 * only the devices named; tsvm's own commands are not LVM2's): no duplicate-PV warnings there.
 */
const NO_LABEL_SCAN = new Set(['pvck', 'vgimportclone', 'dd', 'fault', 'lsblk', 'nbd', 'replica']);

export interface ContextOptions {
  /** Where yes/no answers are read (LVM2 reads them from stdin). */
  stdinFd?: number;
  /**
   * The database of a system directory. The lvm shell hands out one connection checked fresh for
   * each line (lvm-shell.ts); a command-line run opens its own.
   */
  openDb?: (systemDir: string) => Db;
  /**
   * The lvm shell: the metadata text printed last stays in memory for the next line, and its file
   * for other processes (format-text/text-reuse.ts) is written when the shell settles (shell-db.ts).
   */
  textFilesLater?: boolean;
}

export function defaultSystemDir(env: NodeJS.ProcessEnv): string {
  if (env.TSVM_SYSTEM_DIR) return env.TSVM_SYSTEM_DIR;
  const state = env.XDG_STATE_HOME || join(env.HOME || homedir(), '.local', 'state');
  return join(state, 'tsvm');
}

export class Context {
  readonly systemDir: string;
  readonly devDir: string | undefined;
  private _store?: MetadataStore;
  private _locks?: LockManager;
  private _config?: Config;
  /** --config text from the command line, merged over lvm.conf. */
  configOverride = '';
  /** The command line as LVM2's cmd_line has it (the on-disk description "Write from ..."). */
  cmdLine: string;
  /** The command activated something (lvcreate, lvchange/vgchange -ay): the serving daemon must run. */
  wantsDevices = false;
  /** LVM2's partial/degraded activation mode of this command (cli/activation-mode.ts, set before the handler runs). */
  activationMode: 'complete' | 'degraded' | 'partial' = 'degraded';

  /** Whether this command committed metadata or activation changes. */
  get metadataChanged(): boolean {
    return (this._store?.changes ?? 0) > 0;
  }

  readonly stdinFd: number;
  private readonly openDb: (systemDir: string) => Db;

  constructor(readonly cmd: string, readonly out: Output, readonly env: NodeJS.ProcessEnv, opts: ContextOptions = {}) {
    this.systemDir = defaultSystemDir(env);
    this.devDir = env.TSVM_DEV_DIR || undefined;
    this.stdinFd = opts.stdinFd ?? 0;
    this.openDb = opts.openDb ?? openDb;
    this.cmdLine = cmd;
    // Every commit of this process also goes to the PVs' metadata areas (src/format-text).
    const ctx = this;
    setVgCommitWriter(new OnDiskWriter({
      get cmdLine() { return ctx.cmdLine; }, warn: (l) => ctx.out.warn(l), now: () => ctx.now(),
      textsDir: join(this.systemDir, 'cache'), textFilesLater: !!opts.textFilesLater,
      duplicatePvs: (vg) => vgHasDuplicatePvs(ctx.labelScan, vg),
    }));
  }

  get store(): MetadataStore {
    if (!this._store) {
      this._store = new MetadataStore(this.openDb(this.systemDir), this.readCache, () => this.locks.tryLock(GLOBAL_LOCK));
      void this.labelScan;
    }
    return this._store;
  }

  private _labels?: LabelScan;

  /**
   * LVM2's label scan, once per command on its first read of metadata: the PV label of every
   * device (those of the device folder, else those tsvm knows), duplicates chosen among, and
   * LVM2's warnings about the devices not used.
   */
  get labelScan(): LabelScan {
    if (this._labels) return this._labels;
    this._labels = NO_SCAN;
    if (NO_LABEL_SCAN.has(this.cmd)) return this._labels;
    const devices = this.devDir ? folderDevices(this.devDir) : this.knownDevices();
    this._labels = scanLabels(devices, () => this.duplicateFacts());
    for (const l of this._labels.duplicates.warnings) this.out.warn(l);
    return this._labels;
  }

  /** Without a device folder, the devices are the PVs tsvm knows: from the read cache unless the database is open. */
  private knownDevices(): { name: string; path: string }[] {
    const cached = this._store ? undefined : this.readCache.index()?.devices;
    return cached ?? this.store.allPvs().map((p) => ({ name: p.name, path: p.path }));
  }

  /** What _choose_duplicates asks of lvmcache: the PV as its VG's metadata has it, active LVs on a device. */
  private duplicateFacts(): ChoiceFacts {
    const store = this.store;
    return {
      summary: (uuid) => {
        const pv = store.pvByUuid(uuid);
        return pv?.vgName ? { size: pv.devSize, hint: pv.name } : null;
      },
      usedByLv: (dev) => {
        const pv = store.pvByUuid(dev.uuid);
        if (!pv?.vgName || pv.path !== dev.path) return false;
        const vg = store.loadVg(pv.vgName)?.vg;
        return !!vg?.lvs.some((lv) => lv.active && lvPvs(vg, lv).some((p) => p.uuid === pv.uuid));
      },
    };
  }

  private _readCache?: ReadCache;
  private get readCache(): ReadCache {
    return (this._readCache ??= new ReadCache(this.systemDir));
  }

  /** For reports: the read cache, falling back to the store (which it opens only then). */
  get reader(): MetadataReader {
    void this.labelScan;
    return new CachedReader(this.readCache, () => this.store);
  }

  get locks(): LockManager {
    return (this._locks ??= new LockManager(this.systemDir));
  }

  get config(): Config {
    if (!this._config) {
      const c = loadSystemConfig(this.systemDir);
      if (this.configOverride) {
        try {
          c.merge(this.configOverride);
        } catch {
          throw new InvalidCommandLine('Failed to set overridden configuration entries.');
        }
      }
      this._config = c;
    }
    return this._config;
  }

  get host(): string {
    return hostname();
  }

  /** The process id LVM2 prints in pvscan's "pvscan[PID] PV ... online." lines. */
  get pid(): number {
    return process.pid;
  }

  /** Seconds since the epoch (lv_time, vg creation). */
  now(): number {
    return Math.floor(Date.now() / 1000);
  }

  /** Device scan: is the PV's image there with its label? (Tests of reports replace this.) */
  pvImagePresent(pv: PhysicalVolume): boolean {
    return pvImagePresent(pv);
  }

  device(arg: string): DeviceName {
    return resolveDevice(arg, this.devDir);
  }

  /**
   * LVM2's yes_no_prompt(): the question on stderr, the answer read from stdin; end of input
   * answers "[n]". Returns true for yes.
   */
  yesNo(question: string): boolean {
    this.out.flushOut();
    for (;;) {
      this.out.rawErr(question);
      const line = readLineSync(this.stdinFd);
      if (line === null) {
        this.out.rawErr('[n]\n');
        return false;
      }
      const a = line.trim().toLowerCase();
      if (a && 'yes'.startsWith(a)) return true;
      if (a && 'no'.startsWith(a)) return false;
      this.out.error(`WARNING: Invalid input '${line.trim()}'.`);
    }
  }

  /**
   * End of a command. `closeDb` false (the CLI, which exits right after) leaves the database
   * open: closing the last connection checkpoints the WAL into the database file with fsyncs,
   * which was the largest single cost of a mutating command, and src/start.ts exits with
   * process.exit(), which does not close it either. Committed transactions are in the WAL either
   * way; settleWal folds them in once the WAL has grown (before the locks go, so that the next
   * writer of this VG finds it small).
   */
  close(closeDb = true): void {
    try {
      if (this._store) {
        if (closeDb) this._store.db.close();
        else settleWal(this._store.db);
      }
    } finally {
      this._locks?.releaseAll();
    }
  }
}
