// The grammar of LVM2's metadata text and config files (libdm/libdm-config.c): `key = value`
// lines and `name { ... }` sections; values are integers, floats, "strings" (with \" and \\
// escapes) or [ lists ] of them; `#` starts a comment. Parsed into sections that keep their order.

export type ConfigValue = number | string | ConfigValue[];

export interface ConfigSection {
  /** Keys and sub-sections in the order written. */
  entries: Map<string, ConfigValue | ConfigSection>;
}

export class ConfigParseError extends Error {
  constructor(message: string, readonly line: number) {
    super(`${message} at line ${line}`);
  }
}

export function isSection(v: ConfigValue | ConfigSection | undefined): v is ConfigSection {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const IDENT = /[A-Za-z0-9_.+\-/:@]+/y;
const NUMBER = /[-+0-9.eExX]*/y;
const NL = 10, SPACE = 32, TAB = 9, CR = 13, HASH = 35;

/**
 * Scans with charCodeAt, sticky regexes and indexOf rather than a one-character string per step:
 * a metadata text of 10,000 LVs is 4 MB (an archive file, a PV's area, vgcfgrestore -f). The line
 * an error names is counted only when there is an error.
 */
class Lexer {
  pos = 0;
  /** Where the next backslash is at or after the last string's start (-1: none left), looked for once per backslash. */
  private backslash = -2;
  constructor(readonly text: string) {}

  /** The line `pos` is on (1-based): the newlines before it. */
  get line(): number {
    let n = 1;
    for (let i = this.text.indexOf('\n'); i >= 0 && i < this.pos; i = this.text.indexOf('\n', i + 1)) n++;
    return n;
  }

  private skip(): void {
    const t = this.text;
    const len = t.length;
    let p = this.pos;
    while (p < len) {
      const c = t.charCodeAt(p);
      if (c === SPACE || c === NL || c === TAB || c === CR) p++;
      else if (c === HASH) {
        const eol = t.indexOf('\n', p);
        p = eol < 0 ? len : eol;
      } else break;
    }
    this.pos = p;
  }

  peek(): string {
    this.skip();
    return this.text[this.pos] ?? '';
  }

  expect(ch: string): void {
    if (this.peek() !== ch) this.fail(`expected '${ch}'`);
    this.pos++;
  }

  fail(what: string): never {
    throw new ConfigParseError(`Parse error: ${what}`, this.line);
  }

  ident(): string {
    this.skip();
    IDENT.lastIndex = this.pos;
    if (!IDENT.test(this.text)) this.fail('expected a name');
    const start = this.pos;
    this.pos = IDENT.lastIndex;
    return this.text.slice(start, this.pos);
  }

  value(): ConfigValue {
    const c = this.peek();
    if (c === '"') return this.string();
    if (c === '[') {
      this.pos++;
      const list: ConfigValue[] = [];
      while (this.peek() !== ']') {
        if (!this.peek()) this.fail("expected ']'");
        list.push(this.value());
        if (this.peek() === ',') this.pos++;
      }
      this.pos++;
      return list;
    }
    const start = this.pos;
    NUMBER.lastIndex = start;
    NUMBER.test(this.text);
    this.pos = NUMBER.lastIndex;
    const word = this.text.slice(start, this.pos);
    const n = Number(word);
    if (!word || Number.isNaN(n)) this.fail('expected a value');
    return n;
  }

  /** A "string": \x stands for x. */
  private string(): string {
    const t = this.text;
    let from = ++this.pos;
    let out = '';
    for (;;) {
      const q = t.indexOf('"', from);
      if (this.backslash !== -1 && this.backslash < from) this.backslash = t.indexOf('\\', from);
      const b = this.backslash;
      if (b >= 0 && (q < 0 || b < q)) {
        // an escape before the closing quote: what precedes it, then the escaped character
        out += t.slice(from, b) + (t[b + 1] ?? '');
        from = b + 2;
        continue;
      }
      if (q < 0) {
        this.pos = t.length + 1;
        this.fail('unterminated string');
      }
      this.pos = q + 1;
      return out + t.slice(from, q);
    }
  }
}

function parseBody(lx: Lexer, top: boolean): ConfigSection {
  const entries = new Map<string, ConfigValue | ConfigSection>();
  for (;;) {
    const c = lx.peek();
    if (!c) {
      if (!top) lx.fail("expected '}'");
      break;
    }
    if (c === '}') {
      if (top) lx.fail("unexpected '}'");
      lx.pos++;
      break;
    }
    const key = lx.ident();
    if (lx.peek() === '{') {
      lx.pos++;
      entries.set(key, parseBody(lx, false));
    } else {
      lx.expect('=');
      entries.set(key, lx.value());
    }
  }
  return { entries };
}

/** Parse a whole text (metadata area, backup file, lvm.conf). */
export function parseConfigText(text: string): ConfigSection {
  return parseBody(new Lexer(text), true);
}

