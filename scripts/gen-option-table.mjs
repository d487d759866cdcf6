#!/usr/bin/env node
// gen-option-table.mjs — writes src/cli/lvm2-option-table.ts, the facts of LVM2's command-line
// interface that tsvm's parser needs, read from a checkout of LVM2's tools/ directory:
//   - from args.h: every option's id, short letter, long name, value type and flags;
//   - from command-lines.in: for each command name, the options any of its variants accepts
//     (required, optional and ignored ones, OO_ lists expanded, OO_ALL for every command).
// Only names, letters and types are taken (no LVM2 code); the parsing rules live in src/cli/.
//
//   git -C <lvm2 repo> archive v2_03_16 tools | tar -x -C /tmp/lvm2
//   node scripts/gen-option-table.mjs /tmp/lvm2/tools
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const tools = process.argv[2];
if (!tools) {
  console.error('usage: node scripts/gen-option-table.mjs LVM2_TOOLS_DIR');
  process.exit(2);
}
const out = new URL('../src/cli/lvm2-option-table.ts', import.meta.url);

// args.h: arg(foo_ARG, 'f', "foo", foo_VAL, FLAGS, prio, ...)
const args = [];
const argRe = /^arg\((\w+)_ARG, '(\\0|.)', "([^"]*)", (\w+), ([\w|]+), (\d+)/;
for (const line of readFileSync(join(tools, 'args.h'), 'utf8').split('\n')) {
  const m = argRe.exec(line);
  if (!m || m[1] === 'ARG_UNUSED' || m[1] === 'ARG_COUNT' || !m[3]) continue;
  const flags = m[5] === '0' ? [] : m[5].split('|').map((f) => f.replace(/^ARG_/, '').toLowerCase());
  args.push({
    id: m[1],
    short: m[2] === '\\0' ? '' : m[2],
    long: m[3],
    val: m[4] === '0' ? 'none' : m[4].replace(/_VAL$/, ''),
    flags,
  });
}
const byId = new Map(args.map((a) => [a.id, a]));

/** command-lines.in's "--foo" / "--foo_long" to an args.h id, as LVM2's _opt_str_to_num does. */
function optId(word) {
  let name = word.replace(/^--/, '');
  const wantLong = name.endsWith('_long');
  if (wantLong) name = name.slice(0, -'_long'.length);
  if (name === 'uuidstr') return 'uuidstr';
  const hits = args.filter((a) => a.long === name);
  const hit = wantLong ? hits.find((a) => !a.short) : hits.find((a) => !a.id.endsWith('_long'));
  if (!hit) throw new Error(`command-lines.in: unknown option ${word}`);
  return hit.id;
}

// command-lines.in: OO_NAME: lists, and command definitions with their OO:/OP:/IO: lines.
const lines = readFileSync(join(tools, 'command-lines.in'), 'utf8').split('\n');
const ooLists = new Map();
const perCommand = new Map();
let current = null; // { kind: 'oo', name } | { kind: 'cmd', name }
const words = (text) => text.split(/[\s,]+/).filter(Boolean);
function collect(text) {
  const ids = [];
  for (const w of words(text)) {
    if (w.startsWith('--')) ids.push(optId(w));
    else if (/^OO_[A-Z_]+$/.test(w)) ids.push(...(ooLists.get(w) ?? []));
  }
  return ids;
}
function addTo(target, ids) {
  if (target.kind === 'oo') ooLists.get(target.name).push(...ids);
  else perCommand.get(target.name).push(...ids);
}
for (const raw of lines) {
  const line = raw.replace(/#.*$/, '').trimEnd();
  if (!line.trim()) {
    if (current?.kind === 'oo') current = null;
    continue;
  }
  let m;
  if ((m = /^(OO_[A-Z_]+):(.*)$/.exec(line))) {
    ooLists.set(m[1], []);
    current = { kind: 'oo', name: m[1] };
    addTo(current, collect(m[2]));
  } else if ((m = /^(OO|OP|IO):(.*)$/.exec(line))) {
    if (current?.kind === 'cmd' && m[1] !== 'OP') addTo(current, collect(m[2]));
  } else if (/^(ID|DESC|RULE|FLAGS|AUTOTYPE):/.test(line) || line.startsWith('---')) {
    // not options
  } else if (/^[a-z]/.test(line)) {
    const name = words(line)[0];
    if (!perCommand.has(name)) perCommand.set(name, []);
    current = { kind: 'cmd', name };
    addTo(current, collect(line.slice(name.length)));
  } else if (current && /^\s*(--|OO_)/.test(line)) {
    addTo(current, collect(line));
  }
}

// command-lines.in, variant by variant (tools/command.c's parser, for lvmcmdline.c _find_command):
// required options (a constant value where the definition names one: --type mirror, --mirrors 0),
// "any one of" lists (an OO_ list among the required options), positional counts, optional and
// ignored options, the implied --type (AUTOTYPE).
const takesValue = (id) => byId.get(id).val !== 'none';
const isConst = (w) => /^[a-z0-9]/.test(w) && !w.startsWith('--');
/** "--opt [Value], --opt2, OO_LIST" -> [[id, const?], ...]; OO_ lists expanded (their items have no constants). */
function optItems(text, asAny) {
  const items = [];
  const ws = words(text);
  for (let i = 0; i < ws.length; i++) {
    const w = ws[i];
    if (/^OO_[A-Z_]+$/.test(w)) {
      for (const id of ooLists.get(w) ?? []) items.push({ id, any: asAny });
    } else if (w.startsWith('--')) {
      const id = optId(w);
      const item = { id, any: false };
      if (takesValue(id) && i + 1 < ws.length && !ws[i + 1].startsWith('--') && !/^OO_/.test(ws[i + 1])) {
        i++;
        if (isConst(ws[i])) item.value = ws[i];
      }
      items.push(item);
    }
  }
  return items;
}
const variants = new Map();
let v = null;
let section = null;
const positionals = (text) => {
  const ws = words(text).filter((w) => !w.startsWith('--'));
  return { count: ws.filter((w) => w !== '...').length, repeat: ws.includes('...') };
};
for (const raw of lines) {
  const line = raw.replace(/#.*$/, '').trimEnd();
  if (!line.trim()) { section = v ? null : section; if (!line.trim()) v = section ? v : v; continue; }
  let m;
  if (/^OO_[A-Z_]+:/.test(line)) { v = null; section = 'oolist'; continue; }
  if ((m = /^(OO|OP|IO):(.*)$/.exec(line))) {
    if (!v) continue;
    section = m[1];
    if (m[1] === 'OO') v.oo.push(...optItems(m[2], false));
    else if (m[1] === 'IO') v.io.push(...optItems(m[2], false));
    else { const p = positionals(m[2]); v.op += p.count; v.opRepeat ||= p.repeat; }
    continue;
  }
  if ((m = /^ID:\s*(\S+)/.exec(line))) { if (v) v.id = m[1]; section = null; continue; }
  if ((m = /^AUTOTYPE:\s*(\S+)/.exec(line))) { if (v) v.autotype.push(m[1]); section = null; continue; }
  if (/^(DESC|RULE|FLAGS):/.test(line) || line.startsWith('---')) { section = null; continue; }
  if (/^[a-z]/.test(line)) {
    const name = words(line)[0];
    v = { name, id: '', sel: false, vg0: false, ro: [], rp: 0, rpRepeat: false, op: 0, opRepeat: false, oo: [], io: [], autotype: [] };
    if (!variants.has(name)) variants.set(name, []);
    variants.get(name).push(v);
    section = 'req';
    addRequired(v, line.slice(name.length));
    continue;
  }
  if (v && /^\s*(--|OO_|[A-Z])/.test(line)) {
    if (section === 'req') addRequired(v, line);
    else if (section === 'OO') v.oo.push(...optItems(line, false));
    else if (section === 'IO') v.io.push(...optItems(line, false));
    else if (section === 'OP') { const p = positionals(line); v.op += p.count; v.opRepeat ||= p.repeat; }
  }
}
function addRequired(v, text) {
  const ws = words(text);
  const optText = [];
  const posWords = [];
  for (let i = 0; i < ws.length; i++) {
    const w = ws[i];
    if (w.startsWith('--')) {
      optText.push(w);
      const id = optId(w);
      if (takesValue(id) && i + 1 < ws.length) optText.push(ws[++i]);
    } else if (/^OO_[A-Z_]+$/.test(w)) optText.push(w);
    else posWords.push(w);
  }
  v.ro.push(...optItems(optText.join(' '), true));
  if (!v.rp && posWords.length) {
    const first = posWords[0].split('|');
    v.sel = first.includes('Select');
    v.vg0 = first.includes('VG');
  }
  v.rp += posWords.filter((w) => w !== '...').length;
  v.rpRepeat ||= posWords.includes('...');
}
for (const list of variants.values()) for (const x of list) for (const o of [...x.ro, ...x.oo, ...x.io]) if (!byId.has(o.id)) throw new Error(`no arg ${o.id}`);

const all = ooLists.get('OO_ALL') ?? [];
const commands = {};
for (const [name, ids] of [...perCommand].sort(([a], [b]) => a.localeCompare(b))) {
  commands[name] = [...new Set([...ids, ...all])].sort();
}

const q = (s) => `'${s}'`;
const body = [
  '// Generated by scripts/gen-option-table.mjs from LVM2 2.03.16 (tools/args.h, tools/command-lines.in):',
  "// LVM2's options (id, short letter, long name, value type, flags) and, per command, the options",
  '// its variants accept. Do not edit: re-run the script on an LVM2 checkout.',
  '',
  "export type Lvm2ArgFlag = 'countable' | 'groupable';",
  '',
  'export interface Lvm2Arg {',
  '  id: string;',
  '  short: string;',
  '  long: string;',
  '  val: string;',
  '  flags: Lvm2ArgFlag[];',
  '}',
  '',
  'export const LVM2_ARGS: Lvm2Arg[] = [',
  ...args.map((a) => `  { id: ${q(a.id)}, short: ${q(a.short)}, long: ${q(a.long)}, val: ${q(a.val)}, flags: [${a.flags.map(q).join(', ')}] },`),
  '];',
  '',
  '/** Option ids (LVM2_ARGS) each command accepts in any of its variants, OO_ALL included. */',
  'export const LVM2_COMMAND_ARGS: Record<string, string[]> = {',
  ...Object.entries(commands).map(([n, ids]) => `  ${n}: [${ids.map(q).join(', ')}],`),
  '};',
  '',
];
for (const ids of Object.values(commands)) for (const id of ids) if (!byId.has(id)) throw new Error(`no arg ${id}`);
writeFileSync(out, body.join('\n'));

const fmtOpt = (o) => `[${q(o.id)}${o.value !== undefined ? `, ${q(o.value)}` : ''}]`;
const vbody = [
  '// Generated by scripts/gen-option-table.mjs from LVM2 2.03.16 (tools/command-lines.in): every',
  "// variant of every command, as lvmcmdline.c's _find_command matches them. Do not edit: re-run",
  '// the script on an LVM2 checkout.',
  '',
  '/** [option id, constant value the definition requires]. */',
  'export type VariantOpt = [string, string?];',
  '',
  'export interface CommandVariant {',
  '  id: string;',
  '  /** Required options; `any`: one of them is enough (an OO_ list in the definition). */',
  '  ro: VariantOpt[];',
  '  any: VariantOpt[];',
  '  /** Required and optional positional arguments; whether the last one may repeat. */',
  '  rp: number;',
  '  op: number;',
  '  repeat: boolean;',
  "  /** The first required positional may be a Select (so --select can stand for it), a VG. */",
  '  select?: boolean;',
  '  vg?: boolean;',
  '  oo: VariantOpt[];',
  '  io: VariantOpt[];',
  '  autotype: string[];',
  '}',
  '',
  'export const LVM2_COMMAND_VARIANTS: Record<string, CommandVariant[]> = {',
];
for (const [name, list] of [...variants].sort(([a], [b]) => a.localeCompare(b))) {
  vbody.push(`  ${name.includes('-') ? q(name) : name}: [`);
  for (const x of list) {
    const ro = x.ro.filter((o) => !o.any), any = x.ro.filter((o) => o.any);
    const repeat = x.opRepeat || x.rpRepeat;
    vbody.push(`    { id: ${q(x.id)}, ro: [${ro.map(fmtOpt).join(', ')}], any: [${any.map(fmtOpt).join(', ')}], rp: ${x.rp}, op: ${x.op}, repeat: ${repeat},${x.sel ? ' select: true,' : ''}${x.vg0 ? ' vg: true,' : ''}`);
    vbody.push(`      oo: [${x.oo.map(fmtOpt).join(', ')}],`);
    vbody.push(`      io: [${x.io.map(fmtOpt).join(', ')}], autotype: [${x.autotype.map(q).join(', ')}] },`);
  }
  vbody.push('  ],');
}
vbody.push('};', '');
writeFileSync(new URL('../src/cli/lvm2-command-variants.ts', import.meta.url), vbody.join('\n'));
console.error(`gen-option-table: ${args.length} options, ${Object.keys(commands).length} commands -> src/cli/lvm2-option-table.ts`);
