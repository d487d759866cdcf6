// lvm.conf-style configuration (LVM2 lib/config): "section { key = value }" or "section/key = value",
// values are numbers, "strings" or [ lists ]. tsvm reads $TSVM_SYSTEM_DIR/lvm.conf and --config.

export type ConfigValue = number | string | ConfigValue[];

export class Config {
  private values = new Map<string, ConfigValue>();

  /** Merge text in lvm.conf syntax; later definitions win. Throws on a syntax error. */
  merge(text: string): void {
    const toks = tokenize(text);
    const path: string[] = [];
    let i = 0;
    const value = (): ConfigValue => {
      const t = toks[i++];
      if (t === undefined) throw new Error('unexpected end of configuration');
      if (t === '[') {
        const list: ConfigValue[] = [];
        while (toks[i] !== ']') {
          if (toks[i] === undefined) throw new Error('unterminated list');
          if (toks[i] === ',') {
            i++;
            continue;
          }
          list.push(value());
        }
        i++;
        return list;
      }
      if (t.startsWith('"')) return t.slice(1, -1).replace(/\\(.)/g, '$1');
      const n = Number(t);
      return Number.isNaN(n) ? t : n;
    };
    while (i < toks.length) {
      const t = toks[i++]!;
      if (t === '}') {
        path.pop();
        continue;
      }
      if (toks[i] === '{') {
        i++;
        path.push(t);
        continue;
      }
      if (toks[i] === '=') {
        i++;
        this.values.set([...path, t].join('/'), value());
        continue;
      }
      throw new Error(`configuration syntax error near '${t}'`);
    }
  }

  get(key: string): ConfigValue | undefined {
    return this.values.get(key);
  }

  str(key: string, dflt: string): string {
    const v = this.values.get(key);
    return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : dflt;
  }

  num(key: string, dflt: number): number {
    const v = this.values.get(key);
    return typeof v === 'number' ? v : typeof v === 'string' && v !== '' && !Number.isNaN(Number(v)) ? Number(v) : dflt;
  }

  bool(key: string, dflt: boolean): boolean {
    return this.num(key, dflt ? 1 : 0) !== 0;
  }
}

function tokenize(text: string): string[] {
  const out: string[] = [];
  const re = /\s+|#[^\n]*|"(?:[^"\\]|\\.)*"|[{}[\]=,]|[^\s{}[\]=,"#]+/g;
  for (const m of text.matchAll(re)) {
    const t = m[0];
    if (/^\s/.test(t) || t.startsWith('#')) continue;
    // "section/key = value" is shorthand for nested sections
    if (t.includes('/') && !t.startsWith('"') && !t.startsWith('/')) {
      const parts = t.split('/');
      const key = parts.pop()!;
      out.push(...parts.flatMap((p) => [p, '{']), key, '\u0000close' + parts.length);
      continue;
    }
    out.push(t);
  }
  // expand the close markers after the value that follows "key ="
  const res: string[] = [];
  for (let i = 0; i < out.length; i++) {
    const t = out[i]!;
    if (t.startsWith('\u0000close')) {
      const n = Number(t.slice(6));
      // copy "= value" (value may be a list)
      res.push(out[++i]!); // '='
      let depth = 0;
      do {
        const v = out[++i]!;
        res.push(v);
        if (v === '[') depth++;
        if (v === ']') depth--;
      } while (depth > 0);
      for (let k = 0; k < n; k++) res.push('}');
      continue;
    }
    res.push(t);
  }
  return res;
}
