// Command-line parsing with getopt_long's rules, as LVM2 uses it (tools/lvmcmdline.c): option
// permutation, clustered short options, "-L10G" and "-L 10G", "--size=10G", unambiguous long
// prefixes, and an option's argument taken verbatim even when it starts with '-' ("-m -1").
// Messages match glibc's, followed by LVM2's "Error during parsing of command line.".
import { InvalidCommandLine } from './errors.js';
import { OPTIONS, type OptionDef } from './options.js';

export interface ParsedArgs {
  /** Values per long option name, in command-line order ('' for flags). */
  values: Map<string, string[]>;
  positionals: string[];
}

export function getopt(cmd: string, argv: string[], accepted: string[], shortOverrides: Record<string, string> = {}): ParsedArgs {
  const defs = accepted.map((n) => {
    const d = OPTIONS.get(n);
    if (!d) throw new Error(`option --${n} is not defined`);
    return d;
  });
  const byShort = new Map<string, OptionDef>();
  for (const d of defs) if (d.short && !(d.short in shortOverrides)) byShort.set(d.short, d);
  for (const [s, long] of Object.entries(shortOverrides)) byShort.set(s, OPTIONS.get(long)!);
  const values = new Map<string, string[]>();
  const positionals: string[] = [];
  const add = (d: OptionDef, v: string) => {
    const list = values.get(d.long);
    if (list) list.push(v);
    else values.set(d.long, [v]);
  };
  const fail = (msg: string): never => {
    // glibc prints its message itself, without LVM2's log prefix.
    const e = new InvalidCommandLine(`${cmd}: ${msg}`, 'Error during parsing of command line.');
    e.unprefixed = 1;
    throw e;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
      const exact = defs.find((d) => d.long === name);
      const matches = exact ? [exact] : defs.filter((d) => d.long.startsWith(name));
      if (matches.length === 0) fail(`unrecognized option '${a}'`);
      if (matches.length > 1) fail(`option '${a}' is ambiguous; possibilities:${matches.map((m) => " '--" + m.long + "'").join('')}`);
      const d = matches[0]!;
      if (d.type === 'none') {
        if (eq >= 0) fail(`option '--${d.long}' doesn't allow an argument`);
        add(d, '');
      } else if (eq >= 0) {
        add(d, a.slice(eq + 1));
      } else {
        if (i + 1 >= argv.length) fail(`option '--${d.long}' requires an argument`);
        add(d, argv[++i]!);
      }
      continue;
    }
    if (a.startsWith('-') && a.length > 1) {
      for (let j = 1; j < a.length; j++) {
        const c = a[j]!;
        const d = byShort.get(c);
        if (!d) fail(`invalid option -- '${c}'`);
        if (d!.type === 'none') {
          add(d!, '');
          continue;
        }
        if (j + 1 < a.length) add(d!, a.slice(j + 1));
        else if (i + 1 < argv.length) add(d!, argv[++i]!);
        else fail(`option requires an argument -- '${c}'`);
        break;
      }
      continue;
    }
    positionals.push(a);
  }
  return { values, positionals };
}
