// Typed access to a parsed command line (values checked by values.ts while parsing), with LVM2's
// synonym merging (tools/lvmcmdline.c _merge_synonym: --resizable is --resizeable, giving both
// is an error).
import { InvalidCommandLine } from './errors.js';
import type { ParsedArgs } from './getopt.js';
import type { SizeArg } from '../model/units.js';
import type { ExtentsArg } from './values.js';

export type { ExtentsArg } from './values.js';

/** Synonym -> the option it stands for (metadatacopies depends on the command). */
function synonyms(cmd: string): Array<[string, string]> {
  const list: Array<[string, string]> = [
    // (--allocation also stands for --resizeable, but vgchange's variants do not match it: left as is)
    ['resizable', 'resizeable'], ['allocation', 'allocatable'],
    ['virtualoriginsize', 'virtualsize'], ['available', 'activate'], ['raidrebuild', 'rebuild'],
    ['raidsyncaction', 'syncaction'], ['raidwritemostly', 'writemostly'], ['raidminrecoveryrate', 'minrecoveryrate'],
    ['raidmaxrecoveryrate', 'maxrecoveryrate'], ['raidwritebehind', 'writebehind'],
  ];
  if (cmd.startsWith('pv')) list.push(['metadatacopies', 'pvmetadatacopies']);
  if (cmd.startsWith('vg')) list.push(['metadatacopies', 'vgmetadatacopies']);
  return list;
}

export class Args {
  constructor(readonly cmd: string, private readonly parsed: ParsedArgs) {
    for (const [old, std] of synonyms(cmd)) {
      if (!parsed.defs.has(old) || !parsed.defs.has(std)) continue;
      const v = parsed.values.get(old);
      if (!v) continue;
      if (parsed.values.has(std)) {
        throw new InvalidCommandLine(`--${old} and --${std} are synonyms.  Please only supply one.`,
          `Run \`${cmd} --help' for more information.`);
      }
      parsed.values.set(std, v);
      const p = parsed.parsed.get(old);
      if (p) parsed.parsed.set(std, p);
      parsed.values.delete(old);
    }
  }

  /** A size option's value in sectors, with its sign. */
  size(name: string): SizeArg | undefined {
    const p = this.parsed.parsed.get(name);
    return p?.kind === 'size' ? p.size : undefined;
  }

  extents(name: string): ExtentsArg | undefined {
    const p = this.parsed.parsed.get(name);
    return p?.kind === 'extents' ? p.extents : undefined;
  }

  get positionals(): string[] {
    return this.parsed.positionals;
  }

  /** Unset an option (LVM2 unsets a variant's ignored options once the variant is matched). */
  drop(name: string): void {
    this.parsed.values.delete(name);
    this.parsed.parsed.delete(name);
  }

  has(name: string): boolean {
    return this.parsed.values.has(name);
  }

  /** How many times a flag was given (-v -vv, -f -ff). */
  count(name: string): number {
    return this.parsed.values.get(name)?.length ?? 0;
  }

  /** The last value given for an option (LVM2 keeps the last one). */
  str(name: string): string | undefined {
    const v = this.parsed.values.get(name);
    return v ? v[v.length - 1] : undefined;
  }

  all(name: string): string[] {
    return this.parsed.values.get(name) ?? [];
  }

  int(name: string): number | undefined {
    const v = this.str(name);
    return v === undefined ? undefined : Number(v);
  }

  /** Names of the options present, for "incompatible options" checks. */
  present(): string[] {
    return [...this.parsed.values.keys()];
  }
}
