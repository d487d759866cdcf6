// The two ways LVM2 prints metadata text (lib/format_text/export.c struct formatter): "raw" for a
// metadata area (no indentation, no comments, NUL-terminated by the caller) and "file" for
// vgcfgbackup and /etc/lvm/backup (tab indentation, informational comments aligned on tab stops).

const COMMENT_TAB = 6;
const MAX_INDENT = 5;

export class Formatter {
  private readonly parts: string[] = [];
  private indent = 0;

  constructor(readonly file: boolean) {}

  /** A line, with an optional comment (shown only in files). */
  line(text: string, comment?: string): void {
    if (!this.file) {
      this.parts.push(text, '\n');
      return;
    }
    const ws = '\t'.repeat(this.indent);
    if (!comment) {
      this.parts.push(ws, text, '\n');
      return;
    }
    // _out_with_comment_file: line the comments up on tab stops where possible
    let i = Math.floor((text.length + 8 * this.indent) / 8) + 1;
    let tabs = '\t';
    while (++i < COMMENT_TAB) tabs += '\t';
    this.parts.push(ws, text, tabs, comment, '\n');
  }

  /** A line with a size in sectors, commented in readable units ("# 4 Megabytes"). */
  size(text: string, sectors: number): void {
    this.line(text, sectorsToUnits(sectors));
  }

  nl(): void {
    this.parts.push('\n');
  }

  /** Text already formatted by the caller (the header's lines that carry their own comments). */
  verbatim(text: string): void {
    this.parts.push(text);
  }

  open(text: string): void {
    this.line(text);
    this.indent = Math.min(MAX_INDENT, this.indent + 1);
  }

  close(): void {
    this.close2('}');
  }

  /** Leave a block, ending it with `end` ("}" or "]"). */
  close2(end: string): void {
    this.indent--;
    this.line(end);
  }

  text(): string {
    return this.parts.join('');
  }
}

const UNITS = ['Kilobytes', 'Megabytes', 'Gigabytes', 'Terabytes', 'Petabytes', 'Exabytes'];

/** _sectors_to_units: "# %g <unit>" after dividing by 1024 while above 1024. */
export function sectorsToUnits(sectors: number): string {
  let d = sectors / 2;
  let i = 0;
  while (d > 1024 && i < UNITS.length - 1) {
    d /= 1024;
    i++;
  }
  return `# ${formatG(d)} ${UNITS[i]}`;
}

/** C's %g with the default precision of 6 significant digits (for values below 1e6). */
export function formatG(d: number): string {
  if (d === 0) return '0';
  if (Math.abs(d) >= 1e6 || Math.abs(d) < 1e-4) {
    const [m, e] = d.toExponential(5).split('e');
    const mant = m!.replace(/\.?0+$/, '');
    const exp = Number(e);
    return `${mant}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  return String(Number(d.toPrecision(6)));
}

/** The string escaping of LVM2's text (dm_escape_double_quotes): \" and \\. */
export function quote(s: string): string {
  return `"${s.replace(/(["\\])/g, '\\$1')}"`;
}

/** A list of strings as LVM2 prints tags and flags: ["A", "B"]. */
export function strList(items: string[]): string {
  return `[${items.map(quote).join(', ')}]`;
}
