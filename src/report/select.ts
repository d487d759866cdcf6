// -S/--select: LVM2's selection language (libdm/libdm-report.c _parse_selection and friends):
//   expr := and ( ('||' | '#') and )* ; and := unary ( ('&&' | ',') unary )*
//   unary := '!' unary | '(' expr ')' | field op value ; op := =~ !~ = != < <= > >=
// Sizes default to MiB and take unit letters; strings may be quoted.
import type { FieldDef, Row, Env } from './fields.js';

export class SelectionError extends Error {
  constructor(readonly lines: string[], readonly unknownField = false) {
    super(lines.join('\n'));
  }
}

export type Selection = (row: Row, env: Env) => boolean;

type Op = '=~' | '!~' | '=' | '!=' | '<' | '<=' | '>' | '>=';
const OPS: Op[] = ['=~', '!~', '!=', '<=', '>=', '=', '<', '>'];

const UNIT_BYTES: Record<string, number> = { b: 1, s: 512 };

/** Parse a size with an optional unit (default m) into sectors; null if not a number. */
function parseSize(v: string): number | null {
  const m = /^([0-9]+(?:\.[0-9]*)?|\.[0-9]+)([bBsSkKmMgGtTpPeE]?)$/.exec(v);
  if (!m) return null;
  const n = Number(m[1]);
  const u = m[2] || 'm';
  let bytes: number;
  if (UNIT_BYTES[u.toLowerCase()]) bytes = n * UNIT_BYTES[u.toLowerCase()]!;
  else {
    const p = 'kmgtpe'.indexOf(u.toLowerCase()) + 1;
    bytes = n * (u === u.toLowerCase() ? 1024 : 1000) ** p;
  }
  return bytes / 512;
}

export function parseSelection(text: string, resolve: (name: string) => FieldDef | undefined): Selection {
  let pos = 0;
  const ws = () => {
    while (pos < text.length && /\s/.test(text[pos]!)) pos++;
  };
  const syntax = (lines: string[], at: number, unknown = false): never => {
    throw new SelectionError([...lines, `Selection syntax error at '${text.slice(at)}'.`, "Use 'help' for selection to get more help."], unknown);
  };

  const term = (): Selection => {
    ws();
    const start = pos;
    const m = /^[A-Za-z0-9_]+/.exec(text.slice(pos));
    if (!m) return syntax(['Expecting field name'], pos);
    const name = m[0];
    pos += name.length;
    const field = resolve(name);
    if (!field) return syntax([`Unrecognised selection field: ${name}`], start, true);
    ws();
    const op = OPS.find((o) => text.startsWith(o, pos));
    if (!op) return syntax(['Expecting operator'], start);
    pos += op.length;
    ws();
    const value = readValue();
    return compile(field, op, value, start);
  };

  const readValue = (): string => {
    const q = text[pos];
    if (q === '"' || q === "'") {
      const end = text.indexOf(q, pos + 1);
      const v = end < 0 ? text.slice(pos + 1) : text.slice(pos + 1, end);
      pos = end < 0 ? text.length : end + 1;
      return v;
    }
    const start = pos;
    while (pos < text.length && !/[\s)]/.test(text[pos]!) && !text.startsWith('&&', pos) && !text.startsWith('||', pos)
      && text[pos] !== ',' && text[pos] !== '#') pos++;
    return text.slice(start, pos);
  };

  const compile = (field: FieldDef, op: Op, value: string, start: number): Selection => {
    if (op === '=~' || op === '!~') {
      let re: RegExp;
      try {
        re = new RegExp(value);
      } catch {
        return syntax([`Invalid regular expression for selection field ${field.id}.`], start);
      }
      const want = op === '=~';
      return (r, e) => re.test(field.get(r, e).s.replace(/^\[(.*)\]$/, '$1')) === want;
    }
    const numeric = ['NUM', 'SIZ', 'PCT', 'BIN', 'SNUM'].includes(field.kind);
    if (!numeric) {
      const cmpStr = (a: string) => (a < value ? -1 : a > value ? 1 : 0);
      return (r, e) => {
        const v = field.get(r, e).v;
        return testCmp(op, cmpStr(typeof v === 'string' ? v : String(v)));
      };
    }
    let n: number | null;
    if (field.kind === 'SIZ') n = parseSize(value);
    else if (field.kind === 'PCT') n = /^[0-9]+(\.[0-9]*)?%?$/.test(value) ? parseFloat(value) : null;
    else if (field.kind === 'BIN' && !/^[0-9]+$/.test(value)) n = value === '' ? 0 : 1;
    else n = /^-?[0-9]+$/.test(value) ? Number(value) : null;
    if (n === null) return syntax([`Failed to parse numeric value for selection field ${field.id}.`], start);
    const want = n;
    return (r, e) => {
      const v = field.get(r, e).v;
      if (typeof v !== 'number' || Number.isNaN(v)) return op === '!=';
      return testCmp(op, v < want ? -1 : v > want ? 1 : 0);
    };
  };

  const unary = (): Selection => {
    ws();
    if (text[pos] === '!' && text[pos + 1] !== '=' && text[pos + 1] !== '~') {
      pos++;
      const inner = unary();
      return (r, e) => !inner(r, e);
    }
    if (text[pos] === '(') {
      pos++;
      const inner = orExpr();
      ws();
      if (text[pos] !== ')') return syntax(['Missing right parenthesis'], pos);
      pos++;
      return inner;
    }
    return term();
  };

  const andExpr = (): Selection => {
    let left = unary();
    for (;;) {
      ws();
      if (text.startsWith('&&', pos)) pos += 2;
      else if (text[pos] === ',') pos += 1;
      else return left;
      const l = left;
      const r = unary();
      left = (row, e) => l(row, e) && r(row, e);
    }
  };

  const orExpr = (): Selection => {
    let left = andExpr();
    for (;;) {
      ws();
      if (text.startsWith('||', pos)) pos += 2;
      else if (text[pos] === '#') pos += 1;
      else return left;
      const l = left;
      const r = andExpr();
      left = (row, e) => l(row, e) || r(row, e);
    }
  };

  const sel = orExpr();
  ws();
  if (pos < text.length) syntax([], pos);
  return sel;
}

function testCmp(op: Op, c: number): boolean {
  switch (op) {
    case '=': return c === 0;
    case '!=': return c !== 0;
    case '<': return c < 0;
    case '<=': return c <= 0;
    case '>': return c > 0;
    default: return c >= 0;
  }
}
