// Name rules (lib/misc/lvm-string.c): the messages LVM2 prints, seen in fixtures/golden/02 and 03.
import { describe, expect, it } from 'vitest';
import { lvNameRestriction, nameError, nextLvolName } from '../src/model/names.js';

describe('names', () => {
  it('accepts LVM2 names and refuses the rest with its messages', () => {
    expect(nameError('vg+x_y.z-1')).toBeNull();
    expect(nameError('bad name')).toBe('Name contains invalid character, valid set includes: [a-zA-Z0-9.-_+].');
    expect(nameError('-lv')).toBe('Name cannot start with hyphen.');
    expect(nameError('..')).toBe('Name starts with . or .. and has no following character(s).');
    expect(nameError('v'.repeat(127))).toBeNull();
    expect(nameError('v'.repeat(128))).toBe('Name length exceeds maximum limit of 127.');
  });

  it('reserves LVM2 prefixes and sub-LV suffixes', () => {
    expect(lvNameRestriction('lv_mimage_0')).toBe('Names including "_mimage" are reserved. Please choose a different LV name.');
    expect(lvNameRestriction('my_mlog')).toBe('Names including "_mlog" are reserved. Please choose a different LV name.');
    expect(lvNameRestriction('snapshot1')).toBe('Names starting "snapshot" are reserved. Please choose a different LV name.');
    expect(lvNameRestriction('pvmove0')).toBe('Names starting "pvmove" are reserved. Please choose a different LV name.');
    expect(lvNameRestriction('data')).toBeNull();
  });

  it('numbers default LV names past the highest lvol', () => {
    expect(nextLvolName([])).toBe('lvol0');
    expect(nextLvolName(['lvol0', 'lvol7', 'x'])).toBe('lvol8');
  });
});
