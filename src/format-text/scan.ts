// The label scan (lib/label/label.c label_scan, format-text.c read_metadata_location_summary):
// what each device carries, the PV header and the committed text of each metadata area, with
// the problems LVM2 reports (bad header checksum, bad text checksum) kept for the caller.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { FileDevice } from '../device/file-device.js';
import { parsePvHeader, type DiskLocn, type PvHeader } from '../device/pv-label.js';
import { committedLocn, type MdaHeader } from './layout.js';
import { readMdaHeader, readMdaText } from './mda-io.js';

export interface ScannedMda {
  area: DiskLocn;
  /** The header, or what is wrong with it. */
  header: MdaHeader | string;
  /** The committed text (none in an orphan's area), or what is wrong with it. */
  text: string | null | { error: string };
  /** seqno and VG of the text, read from its first lines without parsing it all. */
  vgName?: string;
  vgUuid?: string;
  seqno?: number;
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

function scanMda(dev: FileDevice, area: DiskLocn): ScannedMda {
  const header = readMdaHeader(dev, area);
  if (typeof header === 'string') return { area, header, text: null };
  const locn = committedLocn(header);
  if (!locn) return { area, header, text: null };
  const raw = readMdaText(dev, header, locn);
  if (typeof raw === 'string') return { area, header, text: { error: raw } };
  const text = raw.toString('utf8');
  return { area, header, text, ...(textSummary(text) ?? {}) };
}

/** Read one device: null when it carries no PV label. */
export function scanDevice(name: string, path: string): ScannedPv | null {
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
    return { name, path, header, mdas: header.mdas.map((a) => scanMda(dev, a)) };
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

/** LVM2's warnings for an area whose header or committed text is damaged (none when it is sound). */
export function areaWarnings(pvName: string, m: ScannedMda): string[] {
  if (typeof m.header === 'string') return m.header === 'checksum' ? [`WARNING: wrong checksum in mda header on ${pvName} at ${m.area.offset}`] : [];
  if (!m.text || typeof m.text !== 'object') return [];
  const at = m.area.offset + (committedLocn(m.header)?.offset ?? 0);
  return [`WARNING: invalid metadata text from ${pvName} at ${at}.`, `WARNING: metadata on ${pvName} at ${at} has invalid summary for VG.`];
}

/** The damaged areas of these PVs, with LVM2's warnings for each. */
export function damagedAreas(pvs: { name: string; path: string; uuid: string }[]): { pv: string; lines: string[] }[] {
  const out: { pv: string; lines: string[] }[] = [];
  for (const pv of pvs) {
    const s = scanDevice(pv.name, pv.path);
    if (!s || s.header.uuid !== pv.uuid) continue;
    for (const m of s.mdas) {
      const lines = areaWarnings(pv.name, m);
      if (lines.length) out.push({ pv: pv.name, lines });
    }
  }
  return out;
}
