// The file form of metadata text (vgcfgbackup, /etc/lvm/backup and archive: export.c with
// _out_with_comment_file): the raw text of a metadata area, indented with a tab per level and
// given LVM2's informational comments (sizes in units, "# Hint only", "# linear", times).
import { fileLine, sectorsToUnits } from './formatter.js';

/** strftime "%Y-%m-%d %T %z" in local time (the creation_time comment of an LV). */
export function isoLocal(t: number): string {
  const d = new Date(t * 1000);
  const p2 = (n: number) => String(n).padStart(2, '0');
  const off = -d.getTimezoneOffset();
  const z = `${off < 0 ? '-' : '+'}${p2(Math.floor(Math.abs(off) / 60))}${p2(Math.abs(off) % 60)}`;
  return `${d.getFullYear()}-${p2(d.getMonth() + 1)}-${p2(d.getDate())} ${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())} ${z}`;
}

/** The comment LVM2's exporter gives a `key = value` line, if any. */
function commentFor(key: string, value: string, extentSize: number): string | undefined {
  const n = Number(value);
  switch (key) {
    case 'format': return '# informational';
    case 'device': return '# Hint only';
    case 'extent_size': case 'dev_size': case 'stripe_size': return sectorsToUnits(n);
    case 'pe_count': case 'extent_count': return sectorsToUnits(n * extentSize);
    case 'stripe_count': return n === 1 ? '# linear' : undefined;
    case 'creation_time': return `# ${isoLocal(n)}`;
    case 'read_ahead': return n === -1 ? '# None' : undefined;
    default: return undefined;
  }
}

/** Indent and comment the VG block of a raw text (no header in it). */
export function toFileFormat(raw: string, extentSize: number): string {
  let out = '';
  let depth = 0;
  const lines = raw.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  for (const line of lines) {
    if (line === '') {
      out += '\n';
      continue;
    }
    if (line === '}' || line === ']') depth--;
    const kv = /^([a-z_]+) = (.*)$/.exec(line);
    out += fileLine(line, depth, kv ? commentFor(kv[1]!, kv[2]!, extentSize) : undefined);
    if (line.endsWith('{') || line.endsWith('[')) depth++;
  }
  return out;
}
