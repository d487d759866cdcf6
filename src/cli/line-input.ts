// Lines read from a file descriptor one byte at a time (as readline reads a pipe, and stdio reads a
// terminal), so that nothing after the line is consumed: the next command, a prompt's answer or
// `tsvm dd`'s data read the rest of stdin. LVM2's shell and yes_no_prompt read the same stdin.
import { readSync } from 'node:fs';
import { sleepMs } from '../device/sleep.js';

/** The next line of `fd` without its newline; null at end of input (or a read error). */
export function readLineSync(fd: number): string | null {
  const buf = Buffer.alloc(1);
  const bytes: number[] = [];
  for (;;) {
    let n: number;
    try {
      n = readSync(fd, buf, 0, 1, null);
    } catch (e) {
      // (a terminal or pipe that node made non-blocking: wait for input)
      if ((e as NodeJS.ErrnoException).code === 'EAGAIN') {
        sleepMs(10);
        continue;
      }
      n = 0;
    }
    if (n === 0) return bytes.length ? Buffer.from(bytes).toString('utf8') : null;
    if (buf[0] === 0x0a) return Buffer.from(bytes).toString('utf8');
    bytes.push(buf[0]!);
  }
}
