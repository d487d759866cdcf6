// Command-line parsing with getopt_long's rules, as LVM2 uses it (tools/lvmcmdline.c): hyphens
// inside long option names dropped first (--use-policies is --usepolicies), option permutation,
// clustered short options, "-L10G" and "-L 10G", "--size=10G", unambiguous long prefixes, an
// option's argument taken verbatim even when it starts with '-' ("-m -1"). Each value is checked
// as it is met (values.ts), and an option that is neither countable nor groupable may not be
// repeated. Messages match glibc's, then LVM2's "Error during parsing of command line.".
import { InvalidCommandLine } from './errors.js';
import type { OptionDef } from './options.js';
import { BadValue, parseValue, type ParsedValue } from './values.js';

export interface ParsedArgs {
  /** Values per long option name, in command-line order ('' for flags; synonyms normalised: -a ye is 'ey'). */
  values: Map<string, string[]>;
  /** The last value of each option with a value, as its type parsed it. */
  parsed: Map<string, ParsedValue>;
  positionals: string[];
  /** The definitions the command line was parsed with, by long name. */
  defs: Map<string, OptionDef>;
}

/** lvm_run_command(): "--use-policies" is "--usepolicies"; stops at "--" and at '=' in each word. */
export function dropLongOptionHyphens(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') return [...out, ...argv.slice(i)];
    if (!a.startsWith('--')) {
      out.push(a);
      continue;
    }
    const eq = a.indexOf('=', 2);
    const name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
    out.push('--' + name.replace(/-/g, '') + (eq >= 0 ? a.slice(eq) : ''));
  }
  return out;
}

const GLIBC_STOP = 'Error during parsing of command line.';

export function getopt(cmd: string, argvIn: string[], defs: OptionDef[]): ParsedArgs {
  const argv = dropLongOptionHyphens(argvIn);
  const byShort = new Map<string, OptionDef>();
  for (const d of defs) if (d.short) byShort.set(d.short, d);
  const values = new Map<string, string[]>();
  const parsed = new Map<string, ParsedValue>();
  const positionals: string[] = [];
  const fail = (msg: string): never => {
    // glibc prints its message itself, without LVM2's log prefix.
    const e = new InvalidCommandLine(`${cmd}: ${msg}`, GLIBC_STOP);
    e.unprefixed = 1;
    throw e;
  };
  const add = (d: OptionDef, v: string) => {
    const list = values.get(d.long);
    if (list && !d.countable && !d.groupable) {
      throw new InvalidCommandLine(`Option${d.short ? ` -${d.short}/` : ' '}--${d.long} may not be repeated.`, GLIBC_STOP);
    }
    if (d.type !== 'none') {
      try {
        const pv = parseValue(cmd, d.type, v);
        parsed.set(d.long, pv);
        if (pv.kind === 'text') v = pv.value;
      } catch (e) {
        if (!(e instanceof BadValue)) throw e;
        throw new InvalidCommandLine(...e.lines, `Invalid argument for --${d.long}: ${v}`, GLIBC_STOP);
      }
    }
    if (list) list.push(v);
    else values.set(d.long, [v]);
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
  return { values, parsed, positionals, defs: new Map(defs.map((d) => [d.long, d])) };
}
