// LVM2-format identifiers (lib/uuid/uuid.c): 32 characters from [0-9a-zA-Z!#], shown in groups
// 6-4-4-4-4-4-6 separated by dashes.
import { randomBytes } from 'node:crypto';

const CHARS = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ!#';

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
