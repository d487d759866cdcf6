// Progress of a long foreground step, as LVM2's polldaemon shows a conversion's (tools/polldaemon.c,
// lvconvert's "vg/lv: Converted: 45.00%", pvmove's "/dev/sdb: Moved: 12.50%"): a line on stdout
// when the step starts, one every `interval` seconds (activation/polling_interval, or lvconvert's
// --interval; 0 prints none) and one at 100.00%; besides, when stderr is a terminal, a one-line bar
// there (colour unless NO_COLOR), erased before each line and at the end.
import { isatty } from 'node:tty';
import type { Context } from './context.js';

export interface ProgressBar {
  draw(fraction: number): void;
  clear(): void;
  done(): void;
}

/** A one-line bar on stderr, only when stderr is a terminal; colour unless NO_COLOR. */
export function progressBar(ctx: Context): ProgressBar | null {
  if (!isatty(2)) return null;
  const colour = !ctx.env.NO_COLOR;
  let shown = false;
  let lastDraw = 0;
  let chalk: { green: (s: string) => string } | null = null;
  void import('chalk').then((m) => (chalk = m.default)).catch(() => undefined);
  const width = 40;
  return {
    draw(f: number) {
      const now = Date.now();
      if (now - lastDraw < 100 && f < 1) return;
      lastDraw = now;
      const n = Math.round(Math.min(1, f) * width);
      const filled = '#'.repeat(n);
      const line = `  [${colour && chalk ? chalk.green(filled) : filled}${'.'.repeat(width - n)}] ${(f * 100).toFixed(2)}%`;
      ctx.out.rawErr(`\r${line}`);
      shown = true;
    },
    clear() {
      if (shown) ctx.out.rawErr('\r\x1b[K');
      shown = false;
    },
    done() {
      if (shown) ctx.out.rawErr('\r\x1b[K');
    },
  };
}

/**
 * Progress of a synchronous step: `name: title: NN.NN%` lines (first call, every `interval`
 * seconds, and the last at 100.00%) and the terminal bar. Call report(done, total) as the work goes
 * on, and end() once it is over (which prints the 100.00% line if the work got there).
 */
export function progressLines(ctx: Context, name: string, title: string, interval: number): {
  report(done: number, total: number): void;
  end(): void;
} {
  const bar = progressBar(ctx);
  let last = -Infinity;
  let finished = false;
  const line = (pct: number) => {
    bar?.clear();
    ctx.out.print(`${name}: ${title}: ${pct.toFixed(2)}%`);
    ctx.out.flushOut();
  };
  return {
    report(done: number, total: number) {
      const f = total ? Math.min(1, done / total) : 1;
      bar?.draw(f);
      if (f >= 1) finished = true;
      if (!interval || f >= 1) return;
      const now = Date.now();
      if (now - last < interval * 1000) return;
      last = now;
      line(100 * f);
    },
    end() {
      if (finished && interval) line(100);
      bar?.done();
    },
  };
}
