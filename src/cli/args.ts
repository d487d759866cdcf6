// Typed access to parsed options, and the value checks LVM2 does while parsing (tools/vals.h):
// a bad value is "Invalid argument for --opt: value" and exit 3.
import { InvalidCommandLine } from './errors.js';
import { OPTIONS } from './options.js';
import type { ParsedArgs } from './getopt.js';
import { isValidUnits } from '../model/units.js';

const ALLOC = ['contiguous', 'cling', 'cling_by_tags', 'normal', 'anywhere', 'inherit'];

function valueOk(type: string, v: string): boolean {
  switch (type) {
    case 'number': return /^\+?[0-9]+$/.test(v);
    case 'snumber': return /^[+-]?[0-9]+$/.test(v);
    case 'yn': return v === 'y' || v === 'n';
    case 'activation': return ['y', 'n', 'ay', 'ey', 'sy', 'ly', 'en', 'sn', 'ln'].includes(v);
    case 'alloc': return ALLOC.includes(v);
    case 'permission': return v === 'r' || v === 'rw';
    case 'units': return isValidUnits(v);
    case 'mirrorlog': return ['core', 'disk', 'mirrored'].includes(v);
    case 'reportformat': return v === 'basic' || v === 'json';
    case 'readahead': return v === 'auto' || v === 'none' || /^[0-9]+$/.test(v);
    default: return true;
  }
}

export class Args {
  constructor(readonly cmd: string, private readonly parsed: ParsedArgs) {
    for (const [name, vals] of parsed.values) {
      const def = OPTIONS.get(name)!;
      for (const v of vals) {
        if (!valueOk(def.type, v)) {
          throw new InvalidCommandLine(`Invalid argument for --${name}: ${v}`, 'Error during parsing of command line.');
        }
      }
    }
  }

  get positionals(): string[] {
    return this.parsed.positionals;
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
