// The label scan (lib/label/label.c label_scan, format-text.c read_metadata_location_summary):
// what each device carries, the PV header and the committed text of each metadata area, with
// the problems LVM2 reports (bad header checksum, bad text checksum) kept for the caller.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { FileDevice } from '../device/file-device.js';
import { parsePvHeader, type DiskLocn, type PvHeader } from '../device/pv-label.js';
import { lvmCrc } from '../device/pv-label.js';
import { NAME_LEN, nameError } from '../model/names.js';
import { BAD_MDA_TEXT, committedLocn, decodeMdaHeader, mdaHeaderWarnings, RAW_LOCN_IGNORED, type MdaHeader, type RawLocn } from './layout.js';
import { readMdaHeaderSector, readMdaTextBytes } from './mda-io.js';

export interface ScannedMda {
  area: DiskLocn;
  /** The header, or what is wrong with it. */
  header: MdaHeader | string;
  /** The committed text (none in an orphan's or an ignored area), or what is wrong with it. */
  text: string | null | { error: string };
  /** seqno and VG of the text, read from its first lines without parsing it all. */
  vgName?: string;
  vgUuid?: string;
  seqno?: number;
  /** The committed copy's slot (offset, size, checksum), when the header points at one. */
  locn?: RawLocn;
  /** Slot 0 is flagged RAW_LOCN_IGNORED (the text is then not read, as in LVM2). */
  ignored?: boolean;
  /** What LVM2's label scan prints about this area when it is damaged (stderr), in its order. */
  warnings: string[];
  /** "Retrying metadata scan." lines (stdout): LVM2 reads a bad text twice. */
  retries: number;
  /** LVM2's bad_fields of a damaged area (BAD_MDA_*), 0 for a sound one. */
  badFields: number;
  /** _raw_read_mda_header's warnings of a damaged header (printed again each time it is reread). */
  headerWarnings?: string[];
  /**
   * A damaged text: what vg_read says when it reads it (the label scan skips a copy whose slot
   * matches one already read elsewhere, so vg_read is the first to find it bad).
   */
  readWarnings?: (vgName: string) => string[];
}

export interface ScannedPv {
  name: string;
  path: string;
  header: PvHeader;
  mdas: ScannedMda[];
}

/** The head of a text: `name {`, then `id = "..."`, `seqno = N`. */
export function textSummary(text: string): { vgName: string; vgUuid: string; seqno: number } | null {
  const m = /^([A-Za-z0-9_.+-]+) \{\s*\n\s*id = "([^"]+)"\s*\n\s*seqno = (\d+)/.exec(text.replace(/^(#.*\n|\s*\n)*/, ''));
  return m ? { vgName: m[1]!, vgUuid: m[2]!, seqno: Number(m[3]) } : null;
}

/**
 * Where texts the caller already has are read to be checked (scanDevice's `known`): a buffer kept
 * from one scan to the next. A new buffer per text read, kept until the next full garbage
 * collection, was tens of MiB of the lvm shell's peak memory at 1,000 LVs.
 */
let scratch = Buffer.alloc(0);

function scratchFor(bytes: number): Buffer {
  if (scratch.length < bytes) scratch = Buffer.alloc(Math.ceil((bytes * 1.25) / 65536) * 65536);
  return scratch;
}

/** The committed text `locn` of the area read again (one the scan read into its scratch buffer). */
function readTextAgain(path: string, header: MdaHeader, locn: RawLocn): string {
  const dev = new FileDevice(path, false);
  try {
    const bytes = readMdaTextBytes(dev, header, locn);
    if (!bytes || lvmCrc(bytes) !== locn.checksum) throw new Error(`metadata text on ${path} changed since it was scanned`);
    const nul = bytes.indexOf(0);
    return bytes.toString('utf8', 0, nul < 0 ? bytes.length : nul);
  } finally {
    dev.close();
  }
}

/**
 * One area as _read_mda_header_and_metadata finds it, with LVM2's warnings when it is damaged
 * (index: 0 for mda1, 1 for mda2). `known`: scanDevice's.
 */
function scanMda(dev: FileDevice, devName: string, area: DiskLocn, index: number, known?: number): ScannedMda {
  const sector = readMdaHeaderSector(dev, area);
  const header = decodeMdaHeader(sector, area.offset);
  const tail = [`WARNING: scanning ${devName} mda${index + 1} failed to read metadata summary.`,
    `WARNING: repair VG metadata on ${devName} with vgck --updatemetadata.`];
  if (typeof header === 'string') {
    const bad = mdaHeaderWarnings(sector, area.offset, devName);
    return { area, header, text: null, retries: 0, badFields: bad.badFields, headerWarnings: bad.lines, warnings: [
      ...bad.lines, `WARNING: bad metadata header on ${devName} at ${area.offset}.`, ...tail] };
  }
  const slot = header.rlocns[0];
  if (slot && slot.flags & RAW_LOCN_IGNORED) return { area, header, text: null, ignored: true, retries: 0, badFields: 0, warnings: [] };
  const locn = committedLocn(header);
  if (!locn) return { area, header, text: null, retries: 0, badFields: 0, warnings: [] };
  const inScratch = locn.checksum === known;
  const bytes = readMdaTextBytes(dev, header, locn, inScratch ? scratchFor(locn.size) : undefined);
  const nul = bytes ? bytes.indexOf(0) : -1;
  const good = !!bytes && lvmCrc(bytes) === locn.checksum;
  // The text is decoded only if asked for: most commands only compare the checksum with their
  // VG's (at 10,000 LVs a text is 2.8 MB); the summary comes from its first lines.
  let decoded: string | undefined;
  const whole = () => (decoded ??= bytes!.toString('utf8', 0, nul < 0 ? bytes!.length : nul));
  const summary = !good ? null : textSummary(bytes.toString('utf8', 0, Math.min(nul < 0 ? bytes.length : nul, 4096))) ?? textSummary(whole());
  if (good && summary) {
    if (!inScratch) return { area, header, locn, get text() { return whole(); }, ...summary, retries: 0, badFields: 0, warnings: [] };
    const path = dev.path;
    return { area, header, locn, get text() { return (decoded ??= readTextAgain(path, header, locn)); }, ...summary, retries: 0, badFields: 0, warnings: [] };
  }
  // (what is wrong with it is told from its bytes here, before anything else reads into the scratch buffer)
  const text = good ? whole() : null;
  const at = area.offset + locn.offset;
  const read: string[] = [];
  if (bytes && nameError(leadingName(bytes)) !== null) read.push(`WARNING: Metadata location on ${devName} at offset ${at} begins with invalid name.`);
  if (text === null) read.push(`WARNING: Checksum error on ${devName} at offset ${at}.`);
  const once = [...read];
  once.push(`WARNING: invalid metadata text from ${devName} at ${at}.`, `WARNING: metadata on ${devName} at ${at} has invalid summary for VG.`);
  return {
    area, header, locn, text: { error: text === null ? 'checksum' : 'summary' }, retries: 1, badFields: BAD_MDA_TEXT,
    warnings: [...once, ...once, `WARNING: bad metadata text on ${devName} in mda${index + 1}`, ...tail],
    readWarnings: (vgName) => [...read, `WARNING: couldn't read volume group metadata from ${devName}.`,
      `WARNING: Failed to read metadata text at ${at} off ${locn.offset} size ${locn.size} VG ${vgName} on ${devName}`,
      `WARNING: reading ${devName} mda${index + 1} failed to read metadata.`,
      `WARNING: repair VG metadata on ${devName} with vgck --updatemetadata.`,
      `WARNING: Reading VG ${vgName} on ${devName} failed.`],
  };
}

/** config.c: the text must begin with a valid name (up to a space or a brace). */
function leadingName(bytes: Buffer): string {
  const head = bytes.toString('latin1', 0, Math.min(bytes.length, NAME_LEN));
  return /^[^\s{\0]*/.exec(head)![0];
}

/**
 * Read one device: null when it carries no PV label. `known`: the checksum of a text the caller
 * already has, and will not ask this scan for (it is read to be checked, and read again if asked).
 */
export function scanDevice(name: string, path: string, known?: number): ScannedPv | null {
  let dev: FileDevice;
  try {
    dev = new FileDevice(path, false);
  } catch {
    return null;
  }
  try {
    const buf = Buffer.alloc(2048);
    dev.readAt(buf, 0);
    const header = parsePvHeader(buf);
    if (!header) return null;
    return { name, path, header, mdas: header.mdas.map((a, i) => scanMda(dev, name, a, i, known)) };
  } catch {
    return null;
  } finally {
    dev.close();
  }
}

/** The devices of a device folder (TSVM_DEV_DIR): its image files and block devices, by name. */
export function listDevices(devDir: string): { name: string; path: string }[] {
  const out: { name: string; path: string }[] = [];
  const walk = (dir: string, rel: string) => {
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch {
      return;
    }
    for (const n of names) {
      const p = join(dir, n);
      try {
        const st = statSync(p);
        if (st.isDirectory()) walk(p, `${rel}${n}/`);
        else if (st.isFile() || st.isBlockDevice()) out.push({ name: `/dev/${rel}${n}`, path: p });
      } catch {
        // vanished meanwhile
      }
    }
  };
  walk(devDir, '');
  return out;
}

/** Whether the area's header and text are sound (an ignored or empty area is). */
export function areaIsDamaged(m: ScannedMda): boolean {
  return m.warnings.length > 0;
}

/**
 * What LVM2 prints about damaged areas when it scans these devices (in its order) and reads their
 * VGs: the label scan reads a text only when no device before had the same slot (checksum and
 * size) for it, and names a bad one with its scan warnings (a bad text read twice, "Retrying
 * metadata scan." on stdout; "scan failed to get metadata summary" when no area of the PV was
 * sound); vg_read then reads every text and names the bad ones the scan skipped.
 */
export function scanLines(scans: ScannedPv[]): { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  const later: string[] = [];
  const known = new Map<string, string>();
  for (const s of scans) {
    let bad = 0;
    for (const m of s.mdas) {
      const key = m.locn && typeof m.header !== 'string' ? `${m.locn.checksum}:${m.locn.size}` : null;
      if (key && known.has(key)) {
        if (areaIsDamaged(m)) later.push(...(m.readWarnings?.(known.get(key)!) ?? []));
        continue;
      }
      if (areaIsDamaged(m)) {
        bad++;
        err.push(...m.warnings);
        for (let i = 0; i < m.retries; i++) out.push('Retrying metadata scan.');
      } else if (key && m.vgName) known.set(key, m.vgName);
    }
    if (bad && bad === s.mdas.length) err.push(`WARNING: scan failed to get metadata summary from ${s.name} PVID ${s.header.uuid.replace(/-/g, '')}`);
  }
  return { out, err: [...err, ...later] };
}
