// The lvm shell's input. On a terminal: node's readline with the "lvm> " prompt, line editing and
// a history kept across sessions (LVM2 keeps $HOME/.lvm_history, shell/history_size 100 lines;
// tsvm keeps its own, in the system directory). Otherwise lines are read from stdin one byte at a
// time and no prompt is printed (LVM2 built with editline prints none either), so that a prompt's
// answer and the next command come from the same stdin, in order.
import { createInterface } from 'node:readline';
import { readFileSync, writeFileSync } from 'node:fs';
import { isatty } from 'node:tty';
import { readLineSync } from './line-input.js';

const HISTORY_SIZE = 100;

export class ShellInput {
  // (isatty, not process.stdin.isTTY: making process.stdin of a pipe would set it non-blocking)
  private readonly tty = isatty(0);

  /** Lines come from a terminal (a person typing), not a pipe or file. */
  get terminal(): boolean {
    return this.tty;
  }
  private history: string[] = [];

  constructor(private readonly historyFile: string) {
    if (!this.tty) return;
    try {
      // newest first, as readline keeps it
      this.history = readFileSync(historyFile, 'utf8').split('\n').filter(Boolean).reverse().slice(0, HISTORY_SIZE);
    } catch {
      // no history yet
    }
  }

  /** The next line, or null at end of input. */
  readLine(prompt: string): Promise<string | null> {
    if (!this.tty) return Promise.resolve(readLineSync(0));
    return new Promise((resolve) => {
      const rl = createInterface({
        input: process.stdin, output: process.stdout, terminal: true, prompt,
        // one interface per line, closed while the command runs so that a yes/no prompt reads the
        // terminal as in a new process: the history is handed over each time
        history: [...this.history], historySize: HISTORY_SIZE,
      });
      let answered = false;
      rl.on('line', (line) => {
        answered = true;
        rl.close();
        resolve(line);
      });
      rl.on('SIGINT', () => {
        process.stdout.write('\n');
        rl.prompt();
      });
      rl.on('close', () => {
        if (!answered) resolve(null);
      });
      rl.prompt();
    });
  }

  remember(line: string): void {
    if (!this.tty) return;
    this.history = [line, ...this.history.filter((l) => l !== line)].slice(0, HISTORY_SIZE);
  }

  /** exit/quit are not kept (LVM2 removes them from the history). */
  forgetLast(): void {
    if (this.tty) this.history.shift();
  }

  saveHistory(): void {
    if (!this.tty) return;
    try {
      writeFileSync(this.historyFile, [...this.history].reverse().join('\n') + '\n', { mode: 0o600 });
    } catch {
      // LVM2: "Couldn't write history" is only a verbose message
    }
  }
}
