// A command line split into words as LVM2's lvm_split (tools/lvmcmdline.c) does for the shell and
// scripts: blanks separate words, a word may be quoted with ' or " (no escapes, no nesting), and a
// '#' where a word would start ends the line.

/** LVM2's MAX_ARGS: a line of this many words or more is refused ("Too many arguments"). */
export const MAX_ARGS = 64;

export function lvmSplit(line: string): string[] {
  const words: string[] = [];
  let i = 0;
  const blank = (c: string | undefined) => c !== undefined && /\s/.test(c);
  while (i < line.length && words.length < MAX_ARGS) {
    while (blank(line[i])) i++;
    if (i >= line.length || line[i] === '#') break;
    let quote = '';
    if (line[i] === "'" || line[i] === '"') quote = line[i++]!;
    let e = i;
    while (e < line.length && (quote ? line[e] !== quote : !blank(line[e]))) e++;
    words.push(line.slice(i, e));
    i = e + 1;
  }
  return words;
}
