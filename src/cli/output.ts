// The output sink. LVM2 prefixes every log_print/log_error line with two spaces (log/prefix);
// report rows go through the same path. Output is buffered and flushed once: lab scripts call
// the binary hundreds of times, and one write is cheaper than hundreds. Past FLUSH_AT characters
// it is written as it comes (vgdisplay -v of 10,000 LVs prints megabytes, which would otherwise be
// held three times over: the lines, their concatenation, its bytes).
import { writeSync } from 'node:fs';

const FLUSH_AT = 64 * 1024;

export class Output {
  private out: string[] = [];
  private outChars = 0;
  private err: string[] = [];
  /** Interleaving matters only on a terminal; keep stdout/stderr ordering by flushing stdout before stderr writes. */
  /** log/prefix: set from the configuration once it is read (src/start.ts). */
  constructor(public prefix = '  ') {}

  /** A normal message on stdout (log_print). */
  print(line: string): void {
    this.push(this.prefix + line + '\n');
  }

  /** Raw text on stdout with no prefix (help, dd data is written elsewhere). */
  raw(text: string): void {
    this.push(text);
  }

  private push(text: string): void {
    this.out.push(text);
    this.outChars += text.length;
    if (this.outChars > FLUSH_AT) this.flushOut();
  }

  /** Whether an error (not a warning) was logged: LVM2's error_message_produced(). */
  errorLogged = false;

  /** An error or warning on stderr (log_error / log_warn). */
  error(line: string): void {
    if (!line.startsWith('WARNING:')) this.errorLogged = true;
    this.flushOut();
    this.err.push(this.prefix + line + '\n');
    this.flushErr();
  }

  /** Raw text on stderr (prompts: yes_no_prompt writes them unprefixed). */
  rawErr(text: string): void {
    this.flushOut();
    this.err.push(text);
    this.flushErr();
  }

  warn(line: string): void {
    this.error(line);
  }

  /** Print a prompt on stdout without a newline (yes_no_prompt). */
  prompt(text: string): void {
    this.out.push(this.prefix + text);
    this.flushOut();
  }

  flushOut(): void {
    if (this.out.length) {
      this.write(1, this.out.join(''));
      this.out = [];
      this.outChars = 0;
    }
  }

  private flushErr(): void {
    if (this.err.length) {
      this.write(2, this.err.join(''));
      this.err = [];
    }
  }

  flush(): void {
    this.flushOut();
    this.flushErr();
  }

  /** Where the text goes: file descriptor 1 or 2 (the start-up snapshot's warm-up keeps it, cli/warm-up.ts). */
  protected write(fd: 1 | 2, text: string): void {
    writeAll(fd, text);
  }
}

function writeAll(fd: number, text: string): void {
  const buf = Buffer.from(text);
  let off = 0;
  while (off < buf.length) {
    try {
      off += writeSync(fd, buf, off);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EAGAIN') continue;
      if ((e as NodeJS.ErrnoException).code === 'EPIPE') return;
      throw e;
    }
  }
}
