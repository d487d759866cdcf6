// Load and commit whole VGs (LVM2's vg_read / vg_write + vg_commit). A commit is one SQLite
// transaction: it checks the seqno it read, archives the previous version in vg_history (history.ts), bumps the
// seqno and rewrites the VG's rows. Orphan PVs (in no VG) are rows with vg_uuid NULL.
import type { Db } from './db.js';
import { ReadCache } from './read-cache.js';
import { vgCommitWriter } from './commit-writer.js';
import { dirname } from 'node:path';
import type { Statement } from 'better-sqlite3';
import { lvJson, lvUuidOf, splitVgJson, vgJson, vgJsonFromLines, vgJsonHead, type ReusableLines } from './vg-json.js';
import { SHOWN_UUID_MEMBER, unreadLv } from '../model/unread-lv.js';
import { cancelPublish, publishLater } from './deferred-publish.js';
import { carriesVgs, dataVersion, dropCarried, keepCommitted, sameLv, takeCarried, type LvRef, type TakenVg } from './vg-carry.js';
import { keyImportedLvs } from '../model/lv-id.js';
import { decodeUsedSpace, encodeUsedSpace, usedSpaceAfter, type UsedSpace } from './used-space.js';
import { recordLvKeys, recordedLvKeys } from './lv-key-ledger.js';
import {
  applyHistoryDelta, decodeHistory, encodeHistory, encodeHistoryDelta, historyVersionLvTexts, historyVersionOf, historyVersionText, isHistoryDelta,
  type HistoryVersion,
} from './history.js';
import type {
  AllocPolicy, LogicalVolume, LvSegment, LvStatusFlag, PhysicalVolume, SegmentType, VolumeGroup,
} from '../model/types.js';

interface PvRow {
  uuid: string; name: string; path: string; dev_size: number; pe_start: number; pe_count: number;
  allocatable: number; missing: number; tags: string; vg_uuid: string | null; vg_index: number | null;
  mda_count: number; mda_size: number | null; mda_ignored: number; mda1_size: number | null;
}
interface VgRow {
  uuid: string; name: string; extent_size: number; seqno: number; alloc: string; max_lv: number; max_pv: number;
  resizeable: number; exported: number; tags: string; system_id: string; creation_time: number; creation_host: string;
  mda_copies: number; mda_text_size: number; mda_text_crc: number | null;
}
/** A row of LV_TREE_QUERY: the LV's columns, then its segment's (null for none), then the area's. */
type LvTreeRow = [
  uuid: string, name: string, visible: number, writable: number, alloc: string, active: number, creationTime: number,
  creationHost: string, tags: string, readAhead: string, flags: string,
  segIndex: number | null, startLe: number | null, extentCount: number | null, type: string | null,
  stripeSize: number | null, regionSize: number | null, mirrorLog: string | null,
  areaIndex: number | null, pvUuid: string | null, lvName: string | null, start: number | null,
  extentsMoved: number | null, raid: string | null, shownUuid: string | null,
];

const LV_TREE_QUERY = `SELECT l.uuid, l.name, l.visible, l.writable, l.alloc, l.active, l.creation_time, l.creation_host,
    l.tags, l.read_ahead, l.flags,
    s.seg_index, s.start_le, s.extent_count, s.type, s.stripe_size, s.region_size, s.mirror_log,
    a.area_index, a.pv_uuid, a.lv_name, a.start, s.extents_moved, s.raid, l.shown_uuid
  FROM lv l
  LEFT JOIN seg s ON s.lv_uuid = l.uuid
  LEFT JOIN area a ON a.lv_uuid = s.lv_uuid AND a.seg_index = s.seg_index
  WHERE l.vg_uuid = ?
  ORDER BY l.vg_index, s.seg_index, a.area_index`;

/** Tags and flags are JSON arrays, nearly always empty. */
function parseList(json: string): unknown[] {
  return json === '[]' ? [] : (JSON.parse(json) as unknown[]);
}

/** A VG as read, remembering what it was so the commit can archive it and detect a lost update. */
export interface LoadedVg {
  vg: VolumeGroup;
  readSeqno: number;
  /** The name as read (history rows keep the name the archived version had). */
  readName: string;
  /** JSON of the VG as read (the history row's metadata); assigning it says what is now stored. */
  snapshot: string;
  /** The VG as read (what `snapshot` says), not the object the command changes; not to be changed. */
  readVersion(): VolumeGroup;
  /**
   * The extents the LVs of the version read use (used-space.ts), when known: the read cache's index
   * of that version, or what freeSpaceAsRead walked. The commit derives the next version's from it.
   */
  usedSpace?: UsedSpace | null;
}

interface HistoryRow {
  id: number; vg_uuid: string; seqno: number; saved_at: number; description: string; metadata: string | Buffer;
}

/** The rows a VG was read from: enough to rebuild the VG exactly as read, at any later time. */
interface VgRows {
  vg: VgRow;
  pvs: PvRow[];
  lvs: LvTreeRow[];
}

/**
 * A LoadedVg whose snapshot is made only when asked for (a commit), from the rows read: most
 * reads (reports) never commit, and serialising 1,000 LVs is most of a report's own time.
 */
class LazyLoadedVg implements LoadedVg {
  private text: string | undefined;
  /** The snapshot split into its head and LV lines, when the loader split it (unread LVs). */
  lines: ReadForDiff | null = null;
  usedSpace: UsedSpace | null = null;

  constructor(public vg: VolumeGroup, public readSeqno: number, public readName: string, private rows: VgRows | null) {}

  get snapshot(): string {
    if (this.text === undefined) this.text = vgJson(this.readVersion());
    return this.text;
  }

  set snapshot(text: string) {
    this.text = text;
    this.rows = null;
    this.lines = null;
    this.usedSpace = null;
  }

  readVersion(): VolumeGroup {
    return this.rows ? vgFromRows(this.rows) : (JSON.parse(this.snapshot) as VolumeGroup);
  }
}

/**
 * The version the previous command on this connection committed (vg-carry.ts): its text is made
 * only if asked for (a whole-VG history row), and each LV's text is known without serialising it.
 */
class CarriedLoadedVg implements LoadedVg {
  readonly vg: VolumeGroup;
  readonly readName: string;
  private text: string | undefined;
  usedSpace: UsedSpace | null = null;

  constructor(public taken: TakenVg | null, public readSeqno: number) {
    this.vg = taken!.vg;
    this.readName = this.vg.name;
  }

  get snapshot(): string {
    return (this.text ??= vgJsonFromLines(this.taken!.headLine, this.taken!.lvTexts));
  }

  set snapshot(text: string) {
    this.text = text;
    this.taken = null;
    this.usedSpace = null;
  }

  readVersion(): VolumeGroup {
    return JSON.parse(this.snapshot) as VolumeGroup;
  }
}

export class ConcurrentUpdateError extends Error {}

/**
 * A VG version just committed, for the read cache: its LVs as the commit wrote them; `later`: the
 * lvm shell publishes it later (deferred-publish.ts).
 */
interface Committed {
  vg: VolumeGroup;
  lvTexts: string[];
  later?: boolean;
  /** The cached version the commit read, whose lines still in place the new file copies as bytes. */
  from?: ReusableLines;
  /** The extents its LVs use (used-space.ts), when the commit could derive them. */
  used?: UsedSpace;
}

/**
 * The version a commit replaces: its VG members, vgJson's first line of it (null if unknown),
 * each LV's text (vg-json.ts), and for a carried version each LV as parsed from its text.
 */
interface ReadForDiff {
  head: Omit<VolumeGroup, 'lvs'>;
  headLine: string | null;
  lvTexts: string[];
  refs?: LvRef[];
  /** The read cache file's bytes this was split from, if one byte a character (vg-json.ts ReusableLines). */
  bytes?: Buffer;
}
function readForDiff(loaded: LoadedVg): ReadForDiff {
  if (loaded instanceof CarriedLoadedVg && loaded.taken) return loaded.taken;
  if (loaded instanceof LazyLoadedVg && loaded.lines) return loaded.lines;
  const split = splitVgJson(loaded.snapshot);
  if (split) return { ...split, headLine: vgJsonHead(loaded.snapshot) };
  const old = loaded.readVersion();
  return { head: old, headLine: null, lvTexts: old.lvs.map((lv) => JSON.stringify(lv)) };
}

/** The cached file a version was read from, whose lines still in place a new cache file copies as bytes. */
function reusableLines(old: ReadForDiff): ReusableLines | undefined {
  return old.bytes && old.headLine !== null ? { bytes: old.bytes, headLine: old.headLine, lvTexts: old.lvTexts } : undefined;
}

/**
 * Each LV's JSON, and the parsed copy its text came from when known: an LV of a carried version
 * still equal to its copy has its text as read (no serialising at all), others are serialised.
 */
function lvTextsOf(vg: VolumeGroup, old: ReadForDiff | null): { texts: string[]; refs: (LvRef | undefined)[] } {
  const refs: (LvRef | undefined)[] = [];
  if (!old?.refs) return { texts: vg.lvs.map(lvJson), refs };
  let byUuid: Map<string, number> | undefined;
  // LVs at the places they had, up to here: past the old list's end, a new LV (lvcreate's) is then
  // known to be new without looking up its uuid (uuids are unique in a VG)
  let inPlace = 0;
  const texts = vg.lvs.map((lv, i) => {
    let at: number | undefined = i;
    if (old.refs![i]?.lv.uuid === lv.uuid) inPlace++;
    else if (inPlace === old.refs!.length) at = undefined;
    else {
      if (!byUuid) {
        byUuid = new Map();
        old.refs!.forEach((r, j) => byUuid!.set(r.lv.uuid, j));
      }
      at = byUuid.get(lv.uuid);
    }
    if (at !== undefined && sameLv(lv, old.refs![at]!)) {
      refs[i] = old.refs![at];
      return old.lvTexts[at]!;
    }
    return JSON.stringify(lv);
  });
  return { texts, refs };
}

/**
 * vgJson's text as a VG whose LVs are unread (model/unread-lv.ts): only the VG's members are
 * parsed; each LV is parsed when a command first looks inside it. Null if `text` is not vgJson's.
 */
function splitUnread(text: string, bytes: Buffer | null = null): { vg: VolumeGroup; lines: ReadForDiff } | null {
  const headLine = vgJsonHead(text);
  if (headLine === null) return null;
  const lvTexts = text.slice(headLine.length + 1, -'\n]}'.length).split(',\n');
  if (lvTexts.length === 1 && lvTexts[0] === '') lvTexts.length = 0;
  const head = JSON.parse(headLine.slice(0, -',"lvs":['.length) + '}') as Omit<VolumeGroup, 'lvs'>;
  const vg = JSON.parse(headLine.slice(0, -',"lvs":['.length) + '}') as VolumeGroup;
  // (a copy's LVs have a shownUuid: most VGs have none, and looking once spares each line a search)
  const mayShowUuid = text.includes(SHOWN_UUID_MEMBER, headLine.length);
  vg.lvs = lvTexts.map((line) => unreadLv(line, mayShowUuid));
  return { vg, lines: { head, headLine, lvTexts, ...(bytes ? { bytes } : {}) } };
}

/**
 * The LVs whose text is the one they had at the same place in the version read, and when the
 * list is shorter, those after a run of removed LVs whose text is the one at the same place from
 * the end (lvremove of an LV among 10,000: the LVs after it would otherwise be printed again);
 * `removed`: the texts of that run when nothing else changed the list (VgCommitWriter.prepare).
 */
function unchangedLvs(vg: VolumeGroup, oldTexts: string[], lvTexts: string[]): { unchanged: Set<LogicalVolume>; removed: string[] } {
  const out = new Set<LogicalVolume>();
  vg.lvs.forEach((lv, i) => {
    if (oldTexts[i] === lvTexts[i]) out.add(lv);
  });
  const n = lvTexts.length;
  const m = oldTexts.length;
  if (m <= n) return { unchanged: out, removed: [] };
  let head = 0;
  while (head < n && oldTexts[head] === lvTexts[head]) head++;
  let tail = 0;
  while (tail < n - head && oldTexts[m - 1 - tail] === lvTexts[n - 1 - tail]) {
    out.add(vg.lvs[n - 1 - tail]!);
    tail++;
  }
  return { unchanged: out, removed: head + tail === n ? oldTexts.slice(head, m - tail) : [] };
}

function pvFromRow(r: PvRow, vgName: string | null): PhysicalVolume {
  return {
    uuid: r.uuid, name: r.name, path: r.path, devSize: r.dev_size, peStart: r.pe_start, peCount: r.pe_count,
    allocatable: !!r.allocatable, missing: !!r.missing, tags: parseList(r.tags) as string[], vgName,
    ...(r.mda_count !== 1 ? { mdaCount: r.mda_count } : {}), ...(r.mda_size !== null ? { mdaSize: r.mda_size } : {}),
    ...(r.mda_ignored ? { mdaIgnored: r.mda_ignored } : {}), ...(r.mda1_size !== null ? { mda1Size: r.mda1_size } : {}),
  };
}

/** Build a VG from its rows (called again on the same rows for a snapshot: must not change them). */
function vgFromRows({ vg: row, pvs: pvRows, lvs: rows }: VgRows): VolumeGroup {
  const pvs = pvRows.map((r) => pvFromRow(r, row.name));
  const lvs = [...lvsFromRows(rows)];
  return {
    uuid: row.uuid, name: row.name, extentSize: row.extent_size, seqno: row.seqno,
    alloc: row.alloc as VolumeGroup['alloc'], maxLv: row.max_lv, maxPv: row.max_pv, resizeable: !!row.resizeable,
    exported: !!row.exported, tags: parseList(row.tags) as string[], systemId: row.system_id,
    creationTime: row.creation_time, creationHost: row.creation_host, mdaCopies: row.mda_copies,
    mdaTextSize: row.mda_text_size, ...(row.mda_text_crc !== null ? { mdaTextCrc: row.mda_text_crc } : {}), pvs, lvs,
  };
}

/** Each LV of LV_TREE_QUERY's rows, in order, once its last row is read (rows read one at a time need not all be held). */
function* lvsFromRows(rows: Iterable<LvTreeRow>): Generator<LogicalVolume> {
  let lv: LogicalVolume | undefined;
  let seg: LvSegment | undefined;
  let segIndex = -1;
  for (const r of rows) {
    if (!lv || lv.uuid !== r[0]) {
      if (lv) yield lv;
      lv = {
        uuid: r[0], name: r[1], visible: !!r[2], writable: !!r[3], alloc: r[4] as AllocPolicy, active: !!r[5],
        creationTime: r[6], creationHost: r[7], tags: parseList(r[8]) as string[],
        readAhead: r[9] === 'auto' ? 'auto' : Number(r[9]), flags: parseList(r[10]) as LvStatusFlag[], segments: [],
      };
      if (r[24] !== null) lv.shownUuid = r[24];
      seg = undefined;
    }
    if (r[11] === null) continue;
    if (!seg || segIndex !== r[11]) {
      seg = {
        startLe: r[12]!, extentCount: r[13]!, type: r[14] as SegmentType, stripeSize: r[15]!, regionSize: r[16]!,
        mirrorLog: r[17], areas: [],
      };
      if (r[22] !== null) seg.extentsMoved = r[22];
      if (r[23] !== null) Object.assign(seg, JSON.parse(r[23]) as Partial<LvSegment>);
      segIndex = r[11];
      lv.segments.push(seg);
    }
    if (r[18] === null) continue;
    seg.areas.push(r[19] !== null ? { kind: 'pv', pvUuid: r[19], pe: r[21]! } : { kind: 'lv', lvName: r[20]!, le: r[21]! });
  }
  if (lv) yield lv;
}

/**
 * Prepared statements of each connection, by SQL text (preparing is a parse and plan each time):
 * compiled SQL holds no data, so a long-running process (the lvm shell) keeps them across commands.
 */
const statements = new WeakMap<Db, Map<string, Statement>>();

export class MetadataStore {
  /** Commits made through this store (the CLI tells the serving daemon after a command that made any). */
  changes = 0;
  private readonly stmts: Map<string, Statement>;

  /**
   * `mayWriteIndex` is asked before (re)building a missing cache index: it must take the global
   * lock without waiting, because only holders of that lock change what the index lists.
   */
  private readonly cache: ReadCache | null;

  /**
   * Every store on a database keeps that database's read cache (beside it, read-cache.ts) up to
   * date, whoever opened it: a writer that did not would leave reports reading stale metadata.
   */
  constructor(readonly db: Db, cache?: ReadCache | null, private readonly mayWriteIndex: () => boolean = () => false) {
    let stmts = statements.get(db);
    if (!stmts) statements.set(db, (stmts = new Map()));
    this.stmts = stmts;
    this.cache = cache !== undefined ? cache : db.memory ? null : new ReadCache(dirname(db.name));
  }

  // ---- the read cache (read-cache.ts): dropped before a write, published after the outermost commit
  private depth = 0;
  /** Writes to the PVs' metadata areas waiting for the outermost transaction to commit. */
  private afterCommit: (() => void)[] = [];
  /** VGs to publish: the committed object and its LVs' JSON (null: read it again). */
  private dirtyVgs = new Map<string, Committed | null>();
  private indexDirty = false;

  private touchVg(uuid: string, committed: Committed | null): void {
    if (!this.cache) return;
    cancelPublish(this.db, uuid);
    this.cache.dropVg(uuid);
    this.dirtyVgs.set(uuid, committed);
  }

  /**
   * A PV row taken from another VG (a PV of a VG whose metadata is gone, which LVM2 sees as an
   * orphan): that VG's cached version lists it no more.
   */
  private touchVgOfPv(pvUuid: string, newVgUuid: string | null): void {
    if (!this.cache) return;
    const row = this.stmt('SELECT vg_uuid FROM pv WHERE uuid = ?').get(pvUuid) as { vg_uuid: string | null } | undefined;
    if (row?.vg_uuid && row.vg_uuid !== newVgUuid) this.touchVg(row.vg_uuid, null);
  }

  private touchIndex(): void {
    if (!this.cache) return;
    this.cache.dropIndex();
    this.indexDirty = true;
  }

  private publish(): void {
    const cache = this.cache;
    if (!cache) return;
    const vgs = [...this.dirtyVgs];
    const index = this.indexDirty;
    this.dirtyVgs.clear();
    this.indexDirty = false;
    for (const [uuid, obj] of vgs) {
      const row = this.stmt('SELECT * FROM vg WHERE uuid = ?').get(uuid) as VgRow | undefined;
      if (!row) continue;
      // the committed version (its LVs as the commit wrote them), or (activation) a fresh read
      if (obj?.later) continue;
      if (obj && obj.vg.seqno === row.seqno) {
        cache.publishVgTexts(obj.vg, obj.lvTexts, obj.from);
        if (obj.used) cache.publishUsedSpace(uuid, row.seqno, encodeUsedSpace(obj.used));
      } else cache.publishVg(vgFromRows(this.vgRows(row)));
    }
    if (index || (!cache.index() && this.mayWriteIndex())) {
      const names = this.stmt('SELECT name, uuid FROM vg').all() as { name: string; uuid: string }[];
      const devices = this.stmt('SELECT name, path FROM pv ORDER BY name, path').all() as { name: string; path: string }[];
      cache.publishIndex({ vgs: Object.fromEntries(names.map((n) => [n.name, n.uuid])), orphans: this.orphanPvs(), devices });
    }
  }

  vgNames(): string[] {
    return (this.stmt('SELECT name FROM vg ORDER BY name').all() as { name: string }[]).map((r) => r.name);
  }

  private stmt(sql: string): Statement {
    let st = this.stmts.get(sql);
    if (!st) this.stmts.set(sql, (st = this.db.prepare(sql)));
    return st;
  }

  loadVg(name: string): LoadedVg | null {
    const row = this.stmt('SELECT * FROM vg WHERE name = ?').get(name) as VgRow | undefined;
    if (!row) return null;
    const rows = this.vgRows(row);
    const vg = vgFromRows(rows);
    return new LazyLoadedVg(vg, vg.seqno, vg.name, rows);
  }

  /**
   * loadVg for a writer holding the VG's lock: the read cache's copy of the VG when it is the
   * version SQLite has (same uuid and seqno), else SQLite's rows. At 1,000 LVs parsing the cached
   * JSON is several times cheaper than the query and the objects built from it, and the text is
   * the history row's metadata as it is. The copy cannot differ from the rows: writers drop it
   * before they change the rows (with or without a new seqno) and publish it after the commit,
   * holding this same lock (read-cache.ts).
   */
  loadVgForUpdate(name: string): LoadedVg | null {
    const row = this.stmt('SELECT uuid, seqno FROM vg WHERE name = ?').get(name) as Pick<VgRow, 'uuid' | 'seqno'> | undefined;
    const taken = row && takeCarried(this.db, row.uuid, name, row.seqno);
    if (taken) return new CarriedLoadedVg(taken, row.seqno);
    const read = row && this.cache?.vgText(row.uuid, row.seqno);
    if (!read) return this.loadVg(name);
    const text = read.text;
    const split = splitUnread(text, read.bytes);
    const vg = split ? split.vg : (JSON.parse(text) as VolumeGroup);
    if (vg.uuid !== row.uuid || vg.seqno !== row.seqno || vg.name !== name) return this.loadVg(name);
    const loaded = new LazyLoadedVg(vg, vg.seqno, vg.name, null);
    loaded.snapshot = text;
    loaded.lines = split && split.lines;
    const used = this.cache!.usedSpace(row.uuid, row.seqno);
    loaded.usedSpace = used === null ? null : decodeUsedSpace(used);
    return loaded;
  }

  loadAllVgs(): VolumeGroup[] {
    const rows = this.stmt('SELECT * FROM vg ORDER BY name').all() as VgRow[];
    return rows.map((r) => vgFromRows(this.vgRows(r)));
  }

  private vgRows(row: VgRow): VgRows {
    const pvs = this.stmt('SELECT * FROM pv WHERE vg_uuid = ? ORDER BY vg_index').all(row.uuid) as PvRow[];
    // One query for LVs, segments and areas (start-up time: one statement and one row per area
    // instead of three statements and three sorts), read as arrays rather than objects.
    const lvs = this.rawStmt(LV_TREE_QUERY).all(row.uuid) as LvTreeRow[];
    return { vg: row, pvs, lvs };
  }

  private rawStmt(sql: string): Statement {
    let st = this.stmts.get('raw:' + sql);
    if (!st) this.stmts.set('raw:' + sql, (st = this.db.prepare(sql).raw()));
    return st;
  }

  /** Orphan PVs (pvcreate'd, in no VG), by name. */
  orphanPvs(): PhysicalVolume[] {
    return (this.stmt('SELECT * FROM pv WHERE vg_uuid IS NULL ORDER BY name').all() as PvRow[]).map((r) => pvFromRow(r, null));
  }

  /** Any PV (orphan or in a VG) by its display name or backing path. */
  findPv(nameOrPath: string): PhysicalVolume | null {
    // A device can be named by a missing PV of a VG and by a new PV at once (pvcreate -ff over a
    // VG member): the present one wins.
    const r = this.stmt(`SELECT p.*, v.name AS vg_name FROM pv p LEFT JOIN vg v ON v.uuid = p.vg_uuid
      WHERE p.name = ? OR p.path = ? ORDER BY p.missing, p.vg_uuid IS NULL`)
      .get(nameOrPath, nameOrPath) as (PvRow & { vg_name: string | null }) | undefined;
    return r ? pvFromRow(r, r.vg_name) : null;
  }

  pvByUuid(uuid: string): PhysicalVolume | null {
    const r = this.stmt('SELECT p.*, v.name AS vg_name FROM pv p LEFT JOIN vg v ON v.uuid = p.vg_uuid WHERE p.uuid = ?')
      .get(uuid) as (PvRow & { vg_name: string | null }) | undefined;
    return r ? pvFromRow(r, r.vg_name) : null;
  }

  allPvs(): PhysicalVolume[] {
    const rows = this.stmt('SELECT p.*, v.name AS vg_name FROM pv p LEFT JOIN vg v ON v.uuid = p.vg_uuid ORDER BY p.name')
      .all() as (PvRow & { vg_name: string | null })[];
    return rows.map((r) => pvFromRow(r, r.vg_name));
  }

  /** Run `fn` in one write transaction (BEGIN IMMEDIATE: writers queue on SQLite's lock too). */
  transaction<T>(fn: () => T): T {
    // (a carried VG is no longer the version SQLite has: commitVg carries its own once committed)
    if (this.depth === 0) dropCarried(this.db);
    this.depth++;
    let ok = false;
    try {
      const r = this.db.transaction(fn).immediate();
      ok = true;
      return r;
    } finally {
      if (--this.depth === 0) {
        const writes = this.afterCommit;
        this.afterCommit = [];
        if (ok) {
          this.publish();
          for (const w of writes) w();
        } else {
          this.dirtyVgs.clear();
          this.indexDirty = false;
        }
      }
    }
  }

  putOrphanPv(pv: PhysicalVolume): void {
    this.touchIndex();
    this.touchVgOfPv(pv.uuid, null);
    this.stmt(`INSERT OR REPLACE INTO pv (uuid, name, path, dev_size, pe_start, pe_count, allocatable, missing, tags, vg_uuid, vg_index,
      mda_count, mda_size, mda_ignored, mda1_size) VALUES (?, ?, ?, ?, ?, 0, 0, 0, ?, NULL, NULL, ?, ?, ?, ?)`).run(pv.uuid, pv.name, pv.path, pv.devSize,
      pv.peStart, JSON.stringify(pv.tags), pv.mdaCount ?? 1, pv.mdaSize ?? null, pv.mdaIgnored ?? 0, pv.mda1Size ?? null);
  }

  deletePv(uuid: string): void {
    this.touchIndex();
    this.touchVgOfPv(uuid, null);
    this.stmt('DELETE FROM pv WHERE uuid = ?').run(uuid);
  }

  /**
   * Write a VG (new or loaded): archive the version read, bump seqno, replace its rows. PVs that
   * left the VG must be passed in `released` to become orphans again. A new VG's seqno is
   * `firstSeqno` (a VG imported from a text continues the text's).
   */
  commitVg(loaded: LoadedVg | null, vg: VolumeGroup, description: string, released: PhysicalVolume[] = [], firstSeqno = 1): void {
    this.changes++;
    const old = loaded ? readForDiff(loaded) : null;
    const { texts: lvTexts, refs } = lvTextsOf(vg, old);
    // the lvm shell's next command gets this version without reading it (vg-carry.ts)
    const carry = this.depth === 0 && carriesVgs(this.db);
    let version: number | undefined;
    const from = old ? reusableLines(old) : undefined;
    // (the lvm shell's deferred copies are published without one: not worth deriving)
    const used = !carry && old && loaded?.usedSpace ? usedSpaceAfter(loaded.usedSpace, old.lvTexts, lvTexts) : null;
    this.touchVg(vg.uuid, { vg, lvTexts, later: carry, ...(from ? { from } : {}), ...(used ? { used } : {}) });
    // The index lists VG names, the orphan PVs and every PV's device: PVs joining or leaving a VG,
    // or found on another device, change it too.
    const pvSet = (pvs: PhysicalVolume[]) => pvs.map((p) => `${p.uuid} ${p.name} ${p.path}`).sort().join();
    if (!old || old.head.name !== vg.name || released.length || pvSet(old.head.pvs) !== pvSet(vg.pvs)) {
      this.touchIndex();
      for (const pv of vg.pvs) this.touchVgOfPv(pv.uuid, vg.uuid);
    }
    const writer = vgCommitWriter();
    let writeMdas: (() => void) | undefined;
    this.transaction(() => {
      const cur = this.stmt('SELECT seqno FROM vg WHERE uuid = ?').get(vg.uuid) as { seqno: number } | undefined;
      if (loaded) {
        if (!cur || cur.seqno !== loaded.readSeqno) throw new ConcurrentUpdateError(`VG ${vg.name} changed while being updated`);
        vg.seqno = loaded.readSeqno + 1;
        const head = old?.headLine ?? null;
        const delta = head !== null && old ? encodeHistoryDelta(vg.seqno, head, old.lvTexts, lvTexts) : null;
        this.stmt('INSERT INTO vg_history (vg_uuid, vg_name, seqno, saved_at, description, metadata) VALUES (?, ?, ?, ?, ?, ?)')
          .run(vg.uuid, loaded.readName, loaded.readSeqno, Math.floor(Date.now() / 1000), description, delta ?? encodeHistory(loaded.snapshot));
      } else {
        if (cur) throw new ConcurrentUpdateError(`VG ${vg.name} already exists`);
        vg.seqno = firstSeqno;
      }
      const same = old ? unchangedLvs(vg, old.lvTexts, lvTexts) : undefined;
      writeMdas = writer?.prepare(vg, released, same?.unchanged, old?.lvTexts.length, same?.removed.map((text) => unreadLv(text)));
      if (old) this.updateVgRows(old.lvTexts, vg, lvTexts);
      else this.insertVgRows(vg);
      for (const pv of released) this.putOrphanPv({ ...pv, vgName: null });
      if (carry) version = dataVersion(this.db);
    });
    // Only once the database has the new version: a crash before or during this leaves PVs with
    // the previous seqno, which the next command finds and updates (format-text/consistency.ts).
    // Inside a caller's transaction (vgsplit, vgmerge), once that commits: if a later step of it
    // fails, nothing reached the PVs.
    this.deferWrite(writeMdas);
    if (version === undefined) return;
    const kept = keepCommitted(this.db, vg, lvTexts, refs, version);
    if (this.cache) {
      publishLater(this.db, {
        cache: this.cache, uuid: kept.uuid, name: kept.name, seqno: kept.seqno, headLine: kept.headLine, lvTexts: kept.lvTexts,
        dataVersion: kept.dataVersion, since: Date.now(),
      });
    }
  }

  /**
   * Write only what changed since the VG was read: the VG and PV rows (few), and the LVs whose
   * JSON differs from the text read (`oldTexts` and `lvTexts`: each LV's JSON, in order, before and
   * after); an LV that only moved in the list gets its index updated. At 1,000 LVs this turns a
   * commit from ~6,000 row writes into a handful. An LV's text holds its uuid, so an LV whose text
   * is where it was is unchanged; only the others are matched by uuid.
   */
  private updateVgRows(oldTexts: string[], vg: VolumeGroup, lvTexts: string[]): void {
    this.stmt(`UPDATE vg SET name = ?, extent_size = ?, seqno = ?, alloc = ?, max_lv = ?, max_pv = ?, resizeable = ?, exported = ?,
      tags = ?, system_id = ?, creation_time = ?, creation_host = ?, mda_copies = ?, mda_text_size = ?, mda_text_crc = ? WHERE uuid = ?`).run(vg.name,
      vg.extentSize, vg.seqno, vg.alloc, vg.maxLv, vg.maxPv, +vg.resizeable, +vg.exported, JSON.stringify(vg.tags), vg.systemId,
      vg.creationTime, vg.creationHost, vg.mdaCopies ?? 0, vg.mdaTextSize ?? 0, vg.mdaTextCrc ?? null, vg.uuid);
    this.stmt('DELETE FROM pv WHERE vg_uuid = ?').run(vg.uuid);
    this.insertPvRows(vg);
    const moveLv = this.stmt('UPDATE lv SET vg_index = ? WHERE uuid = ?');
    const before = new Map<string, { text: string; index: number }>();
    oldTexts.forEach((text, index) => {
      if (text !== lvTexts[index]) before.set(lvUuidOf(text), { text, index });
    });
    // Rows of changed and removed LVs go first: a name is unique in a VG, and one commit may give
    // a removed LV's name to a new one (a log replaced by another lv_mlog) or swap two names.
    const write: Array<[LogicalVolume, number]> = [];
    vg.lvs.forEach((lv, i) => {
      if (oldTexts[i] === lvTexts[i]) return;
      const prev = before.get(lv.uuid);
      before.delete(lv.uuid);
      if (prev && prev.text === lvTexts[i]) {
        moveLv.run(i, lv.uuid);
        return;
      }
      if (prev) this.deleteLvRows(lv.uuid);
      write.push([lv, i]);
    });
    for (const gone of before.keys()) this.deleteLvRows(gone);
    for (const [lv, i] of write) this.insertLvRows(vg, lv, i);
  }

  private deleteLvRows(lvUuid: string): void {
    this.stmt('DELETE FROM area WHERE lv_uuid = ?').run(lvUuid);
    this.stmt('DELETE FROM seg WHERE lv_uuid = ?').run(lvUuid);
    this.stmt('DELETE FROM lv WHERE uuid = ?').run(lvUuid);
  }

  /**
   * Activation is not metadata in LVM2 (device-mapper holds it) and does not bump the seqno;
   * tsvm keeps it in the lv row, updated in place.
   */
  setLvActive(lvUuids: string[], active: boolean, loaded?: LoadedVg): void {
    this.changes++;
    const st = this.stmt('UPDATE lv SET active = ? WHERE uuid = ?');
    const vgOf = this.stmt('SELECT vg_uuid FROM lv WHERE uuid = ?');
    const touched = new Set<string>();
    for (const u of lvUuids) {
      const r = vgOf.get(u) as { vg_uuid: string } | undefined;
      if (!r || touched.has(r.vg_uuid)) continue;
      touched.add(r.vg_uuid);
      // The VG the command read for update (its LVs' flags already set) is what the read cache
      // gets, its unchanged lines copied as they were; otherwise it is read again from the rows.
      if (loaded?.vg.uuid === r.vg_uuid) {
        const old = readForDiff(loaded);
        const from = reusableLines(old);
        const lvTexts = lvTextsOf(loaded.vg, old).texts;
        const used = loaded.usedSpace ? usedSpaceAfter(loaded.usedSpace, old.lvTexts, lvTexts) : null;
        this.touchVg(r.vg_uuid, { vg: loaded.vg, lvTexts, ...(from ? { from } : {}), ...(used ? { used } : {}) });
      } else this.touchVg(r.vg_uuid, null);
    }
    this.transaction(() => {
      for (const u of lvUuids) st.run(+active, u);
    });
  }

  /**
   * Put a VG as read from the PVs' metadata areas (pvscan --cache, vgscan): its rows replace the
   * database's (archived in vg_history first when there were any), with the seqno the text has;
   * its LVs get their keys (keyImportedLvs).
   * Nothing is written to the PVs: they are where it came from.
   */
  replaceVg(vg: VolumeGroup, description: string): void {
    this.touchVg(vg.uuid, null);
    this.touchIndex();
    this.transaction(() => {
      this.keyImportedLvs(vg);
      const row = this.stmt('SELECT * FROM vg WHERE uuid = ?').get(vg.uuid) as VgRow | undefined;
      if (row) {
        const old = vgFromRows(this.vgRows(row));
        this.stmt('INSERT INTO vg_history (vg_uuid, vg_name, seqno, saved_at, description, metadata) VALUES (?, ?, ?, ?, ?, ?)')
          .run(old.uuid, old.name, old.seqno, Math.floor(Date.now() / 1000), description, encodeHistory(JSON.stringify(old)));
        this.deleteVgRows(vg.uuid);
      }
      for (const pv of vg.pvs) this.stmt('DELETE FROM pv WHERE uuid = ?').run(pv.uuid);
      this.insertVgRows(vg);
    });
    this.recordLvKeys(vg);
  }

  /** The keys of the VG's LVs that show another UUID, for a database rebuilt later (lv-key-ledger.ts). */
  recordLvKeys(vg: VolumeGroup): void {
    if (!this.db.memory) recordLvKeys(dirname(this.db.name), vg);
  }

  /**
   * Keys for the LVs of a VG read from a metadata text, whose uuids are the text's ids
   * (model/lv-id.ts): those the VG `knownIn` has in the database (this one, or the one it
   * replaces) keep theirs, an id that is another LV's key gets a new key. Before the VG's rows are replaced.
   */
  keyImportedLvs(vg: VolumeGroup, knownIn: string | null = vg.uuid): void {
    const rows = this.stmt('SELECT uuid, shown_uuid FROM lv WHERE vg_uuid = ?').all(knownIn) as { uuid: string; shown_uuid: string | null }[];
    const inUse = this.stmt('SELECT 1 AS one FROM lv WHERE uuid = ?');
    const known = new Map(rows.map((r) => [r.shown_uuid ?? r.uuid, r.uuid]));
    // a VG the database does not have (rebuilt from the PVs): the keys its LVs had (lv-key-ledger.ts)
    if (!rows.length && knownIn === vg.uuid && !this.db.memory) {
      for (const [shown, key] of recordedLvKeys(dirname(this.db.name), vg.uuid)) if (inUse.get(key) === undefined) known.set(shown, key);
    }
    keyImportedLvs(vg, known, (key) => inUse.get(key) !== undefined);
  }

  /** The text now in the VG's metadata areas (rewritten without a new seqno: pvscan --cache's repair). */
  recordMdaText(vg: VolumeGroup): void {
    this.touchVg(vg.uuid, null);
    this.transaction(() => {
      this.stmt('UPDATE vg SET mda_text_size = ?, mda_text_crc = ? WHERE uuid = ?').run(vg.mdaTextSize ?? 0, vg.mdaTextCrc ?? null, vg.uuid);
    });
  }

  /**
   * The archived versions of the VG named `name` (vg_history), oldest first. Each version's VG is
   * parsed when asked for (`vg`): at 10,000 LVs one is ~4 MB of JSON, and the archive files made
   * from them (backup.ts) are mostly there already.
   */
  history(name: string): { id: number; seqno: number; savedAt: number; description: string; readonly vg: VolumeGroup }[] {
    const rows = this.stmt('SELECT id, vg_uuid, seqno, saved_at, description, metadata FROM vg_history WHERE vg_name = ? ORDER BY id')
      .all(name) as HistoryRow[];
    const texts = new Map<number, string | null>();
    for (const uuid of new Set(rows.filter((r) => isHistoryDelta(r.metadata)).map((r) => r.vg_uuid))) this.historyTexts(uuid, texts);
    return rows.flatMap((r) => {
      const text = isHistoryDelta(r.metadata) ? texts.get(r.id) : decodeHistory(r.metadata);
      if (!text) return [];
      let vg: VolumeGroup | undefined;
      return [{ id: r.id, seqno: r.seqno, savedAt: r.saved_at, description: r.description, get vg() { return (vg ??= JSON.parse(text) as VolumeGroup); } }];
    });
  }

  /**
   * The archived version `seqno` of the VG `uuid` named `name` then: history(name)'s first entry
   * of that uuid and seqno, with only the versions after it rebuilt and only it parsed. A PV left
   * with an older seqno (a command killed while writing the areas) is judged against it at the
   * next command: at 10,000 LVs and a few hundred versions, parsing every version took minutes.
   */
  historyVersion(name: string, uuid: string, seqno: number): VolumeGroup | undefined {
    const rows = this.stmt('SELECT id, metadata FROM vg_history WHERE vg_name = ? AND vg_uuid = ? AND seqno = ? ORDER BY id')
      .all(name, uuid, seqno) as Pick<HistoryRow, 'id' | 'metadata'>[];
    if (!rows.length) return undefined;
    const texts = new Map<number, string | null>();
    if (rows.some((r) => isHistoryDelta(r.metadata))) this.historyTexts(uuid, texts, rows[0]!.id);
    for (const r of rows) {
      const text = isHistoryDelta(r.metadata) ? texts.get(r.id) : decodeHistory(r.metadata);
      if (!text) continue;
      const vg = JSON.parse(text) as VolumeGroup;
      if (vg.uuid === uuid) return vg;
    }
    return undefined;
  }

  /**
   * The text of every archived version of the VG `uuid` (by row id; null for a delta that cannot
   * be rebuilt), newest first: each delta from the version after it, the newest from the VG now;
   * down to the row `downTo` only, if given.
   */
  private historyTexts(uuid: string, out: Map<number, string | null>, downTo?: number): void {
    this.eachHistoryVersion(uuid, (id, version) => {
      out.set(id, version && historyVersionText(version));
      return id !== downTo;
    });
  }

  /**
   * Each archived version of the VG `uuid`, newest first, given to `visit` as its row id and its
   * lines or text (history.ts HistoryVersion; null: a delta that cannot be rebuilt) until `visit`
   * returns false. Only the version being rebuilt and the one after it are held, and a version
   * rebuilt from a delta shares its LV lines with the one after it: at 10,000 LVs a version is
   * ~4 MB of JSON, and joining each into a text of its own (then splitting it again) kept ~11 MB
   * a version alive until the next full GC (the first `vgcfgrestore --list` after 20 commands
   * peaked at 171 MiB).
   */
  eachHistoryVersion(uuid: string, visit: (id: number, version: HistoryVersion | null) => boolean): void {
    const rows = this.stmt('SELECT id, vg_uuid, seqno, saved_at, description, metadata FROM vg_history WHERE vg_uuid = ? ORDER BY id DESC')
      .all(uuid) as HistoryRow[];
    const cur = this.stmt('SELECT * FROM vg WHERE uuid = ?').get(uuid) as VgRow | undefined;
    let next: { seqno: number; lvTexts: string[] } | null = cur ? { seqno: cur.seqno, lvTexts: this.currentLvTexts(uuid) } : null;
    for (const r of rows) {
      const version = !isHistoryDelta(r.metadata) ? historyVersionOf(decodeHistory(r.metadata)) : next ? applyHistoryDelta(r.metadata, next) : null;
      if (!visit(r.id, version)) break;
      next = version === null ? null : { seqno: r.seqno, lvTexts: historyVersionLvTexts(version) };
    }
  }

  /**
   * The JSON of each LV SQLite has in the VG `uuid`, from its rows read one at a time: at 10,000
   * LVs, holding every row and every LV built from them before serialising any added ~20 MiB to
   * the peak of a `vgcfgrestore --list` that rebuilds the archive.
   */
  private currentLvTexts(uuid: string): string[] {
    const texts: string[] = [];
    for (const lv of lvsFromRows(this.rawStmt(LV_TREE_QUERY).iterate(uuid) as IterableIterator<LvTreeRow>)) texts.push(JSON.stringify(lv));
    return texts;
  }

  /** The archived versions of the VG named `name` without their texts (nothing rebuilt), oldest first. */
  historyRows(name: string): { id: number; uuid: string; savedAt: number; description: string }[] {
    return (this.stmt('SELECT id, vg_uuid, saved_at, description FROM vg_history WHERE vg_name = ? ORDER BY id').all(name) as
      Pick<HistoryRow, 'id' | 'vg_uuid' | 'saved_at' | 'description'>[]).map((r) => ({ id: r.id, uuid: r.vg_uuid, savedAt: r.saved_at, description: r.description }));
  }

  removeVg(loaded: LoadedVg, description: string): void {
    this.changes++;
    const vg = loaded.vg;
    this.touchVg(vg.uuid, null);
    this.touchIndex();
    this.transaction(() => {
      this.stmt('INSERT INTO vg_history (vg_uuid, vg_name, seqno, saved_at, description, metadata) VALUES (?, ?, ?, ?, ?, ?)')
        .run(vg.uuid, vg.name, loaded.readSeqno, Math.floor(Date.now() / 1000), description, encodeHistory(loaded.snapshot));
      const pvs = vg.pvs;
      this.deleteVgRows(vg.uuid);
      for (const pv of pvs) this.putOrphanPv({ ...pv, vgName: null });
    });
    const writer = vgCommitWriter();
    this.deferWrite(writer ? () => writer.removed(vg) : undefined);
  }

  /** Run `write` now, or when the outermost transaction commits if one is open (dropped if it fails). */
  deferWrite(write: (() => void) | undefined): void {
    if (!write) return;
    if (this.depth > 0) this.afterCommit.push(write);
    else write();
  }

  private deleteVgRows(uuid: string): void {
    this.stmt('DELETE FROM area WHERE lv_uuid IN (SELECT uuid FROM lv WHERE vg_uuid = ?)').run(uuid);
    this.stmt('DELETE FROM seg WHERE lv_uuid IN (SELECT uuid FROM lv WHERE vg_uuid = ?)').run(uuid);
    this.stmt('DELETE FROM lv WHERE vg_uuid = ?').run(uuid);
    this.stmt('DELETE FROM pv WHERE vg_uuid = ?').run(uuid);
    this.stmt('DELETE FROM vg WHERE uuid = ?').run(uuid);
  }

  private insertVgRows(vg: VolumeGroup): void {
    this.insertVgRow(vg);
    this.insertPvRows(vg);
    vg.lvs.forEach((lv, i) => this.insertLvRows(vg, lv, i));
  }

  private insertVgRow(vg: VolumeGroup): void {
    this.stmt(`INSERT INTO vg (uuid, name, extent_size, seqno, alloc, max_lv, max_pv, resizeable, exported, tags, system_id, creation_time,
      creation_host, mda_copies, mda_text_size, mda_text_crc) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(vg.uuid, vg.name,
      vg.extentSize, vg.seqno, vg.alloc, vg.maxLv, vg.maxPv, +vg.resizeable, +vg.exported, JSON.stringify(vg.tags), vg.systemId,
      vg.creationTime, vg.creationHost, vg.mdaCopies ?? 0, vg.mdaTextSize ?? 0, vg.mdaTextCrc ?? null);
  }

  private insertPvRows(vg: VolumeGroup): void {
    const pvIns = this.stmt(`INSERT OR REPLACE INTO pv (uuid, name, path, dev_size, pe_start, pe_count, allocatable, missing, tags, vg_uuid, vg_index,
      mda_count, mda_size, mda_ignored, mda1_size) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    vg.pvs.forEach((pv, i) => pvIns.run(pv.uuid, pv.name, pv.path, pv.devSize, pv.peStart, pv.peCount, +pv.allocatable, +pv.missing,
      JSON.stringify(pv.tags), vg.uuid, i, pv.mdaCount ?? 1, pv.mdaSize ?? null, pv.mdaIgnored ?? 0, pv.mda1Size ?? null));
  }

  private insertLvRows(vg: VolumeGroup, lv: LogicalVolume, i: number): void {
    const lvIns = this.stmt(`INSERT INTO lv (uuid, vg_uuid, vg_index, name, visible, writable, alloc, active, creation_time, creation_host, tags, read_ahead, flags,
      shown_uuid) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    const segIns = this.stmt(`INSERT INTO seg (lv_uuid, seg_index, start_le, extent_count, type, stripe_size, region_size, mirror_log, extents_moved, raid)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    const areaIns = this.stmt('INSERT INTO area (lv_uuid, seg_index, area_index, pv_uuid, lv_name, start) VALUES (?, ?, ?, ?, ?, ?)');
    lvIns.run(lv.uuid, vg.uuid, i, lv.name, +lv.visible, +lv.writable, lv.alloc, +lv.active, lv.creationTime, lv.creationHost,
      JSON.stringify(lv.tags), String(lv.readAhead), JSON.stringify(lv.flags), lv.shownUuid ?? null);
    lv.segments.forEach((s, si) => {
      segIns.run(lv.uuid, si, s.startLe, s.extentCount, s.type, s.stripeSize, s.regionSize, s.mirrorLog, s.extentsMoved ?? null, raidColumn(s));
      s.areas.forEach((a, ai) => {
        if (a.kind === 'pv') areaIns.run(lv.uuid, si, ai, a.pvUuid, null, a.pe);
        else areaIns.run(lv.uuid, si, ai, null, a.lvName, a.le);
      });
    });
  }
}

/** The seg.raid column: a raid1 segment's rmeta list and settings (schema version 4). */
function raidColumn(s: LvSegment): string | null {
  if (s.type !== 'raid1') return null;
  return JSON.stringify({
    metaAreas: s.metaAreas ?? [], ...(s.writebehind ? { writebehind: s.writebehind } : {}),
    ...(s.minRecoveryRate ? { minRecoveryRate: s.minRecoveryRate } : {}), ...(s.maxRecoveryRate ? { maxRecoveryRate: s.maxRecoveryRate } : {}),
  });
}
