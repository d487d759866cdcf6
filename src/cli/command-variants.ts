// Which variant of a command a command line is (LVM2 tools/lvmcmdline.c _find_command over the
// definitions of command-lines.in, generated into lvm2-command-variants.ts): the best match by
// required options and positionals, then LVM2's refusals of what that variant does not take
// ("Command does not accept option: ...", "... argument: ...") and the unsetting of its ignored
// options (IO: lvs -P is accepted and does nothing). No match at all is left to the handler.
import type { Args } from './args.js';
import { InvalidCommandLine } from './errors.js';
import { LVM2_COMMAND_VARIANTS, type CommandVariant, type VariantOpt } from './lvm2-command-variants.js';
import { commandOptions, COMMON_OPTIONS, longOptionName, standardOptionId, type OptionDef } from './options.js';

/** Commands whose definitions say --size where --extents may stand (command_has_alternate_extents). */
const ALTERNATE_EXTENTS = ['lvcreate', 'lvextend', 'lvreduce', 'lvresize'];

interface SetOption {
  id: string;
  long: string;
  value: string | undefined;
}

/** The options given, by LVM2 id (synonyms as their standard option), in LVM2's option order. */
function setOptions(cmd: string, args: Args, defs: OptionDef[]): SetOption[] {
  const out: SetOption[] = [];
  for (const d of defs) {
    if (!args.has(d.long)) continue;
    const id = standardOptionId(cmd, d.id);
    if (out.some((o) => o.id === id)) continue;
    out.push({ id, long: longOptionName(id), value: d.type === 'none' ? undefined : args.str(d.long) });
  }
  return out;
}

/** A constant in a definition (--type mirror, --mirrors 0) against the value given. */
function valueMatches(def: VariantOpt, value: string | undefined, required: boolean): boolean {
  const want = def[1];
  if (want === undefined) return true;
  if (/^\d+$/.test(want)) return Number(value) === Number(want);
  if (value === want) return true;
  return required && want === 'raid' && (value ?? '').startsWith('raid');
}

function skipForType(v: CommandVariant, type: string): boolean {
  for (const o of [...v.ro, ...v.any, ...v.oo]) {
    if (o[0] !== 'type') continue;
    if (o[1] === undefined || o[1] === type) return false;
    return !(o[1].startsWith('raid') && type.startsWith('raid'));
  }
  return true;
}

interface Match {
  variant: CommandVariant;
  required: number;
  type: number;
  unused: SetOption[];
}

export function findVariant(cmd: string, args: Args, env: NodeJS.ProcessEnv): Match | null {
  const variants = LVM2_COMMAND_VARIANTS[cmd];
  if (!variants) return null;
  const given = setOptions(cmd, args, commandOptions(cmd));
  const has = (id: string) => given.find((o) => o.id === id);
  const type = has('type')?.value;
  const pos = args.positionals;
  let best: Match | null = null;
  for (const v of variants) {
    if (v.id === 'lvconvert_plain' && given.some((o) => o.id !== 'verbose')) continue;
    if (type !== undefined && v.autotype.some((t) => t !== type)) continue;
    if (type !== undefined && skipForType(v, type)) continue;
    let matchRo = 0, matchRp = 0, matchType = 0, mismatch = 0;
    const reqMatches = (o: VariantOpt): boolean => {
      const g = has(o[0]) ?? (o[0] === 'size' && ALTERNATE_EXTENTS.includes(cmd) ? has('extents') : undefined);
      return !!g && valueMatches(o, g.id === 'extents' ? undefined : g.value, true);
    };
    for (const o of v.ro) {
      if (reqMatches(o)) {
        matchRo++;
        if (o[0] === 'type') matchType = 1;
      } else mismatch++;
    }
    if (v.any.length && !v.any.some(reqMatches)) mismatch = 1;
    for (let i = 0; i < v.rp; i++) {
      if (pos[i] !== undefined) matchRp++;
      else if (i === 0 && v.select && has('select')) matchRp++;
      else if (i === 0 && cmd === 'lvcreate' && v.vg && vgFromOptions(args, env)) matchRp++;
      else mismatch++;
    }
    if (mismatch) continue;
    let required = !v.ro.length && !v.rp ? 1 : matchRo + matchRp;
    if (!required) continue;
    if ((v.ro.length || v.rp) && (matchRo || matchRp)) required++;
    const unused = given.filter((g) => g.id !== 'extents' && !accepts(v, g));
    if (!best || (required > best.required && !unused.length) || unused.length < best.unused.length || matchType > best.type ||
      (required === best.required && matchType === best.type && unused.length < best.unused.length)) {
      best = { variant: v, required, type: matchType, unused };
    }
  }
  return best;
}

function accepts(v: CommandVariant, g: SetOption): boolean {
  if (COMMON_OPTIONS.includes(g.long)) return true;
  if ([...v.ro, ...v.any].some((o) => o[0] === g.id)) return true;
  return [...v.oo, ...v.io].some((o) => o[0] === g.id && valueMatches(o, g.value, false));
}

/** lvcreate's VG may come from --name VG/LV, --thinpool/--cachepool/--vdopool VG/LV or LVM_VG_NAME. */
function vgFromOptions(args: Args, env: NodeJS.ProcessEnv): boolean {
  if (env.LVM_VG_NAME) return true;
  return ['name', 'thinpool', 'cachepool', 'vdopool'].some((o) => (args.str(o) ?? '').includes('/'));
}

/**
 * LVM2's checks once a variant matched: options and arguments it does not take (exit 3); then its
 * ignored options are dropped from `args`. Commands tsvm matches no variant for are left as they are.
 */
export function checkCommandVariant(cmd: string, args: Args, env: NodeJS.ProcessEnv): void {
  const best = findVariant(cmd, args, env);
  if (!best) return;
  if (best.unused.length) {
    throw new InvalidCommandLine(...best.unused.map((o) => `Command does not accept option: --${o.long}${o.value !== undefined ? ` ${o.value}` : ''}.`));
  }
  const v = best.variant;
  if (!v.repeat && args.positionals.length > v.rp + v.op) {
    throw new InvalidCommandLine(`Command does not accept argument: ${args.positionals[v.rp + v.op]}.`);
  }
  const defs = commandOptions(cmd);
  for (const o of v.io) {
    for (const d of defs) {
      if (standardOptionId(cmd, d.id) === o[0] && args.has(d.long) && valueMatches(o, args.str(d.long), false)) args.drop(d.long);
    }
  }
}
