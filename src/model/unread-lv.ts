// LVs read from their stored JSON only when a command first looks inside them. A VG of 10,000 LVs
// is 4 MB of JSON: parsing all of it, and serialising every LV again to find what a command
// changed, cost most of an `lvcreate` there, which reads one LV's worth. LVM2 parses its whole
// text at every command; the stored text here is the store's, not LVM2's (store/vg-json.ts).
//   An unread LV is a Proxy over its JSON line that answers uuid, name, visible and shownUuid from the line
// and parses the whole line into a plain object the first time anything else is asked of it
// (read, written, listed, tested with `in`): from then on every operation goes to that object, so
// code cannot tell it from a plain LV. While unread, its text is the LV as committed: a commit
// reuses the line as it is, and the space it uses is read from the line's segments alone.
import { areaLen, type LogicalVolume, type LvSegment } from './types.js';

/** What an unread LV is made of (the Proxy's target; never handed out). */
interface Holder {
  /** The LV's JSON (one line of store/vg-json.ts's text). */
  readonly text: string;
  readonly uuid: string;
  readonly name: string;
  readonly visible: boolean;
  /** The LV parsed from `text`, once anything else was asked. */
  lv: LogicalVolume | null;
  /** Its segments parsed on their own for segmentsOf (read-only, never handed out as the LV's). */
  segments: LvSegment[] | null;
  /** A linear LV's one area, read from the line without making objects (forEachPvArea): PV, PE, extents; pv null if not linear or not known yet. */
  pv: string | null;
  pe: number;
  len: number;
  /** Whether the line was looked at for a linear area. */
  linearChecked: boolean;
  /** False when the line is known to have no shownUuid (the text it came from has none anywhere). */
  mayShowUuid: boolean;
}

const HOLDER = Symbol('unread LV');

function read(h: Holder): LogicalVolume {
  return (h.lv ??= JSON.parse(h.text) as LogicalVolume);
}

// Every trap but `get` of the members the line gives without parsing (its start's three, and
// shownUuid) reads the LV first. The target's own members are never reported (all configurable,
// the target extensible: the Proxy invariants hold whatever the LV reports).
const handler: ProxyHandler<Holder> = {
  get(h, key) {
    if (key === HOLDER) return h;
    if (h.lv === null) {
      if (key === 'name') return h.name;
      if (key === 'uuid') return h.uuid;
      if (key === 'visible') return h.visible;
      if (key === 'shownUuid') return h.mayShowUuid ? shownUuidOf(h.text) : undefined;
    }
    return (read(h) as unknown as Record<string | symbol, unknown>)[key];
  },
  set: (h, key, value) => Reflect.set(read(h), key, value),
  has: (h, key) => key in read(h),
  ownKeys: (h) => Reflect.ownKeys(read(h)),
  getOwnPropertyDescriptor: (h, key) => Reflect.getOwnPropertyDescriptor(read(h), key),
  defineProperty: (h, key, d) => Reflect.defineProperty(read(h), key, d),
  deleteProperty: (h, key) => Reflect.deleteProperty(read(h), key),
  getPrototypeOf: (h) => (h.lv ? Reflect.getPrototypeOf(h.lv) : Object.prototype),
};

// The start of an LV's JSON as JSON.stringify writes the objects the store parses and commands
// build: uuid, name and visible first, none with a quote or backslash (LVM2 names and uuids).
const LINE_START = /^\{"uuid":"([^"\\]*)","name":"([^"\\]*)","visible":(true|false),/;

/** How an LV's line gives its shownUuid (JSON.stringify of the LV object). */
export const SHOWN_UUID_MEMBER = ',"shownUuid":"';

/**
 * The LV's shownUuid (lv-id.ts) from its line: the text's id is asked of every LV a commit writes
 * (text-reuse.ts), and only a copy's LVs have one. A member by that name is the LV's own (no nested
 * object has one, and a string cannot hold it unescaped); its value is a UUID, without quotes.
 */
function shownUuidOf(text: string): string | undefined {
  const at = text.indexOf(SHOWN_UUID_MEMBER);
  const from = at + SHOWN_UUID_MEMBER.length;
  return at < 0 ? undefined : text.slice(from, text.indexOf('"', from));
}

/**
 * The LV of this JSON line: unread when the line starts as expected, else parsed now.
 * `mayShowUuid` false: the caller knows the line has no SHOWN_UUID_MEMBER (it looked for one in
 * the whole text once, which is cheaper than in each of 10,000 lines at the commit).
 */
export function unreadLv(text: string, mayShowUuid = true): LogicalVolume {
  const m = LINE_START.exec(text);
  if (!m) return JSON.parse(text) as LogicalVolume;
  const h: Holder = {
    text, uuid: m[1]!, name: m[2]!, visible: m[3] === 'true', lv: null, segments: null, pv: null, pe: 0, len: 0, linearChecked: false,
    mayShowUuid,
  };
  return new Proxy(h, handler) as unknown as LogicalVolume;
}

function holderOf(lv: LogicalVolume): Holder | undefined {
  return (lv as unknown as Record<symbol, Holder | undefined>)[HOLDER];
}

/** The JSON an LV was read from, if nothing but its uuid, name, visible and shownUuid was ever asked of it. */
export function textIfUnread(lv: LogicalVolume): string | undefined {
  const h = holderOf(lv);
  return h && h.lv === null ? h.text : undefined;
}

/** The plain object behind an LV (for JSON.stringify's fast path: a Proxy is serialised trap by trap). */
export function plainLv(lv: LogicalVolume): LogicalVolume {
  const h = holderOf(lv);
  return h ? read(h) : lv;
}

// A linear LV's segments, the commonest line by far: read without JSON.parse.
const LINEAR = /,"segments":\[\{"startLe":0,"extentCount":(\d+),"type":"striped","stripeSize":0,"regionSize":0,"mirrorLog":null,"areas":\[\{"kind":"pv","pvUuid":"([^"\\]+)","pe":(\d+)\}\]\}\]\}$/y;
const SEGMENTS = ',"segments":[';

/**
 * The LV's segments to look at, not to change: an unread LV's are parsed from its line without
 * reading the LV (what the space a VG's LVs use is counted from, pv-map.ts).
 */
export function segmentsOf(lv: LogicalVolume): readonly LvSegment[] {
  const h = holderOf(lv);
  if (!h || h.lv !== null) return lv.segments;
  if (h.segments) return h.segments;
  if (linearArea(h)) {
    h.segments = [{
      startLe: 0, extentCount: h.len, type: 'striped', stripeSize: 0, regionSize: 0, mirrorLog: null,
      areas: [{ kind: 'pv', pvUuid: h.pv!, pe: h.pe }],
    }];
    return h.segments;
  }
  const at = h.text.indexOf(SEGMENTS);
  if (at < 0) return lv.segments;
  try {
    // the value of the line's last member (a member after it makes this no JSON: then read the LV)
    h.segments = JSON.parse(h.text.slice(at + SEGMENTS.length - 1, -1)) as LvSegment[];
    return h.segments;
  } catch {
    return lv.segments;
  }
}

/**
 * Whether the LV is unread and its line one linear segment on a PV (told by the line's regex, no
 * objects made): it names no other LV, so the questions of who uses an LV (model/vg-query.ts)
 * pass it without making its segments (at 10,000 LVs, lvremove's checks made 10,000 of them,
 * three times over).
 */
export function isUnreadLinear(lv: LogicalVolume): boolean {
  const h = holderOf(lv);
  return !!h && h.lv === null && linearArea(h);
}

/** Whether an unread LV is linear (one segment, one PV area), its area then in h.pv, h.pe, h.len. */
function linearArea(h: Holder): boolean {
  if (!h.linearChecked) {
    h.linearChecked = true;
    const at = h.text.indexOf(SEGMENTS);
    LINEAR.lastIndex = at;
    const m = at < 0 ? null : LINEAR.exec(h.text);
    if (m) {
      h.len = Number(m[1]);
      h.pv = m[2]!;
      h.pe = Number(m[3]);
    }
  }
  return h.pv !== null;
}

/**
 * Each area on a PV of the LV's segments: its PV, first PE, extents, and the first LE of its
 * segment. An unread linear LV's one area comes from its line, with no objects made: counting
 * the space of a VG's 10,000 LVs is then a walk over their lines' numbers.
 */
export function forEachPvArea(lv: LogicalVolume, fn: (pvUuid: string, pe: number, len: number, le: number) => void): void {
  const h = holderOf(lv);
  if (h && h.lv === null && h.segments === null && linearArea(h)) {
    fn(h.pv!, h.pe, h.len, 0);
    return;
  }
  for (const seg of h ? segmentsOf(lv) : lv.segments) {
    const len = areaLen(seg);
    for (const a of seg.areas) if (a.kind === 'pv') fn(a.pvUuid, a.pe, len, seg.startLe);
  }
}
