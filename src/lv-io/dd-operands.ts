// GNU dd's operands (coreutils src/dd.c scanargs): if= of= bs= ibs= obs= count= skip= seek=
// conv= iflag= oflag= status=, numbers with dd's multiplicative suffixes. A bad operand is a
// DdUsageError carrying dd's own message; the caller prints "dd: MESSAGE" and exits 1.

export class DdUsageError extends Error {
  constructor(message: string, readonly tryHelp = true) {
    super(message);
  }
}

export const CONV_FLAGS = ['notrunc', 'fsync', 'fdatasync', 'sparse', 'noerror', 'sync', 'excl', 'nocreat'] as const;
/** Conversions GNU dd has that tsvm dd does not do (character-set and record conversions). */
const CONV_UNSUPPORTED = ['ascii', 'ebcdic', 'ibm', 'block', 'unblock', 'lcase', 'ucase', 'swab'];
const IFLAGS = ['fullblock', 'count_bytes', 'skip_bytes', 'direct', 'dsync', 'sync', 'nonblock', 'noatime', 'nocache', 'noctty',
  'nofollow', 'binary', 'text', 'directory', 'append', 'nolinks'];
const OFLAGS = ['seek_bytes', 'direct', 'dsync', 'sync', 'nonblock', 'noatime', 'nocache', 'noctty', 'nofollow', 'binary', 'text',
  'directory', 'append', 'nolinks'];

export type Status = 'default' | 'none' | 'noxfer' | 'progress';

export interface DdOperands {
  input?: string;
  output?: string;
  ibs: number;
  obs: number;
  /** bs= was given: each input block is written as it was read (no reblocking). */
  bsGiven: boolean;
  count?: number;
  skip: number;
  seek: number;
  conv: Set<string>;
  iflag: Set<string>;
  oflag: Set<string>;
  status: Status;
}

/** The locale's quotes around a value, as coreutils' quote() prints them. */
export function quote(s: string, env: NodeJS.ProcessEnv = process.env): string {
  const loc = env.LC_ALL || env.LC_CTYPE || env.LANG || '';
  return /utf-?8/i.test(loc) ? `\u2018${s}\u2019` : `'${s}'`;
}

const POWERS: Record<string, number> = { K: 1, M: 2, G: 3, T: 4, P: 5, E: 6, Z: 7, Y: 8, R: 9, Q: 10 };

/** One factor of a dd number: digits and an optional suffix (c w b K kB KiB M MB MiB ...). */
function parseFactor(s: string): number | null {
  const m = /^([0-9]+)([a-zA-Z]*)$/.exec(s);
  if (!m) return null;
  const n = Number(m[1]);
  const suf = m[2]!;
  if (suf === '') return n;
  const single: Record<string, number> = { c: 1, w: 2, b: 512 };
  if (suf in single) return n * single[suf]!;
  const sm = /^([kKMGTPEZYRQ])(B|iB|D)?$/.exec(suf);
  if (!sm) return null;
  const letter = sm[1] === 'k' ? 'K' : sm[1]!;
  const base = sm[2] === 'B' || sm[2] === 'D' ? 1000 : 1024;
  return n * base ** POWERS[letter]!;
}

/** A dd number: "N", "N<suffix>", or a product "AxB". */
export function parseDdNumber(s: string, env?: NodeJS.ProcessEnv): number {
  let v = 1;
  for (const part of s.split('x')) {
    const f = parseFactor(part);
    if (f === null) throw new DdUsageError(`invalid number: ${quote(s, env)}`, false);
    v *= f;
  }
  if (!Number.isSafeInteger(v)) throw new DdUsageError(`invalid number: ${quote(s, env)}`, false);
  return v;
}

function parseFlags(value: string, allowed: readonly string[], what: string, env?: NodeJS.ProcessEnv): Set<string> {
  const set = new Set<string>();
  for (const f of value.split(',')) {
    if (what === 'conversion' && CONV_UNSUPPORTED.includes(f)) {
      throw new DdUsageError(`conversion ${quote(f, env)} is not supported by tsvm dd`, false);
    }
    if (!allowed.includes(f)) throw new DdUsageError(`invalid ${what}: ${quote(f, env)}`);
    set.add(f);
  }
  return set;
}

export function parseOperands(argv: string[], env?: NodeJS.ProcessEnv): DdOperands {
  const o: DdOperands = { ibs: 512, obs: 512, bsGiven: false, skip: 0, seek: 0, conv: new Set(), iflag: new Set(), oflag: new Set(), status: 'default' };
  let bs: number | undefined;
  const positive = (v: string) => {
    const n = parseDdNumber(v, env);
    if (n < 1) throw new DdUsageError(`invalid number: ${quote(v, env)}`, false);
    return n;
  };
  for (const arg of argv) {
    const eq = arg.indexOf('=');
    if (eq < 0) throw new DdUsageError(`unrecognized operand ${quote(arg, env)}`);
    const key = arg.slice(0, eq);
    const val = arg.slice(eq + 1);
    switch (key) {
      case 'if': o.input = val; break;
      case 'of': o.output = val; break;
      case 'bs': bs = positive(val); break;
      case 'ibs': o.ibs = positive(val); break;
      case 'obs': o.obs = positive(val); break;
      case 'cbs': positive(val); break;
      case 'count': o.count = parseDdNumber(val, env); break;
      case 'skip': case 'iseek': o.skip = parseDdNumber(val, env); break;
      case 'seek': case 'oseek': o.seek = parseDdNumber(val, env); break;
      case 'conv': for (const f of parseFlags(val, CONV_FLAGS, 'conversion', env)) o.conv.add(f); break;
      case 'iflag': for (const f of parseFlags(val, IFLAGS, 'input flag', env)) o.iflag.add(f); break;
      case 'oflag': for (const f of parseFlags(val, OFLAGS, 'output flag', env)) o.oflag.add(f); break;
      case 'status':
        if (val !== 'none' && val !== 'noxfer' && val !== 'progress') throw new DdUsageError(`invalid status level: ${quote(val, env)}`);
        o.status = val;
        break;
      default: throw new DdUsageError(`unrecognized operand ${quote(arg, env)}`);
    }
  }
  if (bs !== undefined) {
    o.ibs = o.obs = bs;
    o.bsGiven = true;
  }
  if (o.conv.has('excl') && o.conv.has('nocreat')) throw new DdUsageError('cannot combine excl and nocreat');
  return o;
}
