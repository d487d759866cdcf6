// Typed access to parsed options, and the value checks LVM2 does while parsing (tools/vals.h):
// a bad value is "Invalid argument for --opt: value" and exit 3.
import { InvalidCommandLine } from './errors.js';
import { OPTIONS } from './options.js';
import type { ParsedArgs } from './getopt.js';
import { isValidUnits, parseSizeArg, SizeParseError, type SizeArg } from '../model/units.js';

const SIZE_DEFAULT_UNIT: Record<string, string> = { size_mb: 'm', ssize_mb: 'm', size_kb: 'k' };

/** A parsed -l value: a count, or a percentage of VG/FREE/PVS/LV/ORIGIN. */
export interface ExtentsArg {
  sign: '+' | '-' | '';
  value: number;
  percent?: 'VG' | 'FREE' | 'PVS' | 'LV' | 'ORIGIN';
}

const PERCENT_NAMES: Array<[RegExp, ExtentsArg['percent']]> = [
  [/^(V|VG)$/i, 'VG'], [/^(F|FR|FREE)$/i, 'FREE'], [/^(P|PV|PVS)$/i, 'PVS'], [/^(L|LV)$/i, 'LV'], [/^(O|OR|ORIGIN)$/i, 'ORIGIN'],
];

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
  private sizes = new Map<string, SizeArg>();
  private extentArgs = new Map<string, ExtentsArg>();

  /**
   * `negativeSizes`: whether -L/-l accept a '-' sign in this command (lvresize, lvreduce); a
   * '+' is always accepted for them, as LVM2's sizemb/extents value types do.
   */
  constructor(readonly cmd: string, private readonly parsed: ParsedArgs, negativeSizes = false) {
    for (const [name, vals] of parsed.values) {
      const def = OPTIONS.get(name)!;
      for (const v of vals) {
        const bad = (...why: string[]): never => {
          throw new InvalidCommandLine(...why, `Invalid argument for --${name}: ${v}`, 'Error during parsing of command line.');
        };
        if (def.type in SIZE_DEFAULT_UNIT) {
          const signable = def.type === 'ssize_mb';
          if (v === '' || !/^[+-]?[0-9.]/.test(v)) bad('Size requires number argument.');
          if ((v[0] === '+' || v[0] === '-') && !signable) bad('Size may not be relative/signed.');
          if (v[0] === '-' && !negativeSizes) bad('Size may not be negative.');
          let parsedSize: SizeArg | null;
          try {
            parsedSize = parseSizeArg(v, SIZE_DEFAULT_UNIT[def.type]!);
          } catch (e) {
            if (e instanceof SizeParseError) bad(...e.lines);
            throw e;
          }
          if (!parsedSize) bad("Can't parse size argument.");
          this.sizes.set(name, parsedSize!);
          continue;
        }
        if (def.type === 'extents' || def.type === 'sextents') {
          const m = /^([+-]?)([0-9]+)(?:%(.*))?$/.exec(v);
          if (!m) bad();
          if (m![1] === '-' && !negativeSizes) bad('Extents may not be negative.');
          const ext: ExtentsArg = { sign: m![1] as ExtentsArg['sign'], value: Number(m![2]) };
          if (m![3] !== undefined) {
            const hit = PERCENT_NAMES.find(([re]) => re.test(m![3]!));
            if (!hit) bad(`Specified %${m![3]} is unknown.`);
            ext.percent = hit![1];
          }
          this.extentArgs.set(name, ext);
          continue;
        }
        if (def.type === 'alloc' && !valueOk(def.type, v)) bad(`Unrecognised allocation policy ${v}`);
        if (def.type === 'mirrorlog' && !valueOk(def.type, v)) bad(`Mirror log type "${v}" is unknown.`);
        if (!valueOk(def.type, v)) bad();
      }
    }
  }

  /** A size option's value in sectors, with its sign. */
  size(name: string): SizeArg | undefined {
    return this.sizes.get(name);
  }

  extents(name: string): ExtentsArg | undefined {
    return this.extentArgs.get(name);
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
