// LVM2-format identifiers (lib/uuid/uuid.c): 32 characters from [0-9a-zA-Z!#], shown in groups
// 6-4-4-4-4-4-6 separated by dashes.
import { closeSync, openSync, readSync } from 'node:fs';

const CHARS = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ!#';

/**
 * Random bytes from /dev/urandom, as LVM2's uuid.c reads them. (node:crypto would do, but loading
 * it costs a command more than all its allocation work; it is the fallback where there is no
 * /dev/urandom.)
 */
function randomBytes(n: number): Uint8Array {
  const buf = new Uint8Array(n);
  try {
    const fd = openSync('/dev/urandom', 'r');
    try {
      if (readSync(fd, buf, 0, n, null) === n) return buf;
    } finally {
      closeSync(fd);
    }
  } catch {
    // no /dev/urandom: below
  }
  return globalThis.crypto.getRandomValues(buf);
}

export function newUuid(): string {
  const bytes = randomBytes(32);
  let raw = '';
  for (const b of bytes) raw += CHARS[b % 62]; // LVM2 leaves out '!' and '#' when generating
  return formatUuid(raw);
}

export function formatUuid(raw: string): string {
  const groups = [6, 4, 4, 4, 4, 4, 6];
  const parts: string[] = [];
  let pos = 0;
  for (const g of groups) {
    parts.push(raw.slice(pos, pos + g));
    pos += g;
  }
  return parts.join('-');
}
