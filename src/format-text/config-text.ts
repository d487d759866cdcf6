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

const IDENT = /[A-Za-z0-9_.+\-/:@]/;

class Lexer {
  pos = 0;
  line = 1;
  constructor(readonly text: string) {}

  private skip(): void {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t[this.pos]!;
      if (c === '\n') {
        this.line++;
        this.pos++;
      } else if (c === ' ' || c === '\t' || c === '\r') this.pos++;
      else if (c === '#') {
        while (this.pos < t.length && t[this.pos] !== '\n') this.pos++;
      } else break;
    }
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
    const start = this.pos;
    while (this.pos < this.text.length && IDENT.test(this.text[this.pos]!)) this.pos++;
    if (start === this.pos) this.fail('expected a name');
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
    while (this.pos < this.text.length && /[-+0-9.eExX]/.test(this.text[this.pos]!)) this.pos++;
    const word = this.text.slice(start, this.pos);
    const n = Number(word);
    if (!word || Number.isNaN(n)) this.fail('expected a value');
    return n;
  }

  private string(): string {
    this.pos++;
    let out = '';
    for (;;) {
      const c = this.text[this.pos++];
      if (c === undefined) this.fail('unterminated string');
      if (c === '"') return out;
      if (c === '\\') out += this.text[this.pos++] ?? '';
      else {
        if (c === '\n') this.line++;
        out += c;
      }
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
