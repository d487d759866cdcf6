// The VG a database connection last committed, carried to the next command on the same connection
// (the lvm shell runs all its lines on one, cli/shell-db.ts): a line that changes the VG the line
// before committed then neither reads nor parses it again, nor serialises the LVs it leaves as
// they were (at 1,000 LVs those were most of a line's time). LVM2's shell reads the metadata
// again for every command; what the next line gets here is what that read would give:
//   - it is handed out only while SQLite has nothing newer: the VG's seqno is the one committed
//     and PRAGMA data_version says no other connection has committed anything since (activation
//     changes a VG without a new seqno); any other write on this connection drops it;
//   - it is handed out once (the command changes it), to be carried again by its next commit;
//   - the VG's own members and PVs are parsed afresh from their JSON (a PV carries what this
//     command's device scan found); each LV object is checked against a private copy parsed from
//     its committed JSON, and one a command changed after its commit is replaced by a new copy.
import type { Statement } from 'better-sqlite3';
import type { Db } from './db.js';
import type { LogicalVolume, LvSegment, SegmentArea, VolumeGroup } from '../model/types.js';
import { vgJsonHeadLine } from './vg-json.js';

/** An LV as committed: parsed from its JSON, never handed out. */
export interface LvRef {
  lv: LogicalVolume;
  /** It has no member sameLv does not know (types.ts): the fast comparison applies. */
  known: boolean;
}

/** The LV of this text, as an LvRef. */
export function lvRef(text: string): LvRef {
  const lv = JSON.parse(text) as LogicalVolume;
  return { lv, known: knownLv(lv) };
}

/** A committed version of a VG, as the commit left it. */
interface CarriedVg {
  uuid: string;
  name: string;
  seqno: number;
  /** vgJson's first line of the version (its members and PVs). */
  headLine: string;
  /** Each LV's JSON, in order (vg-json.ts). */
  lvTexts: string[];
  /** The LV objects to hand out (those the command left as they were, and copies of the others). */
  lvs: LogicalVolume[];
  /** What each of them must still equal. */
  refs: LvRef[];
  dataVersion: number;
}

/** What the next command gets: the VG to change, and what it was read as. */
export interface TakenVg {
  vg: VolumeGroup;
  head: Omit<VolumeGroup, 'lvs'>;
  headLine: string;
  lvTexts: string[];
  refs: LvRef[];
}

const carried = new WeakMap<Db, CarriedVg>();
/** Connections whose commits are carried (the shell's); a command-line run's never are. */
const carrying = new WeakSet<Db>();
const versionStmts = new WeakMap<Db, Statement>();

/** Carry the VGs committed on `db` to the next command on it. */
export function carryVgs(db: Db): void {
  carrying.add(db);
}

export function carriesVgs(db: Db): boolean {
  return carrying.has(db);
}

/** PRAGMA data_version: changes when another connection commits (not with this one's commits). */
export function dataVersion(db: Db): number {
  let st = versionStmts.get(db);
  if (!st) versionStmts.set(db, (st = db.prepare('PRAGMA data_version').pluck()));
  return st.get() as number;
}

/**
 * Keep the version just committed (`refs`: those known, the others are parsed from their text).
 * `version`: data_version read inside the commit's transaction (holding SQLite's write lock, so
 * that no other commit can come between it and this version).
 */
export function keepCommitted(db: Db, vg: VolumeGroup, lvTexts: string[], refs: (LvRef | undefined)[], version: number): Readonly<CarriedVg> {
  // An LV the command changed is carried as parsed from its text, not as the command's object:
  // LVs parsed from JSON share their shapes (hidden classes), which keeps sameLv's member reads
  // fast (LVs built by the commands' code made it several times slower).
  const lvs = vg.lvs.map((lv, i) => (refs[i] ? lv : (JSON.parse(lvTexts[i]!) as LogicalVolume)));
  const c: CarriedVg = {
    uuid: vg.uuid, name: vg.name, seqno: vg.seqno, headLine: vgJsonHeadLine(vg), lvTexts, lvs,
    refs: lvTexts.map((t, i) => refs[i] ?? lvRef(t)), dataVersion: version,
  };
  carried.set(db, c);
  return c;
}

export function dropCarried(db: Db): void {
  carried.delete(db);
}

/** The carried version of the VG, if it is still the one SQLite has (`seqno`: its row's now); handed out once. */
export function takeCarried(db: Db, uuid: string, name: string, seqno: number): TakenVg | null {
  const c = carried.get(db);
  if (!c) return null;
  carried.delete(db);
  if (c.uuid !== uuid || c.name !== name || c.seqno !== seqno || c.dataVersion !== dataVersion(db)) return null;
  const members = c.headLine.slice(0, -',"lvs":['.length) + '}';
  const vg = JSON.parse(members) as VolumeGroup;
  vg.lvs = c.lvs.map((lv, i) => (sameLv(lv, c.refs[i]!) ? lv : (JSON.parse(c.lvTexts[i]!) as LogicalVolume)));
  return { vg, head: JSON.parse(members) as Omit<VolumeGroup, 'lvs'>, headLine: c.headLine, lvTexts: c.lvTexts, refs: c.refs };
}

/**
 * Whether JSON.stringify would give `a` and `b` the same text (true only then; it may say false
 * for two that would: a member set to undefined, an object that is not a plain one).
 */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b) || Object.getPrototypeOf(a) !== Object.prototype || Object.getPrototypeOf(b) !== Object.prototype) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (let i = 0; i < ka.length; i++) {
    const k = ka[i]!;
    if (k !== kb[i] || !sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  }
  return true;
}

// sameLv: sameJson for what an LV, its segments and their areas hold (model/types.ts), a member
// at a time: some 50 times faster than walking each object's keys, which cost as much as
// serialising it. The members it compares are the types' members, checked when compiling (below):
// an object holds no other, TypeScript keeps them out (the only member set from data without a
// type, vgFromRows's raid column, holds members of LvSegment). Checking that at run time, by
// counting each object's keys, was a quarter of the comparison's time. A committed LV (LvRef)
// is still checked, once, when it is parsed: one with any other member is left to sameJson.
// Members are compared by value, not by their order in the object: two LVs it calls the same may
// differ in that order (an object a command rebuilt with the same values), which no reader of
// the text can tell.
type Plain = Record<string, unknown>;

/** The members sameLv compares, each list exactly its type's (the checks below fail to compile otherwise). */
const LV_MEMBERS = ['uuid', 'shownUuid', 'name', 'visible', 'writable', 'alloc', 'active', 'creationTime', 'creationHost', 'tags', 'readAhead',
  'flags', 'segments'] as const;
const SEGMENT_MEMBERS = ['startLe', 'extentCount', 'type', 'stripeSize', 'regionSize', 'mirrorLog', 'areas', 'extentsMoved',
  'metaAreas', 'writebehind', 'minRecoveryRate', 'maxRecoveryRate'] as const;
const AREA_MEMBERS = ['kind', 'pvUuid', 'pe', 'lvName', 'le'] as const;
type AllKeys<T> = T extends unknown ? keyof T : never;
/** true when `L` lists every key of `T` (of each type of a union) and nothing else. */
type Lists<T, L extends readonly string[]> = [Exclude<AllKeys<T>, L[number]>, Exclude<L[number], AllKeys<T>>] extends [never, never] ? true : false;
const membersListed: [Lists<LogicalVolume, typeof LV_MEMBERS>, Lists<LvSegment, typeof SEGMENT_MEMBERS>, Lists<SegmentArea, typeof AREA_MEMBERS>] =
  [true, true, true];
void membersListed;

/** Members of an object that JSON.stringify serialises as it is (null for one with a toJSON). */
function ownKeys(o: object): number | null {
  if ((o as Plain).toJSON !== undefined) return null;
  let n = 0;
  for (const _ in o) n++;
  return n;
}

const listed = (o: object, members: readonly string[]) => members.reduce((n, k) => n + +(k in o), 0);

const isObject = (o: unknown): o is object => typeof o === 'object' && o !== null && !Array.isArray(o);

/** Whether the LV, its segments and their areas are objects with no members but those sameLv compares. */
function knownLv(lv: LogicalVolume): boolean {
  if (!isObject(lv) || ownKeys(lv) !== listed(lv, LV_MEMBERS) || !Array.isArray(lv.segments)) return false;
  for (const seg of lv.segments) {
    if (!isObject(seg) || ownKeys(seg) !== listed(seg, SEGMENT_MEMBERS) || !Array.isArray(seg.areas)) return false;
    for (const a of seg.areas) if (!isObject(a) || ownKeys(a) !== listed(a, AREA_MEMBERS)) return false;
  }
  return true;
}

/** Both undefined, or arrays of the same primitives. */
function samePrimitives(a: unknown, b: unknown): boolean {
  if (a === undefined && b === undefined) return true;
  if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i] || (typeof a[i] === 'object' && a[i] !== null)) return false;
  return true;
}

function sameSegment(a: LvSegment, b: LvSegment): boolean {
  if (a.startLe !== b.startLe || a.extentCount !== b.extentCount || a.type !== b.type || a.stripeSize !== b.stripeSize
    || a.regionSize !== b.regionSize || a.mirrorLog !== b.mirrorLog || a.extentsMoved !== b.extentsMoved || a.writebehind !== b.writebehind
    || a.minRecoveryRate !== b.minRecoveryRate || a.maxRecoveryRate !== b.maxRecoveryRate || !samePrimitives(a.metaAreas, b.metaAreas)) return false;
  const x = a.areas;
  const y = b.areas;
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) {
    const p = x[i] as Plain;
    const q = y[i] as Plain;
    if (p.kind !== q.kind || p.pvUuid !== q.pvUuid || p.pe !== q.pe || p.lvName !== q.lvName || p.le !== q.le) return false;
  }
  return true;
}

/** sameJson(lv, ref.lv), faster when the committed LV holds only what sameLv knows (knownLv). */
export function sameLv(lv: LogicalVolume, ref: LvRef): boolean {
  const b = ref.lv;
  if (!ref.known) return sameJson(lv, b);
  if (lv.uuid !== b.uuid || lv.shownUuid !== b.shownUuid || lv.name !== b.name || lv.visible !== b.visible || lv.writable !== b.writable || lv.alloc !== b.alloc
    || lv.active !== b.active || lv.creationTime !== b.creationTime || lv.creationHost !== b.creationHost || lv.readAhead !== b.readAhead
    || !samePrimitives(lv.tags, b.tags) || !samePrimitives(lv.flags, b.flags) || !Array.isArray(lv.segments) || lv.segments.length !== b.segments.length) return false;
  for (let i = 0; i < lv.segments.length; i++) if (!sameSegment(lv.segments[i]!, b.segments[i]!)) return false;
  return true;
}
