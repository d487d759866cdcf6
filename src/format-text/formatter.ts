// Pieces of LVM2's metadata text printing (lib/format_text/export.c): quoting, string lists, the
// size comments ("# 4 Megabytes") and the comment alignment of files.

const COMMENT_TAB = 6;

/**
 * One line of a file at `indent` tabs, its comment lined up on the tab stops where possible
 * (_out_with_comment_file).
 */
export function fileLine(text: string, indent: number, comment?: string): string {
  const ws = '\t'.repeat(indent);
  if (!comment) return `${ws}${text}\n`;
  let i = Math.floor((text.length + 8 * indent) / 8) + 1;
  let tabs = '\t';
  while (++i < COMMENT_TAB) tabs += '\t';
  return `${ws}${text}${tabs}${comment}\n`;
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
  return s.includes('"') || s.includes('\\') ? `"${s.replace(/(["\\])/g, '\\$1')}"` : `"${s}"`;
}

/** A list of strings as LVM2 prints tags and flags: ["A", "B"]. */
export function strList(items: string[]): string {
  return items.length ? `["${items.join('", "')}"]` : '[]';
}
