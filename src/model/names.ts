// Name rules for VGs and LVs (lib/misc/lvm-string.c validate_name, apply_lvname_restrictions;
// lib/metadata/metadata.c validate_new_vg_name). Returns LVM2's message or null when valid.

export const NAME_LEN = 128;

/** validate_name_detailed(): the rules shared by VG and LV names. */
export function nameError(name: string): string | null {
  if (!name.length) return 'Name is empty.'; // never printed alone: callers add their line
  if (name[0] === '-') return 'Name cannot start with hyphen.';
  if (name === '.' || name === '..') return 'Name starts with . or .. and has no following character(s).';
  if (name.length >= NAME_LEN) return `Name length exceeds maximum limit of ${NAME_LEN - 1}.`;
  if (!/^[a-zA-Z0-9+_.-]*$/.test(name)) return 'Name contains invalid character, valid set includes: [a-zA-Z0-9.-_+].';
  return null;
}

const RESERVED_PREFIXES = ['pvmove', 'snapshot'];
const RESERVED_SUBSTRINGS = [
  '_cdata', '_cmeta', '_corig', '_cpool', '_cvol', '_wcorig', '_mimage', '_mlog', '_pmspare',
  '_rimage', '_rmeta', '_tdata', '_tmeta', '_vdata', '_vorigin', '_imeta', '_iorig',
];

/** apply_lvname_restrictions(): reserved prefixes and substrings of user-chosen LV names. */
export function lvNameRestriction(name: string): string | null {
  for (const p of RESERVED_PREFIXES) {
    if (name.startsWith(p)) return `Names starting "${p}" are reserved. Please choose a different LV name.`;
  }
  for (const s of RESERVED_SUBSTRINGS) {
    if (name.includes(s)) return `Names including "${s}" are reserved. Please choose a different LV name.`;
  }
  return null;
}

/** generate_lv_name(): "lvol<N>" with N one past the highest existing lvol index. */
export function nextLvolName(existing: string[]): string {
  let high = -1;
  for (const n of existing) {
    const m = /^lvol(\d+)$/.exec(n);
    if (m) high = Math.max(high, Number(m[1]));
  }
  return `lvol${high + 1}`;
}
