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

/**
 * Indents and comments raw text given piece by piece (the VG block's head, then each LV's block):
 * the nesting carries over from one piece to the next, and a piece may end inside a line.
 */
export class FileFormatter {
  private depth = 0;
  private rest = '';

  constructor(private readonly extentSize: number) {}

  /** The file form of the whole lines `raw` completes. */
  format(raw: string): string {
    const text = this.rest + raw;
    let out = '';
    let from = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; from = nl + 1, nl = text.indexOf('\n', from)) out += this.line(text.slice(from, nl));
    this.rest = text.slice(from);
    return out;
  }

  /** The file form of a last line without its newline, if any. */
  end(): string {
    const out = this.rest ? this.line(this.rest) : '';
    this.rest = '';
    return out;
  }

  private line(line: string): string {
    if (line === '') return '\n';
    if (line === '}' || line === ']') this.depth--;
    // `key = value`, key in [a-z_]: the keys commentFor knows
    const eq = line.indexOf(' = ');
    const key = eq > 0 ? line.slice(0, eq) : '';
    const out = fileLine(line, this.depth, eq > 0 && /^[a-z_]+$/.test(key) ? commentFor(key, line.slice(eq + 3), this.extentSize) : undefined);
    const last = line.charCodeAt(line.length - 1);
    if (last === 0x7b || last === 0x5b) this.depth++; // { or [
    return out;
  }
}

/** Indent and comment the VG block of a raw text (no header in it). */
export function toFileFormat(raw: string, extentSize: number): string {
  const f = new FileFormatter(extentSize);
  return f.format(raw) + f.end();
}
