// The daemon's table of exports: every active, visible LV of every VG in the database (LVM2 makes a
// /dev/VG/LV node for exactly those), rebuilt on each rescan. Connections share one LvExport per
// LV (one device-mapper device per LV, whatever number of openers), opened on the first client and
// closed after the last; open counts are kept for `lvs` (attr 'o') and lvdisplay (# open).
import type { Db } from '../store/db.js';
import { MetadataStore } from '../store/metadata-store.js';
import type { IoEnv } from '../lv-io/index.js';
import { SPLIT_MAP_SUFFIX, splitMapOf } from '../lv-io/replica-hook.js';
import { BufferExport } from './buffer-export.js';
import type { ExportCatalog, NbdExport } from './export.js';
import { LvExport } from './lv-export.js';

export interface ExportEntry {
  lvUuid: string;
  vgName: string;
  lvName: string;
  readOnly: boolean;
}

interface Shared {
  exp: LvExport;
  refs: number;
}

/** Which exports a listener offers. */
export interface ViewOptions {
  /** Only this VG's LVs (a VG's own socket); names may then omit the VG. */
  vgName?: string;
}

export class LvCatalog {
  entries = new Map<string, ExportEntry>();
  private readonly shared = new Map<string, Shared>();
  /** Client connections in transmission per LV uuid (kernel attachments not counted). */
  readonly opens = new Map<string, number>();

  constructor(private readonly env: IoEnv, private readonly db: Db) {}

  /** Read the active LVs from the database again. */
  rescan(): void {
    const rows = this.db.prepare(`SELECT lv.uuid, lv.name AS lvName, vg.name AS vgName, lv.writable FROM lv JOIN vg ON lv.vg_uuid = vg.uuid
      WHERE lv.active = 1 AND lv.visible = 1 ORDER BY vg.name, lv.name`).all() as Array<{ uuid: string; lvName: string; vgName: string; writable: number }>;
    this.entries = new Map(rows.map((r) => [r.uuid, { lvUuid: r.uuid, vgName: r.vgName, lvName: r.lvName, readOnly: !r.writable }]));
  }

  /** Find an export by the name a client gave. */
  resolve(name: string, view: ViewOptions): ExportEntry | null {
    const inView = [...this.entries.values()].filter((e) => !view.vgName || e.vgName === view.vgName);
    const n = name.replace(/^\/dev\//, '').replace(/^mapper\//, '');
    if (!n) return inView.length === 1 ? inView[0]! : null;
    return inView.find((e) => `${e.vgName}/${e.lvName}` === n || `${e.vgName}-${e.lvName}` === n
      || (view.vgName && e.lvName === n)) ?? null;
  }

  view(view: ViewOptions): ExportCatalog {
    return {
      list: () => [...this.entries.values()].filter((e) => !view.vgName || e.vgName === view.vgName)
        .map((e) => ({ name: `${e.vgName}/${e.lvName}`, description: `tsvm logical volume ${e.vgName}/${e.lvName}` })),
      open: async (name) => {
        if (name.endsWith(SPLIT_MAP_SUFFIX)) return this.splitMap(name, view);
        const e = this.resolve(name, view);
        return e ? this.acquire(e) : null;
      },
      release: (exp) => {
        if (exp instanceof LvExport) this.release(exp);
      },
    };
  }

  /** `VG/LV:split-map`: the region map of a replicated LV split from its peer (src/repl/split.ts). */
  private splitMap(name: string, view: ViewOptions): NbdExport | null {
    const e = this.resolve(name.slice(0, -SPLIT_MAP_SUFFIX.length), view);
    const m = e && splitMapOf(this.env.systemDir, e.lvUuid);
    if (!e || !m) return null;
    return new BufferExport(`${e.vgName}/${e.lvName}${SPLIT_MAP_SUFFIX}`,
      `tsvm split map of ${e.vgName}/${e.lvName}; region size ${m.regionSize}`, m.map, m.clear);
  }

  private acquire(e: ExportEntry): NbdExport {
    let s = this.shared.get(e.lvUuid);
    if (!s) {
      const store = new MetadataStore(this.db);
      const vg = store.loadVg(e.vgName)?.vg;
      const lv = vg?.lvs.find((l) => l.uuid === e.lvUuid);
      if (!vg || !lv || !lv.active) throw new Error(`${e.vgName}/${e.lvName} is not active`);
      s = { exp: new LvExport(this.env, this.db, vg, lv, false), refs: 0 };
      this.shared.set(e.lvUuid, s);
    }
    s.refs++;
    return s.exp;
  }

  private release(exp: LvExport): void {
    const s = this.shared.get(exp.lvUuid);
    if (!s || s.exp !== exp) return;
    if (--s.refs > 0) return;
    this.shared.delete(exp.lvUuid);
    try {
      exp.close();
    } catch {
      /* a failed leg's flush: the fault policy has had its say */
    }
  }

  countOpen(lvUuid: string, delta: number): void {
    const n = (this.opens.get(lvUuid) ?? 0) + delta;
    if (n > 0) this.opens.set(lvUuid, n);
    else this.opens.delete(lvUuid);
  }
}
